"""The conventions list on the house's list machinery (opco.lists): sortable headers from a whitelist,
keyset pages without a row skipped or repeated, the count capped (« Plus de … résultats »)."""

import re
from html import unescape

import pytest

from opco.lists import CappedPaginator
from tests.conventions.factories import signed_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_user):
    finance = make_user(finance=True)
    for title in ("Bravo", "Alpha", "Charlie"):
        signed_convention(finance, title=f"EDEC {title}", kind="edec")
    return finance


def titles(html: str) -> list[str]:
    return re.findall(r"<td>(EDEC \w+)", html)


def test_sortable_headers_and_keyset_pages(three, client_for):
    client = client_for(three)
    page = unescape(client.get("/conventions/", {"sort": "intitule"}).content.decode())
    assert titles(page) == ["EDEC Alpha", "EDEC Bravo", "EDEC Charlie"]
    assert 'data-sort="intitule"' in page and 'aria-sort="ascending"' in page
    page = unescape(client.get("/conventions/", {"sort": "-intitule"}).content.decode())
    assert titles(page) == ["EDEC Charlie", "EDEC Bravo", "EDEC Alpha"]
    # An unknown key falls back to the default sort, never an error.
    assert client.get("/conventions/", {"sort": "iban"}).status_code == 200


def test_pages_by_cursor_and_caps_the_count(three, client_for, monkeypatch):
    from conventions.views import ConventionList

    monkeypatch.setattr(ConventionList, "paginate_by", 2)
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    client = client_for(three)
    first = unescape(client.get("/conventions/", {"sort": "intitule"}).content.decode())
    assert titles(first) == ["EDEC Alpha", "EDEC Bravo"] and "Plus de 2 résultats" in first
    cursor = re.search(r"after=([\w-]+)", first).group(1)
    second = unescape(client.get("/conventions/", {"sort": "intitule", "after": cursor}).content.decode())
    assert titles(second) == ["EDEC Charlie"]
