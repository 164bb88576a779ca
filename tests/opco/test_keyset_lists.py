"""The lists' keyset pages (opco.lists): no row skipped or repeated across pages, forwards and backwards,
with ties and NULLs on the sort key; the sort whitelist; a constant number of queries per page."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opco.lists import keyset_page
from referentials.models import Company
from tests.referentials.factories import CompanyFactory

SORTS = {"nom": "name", "effectif": "headcount", "commune": "city", "naf": "naf__code", "siret": "siret"}


def make_companies(count: int) -> list[Company]:
    # Heavy ties: 3 names, 4 headcounts with NULLs among them, 2 towns.
    return [
        CompanyFactory(name=f"Entreprise {i % 3}", headcount=(None if i % 4 == 0 else i % 4), city=("Lyon", "Caen")[i % 2])
        for i in range(count)
    ]


def expected_order(rows: list[Company], attribute: str, descending: bool) -> list[int]:
    """B-tree order: NULLs last ascending, first descending; the id breaks ties in the same direction."""

    def key(row):
        value = getattr(row, attribute)
        return (value is None, value if value is not None else 0, row.pk)

    return [row.pk for row in sorted(rows, key=key, reverse=descending)]


def walk(queryset, sort: str, per_page: int, *, backwards: bool = False) -> list[int]:
    """Every row by following next links (or previous links from the last page)."""
    params = QueryDict(mutable=True)
    params["sort"] = sort
    if backwards:
        params["last"] = "1"
    seen: list[list[int]] = []
    for _ in range(100):
        page = keyset_page(params, queryset, sort_fields=SORTS, default_sort="nom", per_page=per_page)
        seen.append([row.pk for row in page])
        more = page.has_previous if backwards else page.has_next
        if not more:
            break
        params = QueryDict(page.previous_query if backwards else page.next_query, mutable=True)
    if backwards:
        seen.reverse()
    return [pk for chunk in seen for pk in chunk]


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["nom", "-nom", "effectif", "-effectif", "commune", "-commune"])
@pytest.mark.parametrize("per_page", [1, 4, 7, 50])
def test_pages_neither_skip_nor_repeat_rows_with_ties_and_nulls(sort, per_page):
    rows = make_companies(23)
    attribute = SORTS[sort.removeprefix("-")]
    expected = expected_order(rows, attribute, sort.startswith("-"))
    queryset = Company.objects.all()
    assert walk(queryset, sort, per_page) == expected
    assert walk(queryset, sort, per_page, backwards=True) == expected


@pytest.mark.django_db
def test_previous_page_of_a_middle_page_is_the_page_before():
    make_companies(12)
    queryset = Company.objects.all()
    first = keyset_page(QueryDict("sort=-effectif"), queryset, sort_fields=SORTS, default_sort="nom", per_page=5)
    second = keyset_page(QueryDict(first.next_query), queryset, sort_fields=SORTS, default_sort="nom", per_page=5)
    back = keyset_page(QueryDict(second.previous_query), queryset, sort_fields=SORTS, default_sort="nom", per_page=5)
    assert [r.pk for r in back] == [r.pk for r in first]
    assert back.has_next and not back.has_previous and second.has_previous


@pytest.mark.django_db
def test_a_related_sort_key_pages_through_an_annotation():
    make_companies(9)
    queryset = Company.objects.all()
    ids = walk(queryset, "naf", 2)
    assert sorted(ids) == sorted(Company.objects.values_list("pk", flat=True)) and len(ids) == 9


@pytest.mark.django_db
def test_an_unknown_sort_or_a_forged_cursor_falls_back_to_the_first_page_of_the_default_sort():
    make_companies(6)
    queryset = Company.objects.all()
    page = keyset_page(
        QueryDict("sort=password&after=not-a-cursor"), queryset, sort_fields=SORTS, default_sort="-siret", per_page=3
    )
    assert page.order.param == "-siret" and not page.has_previous
    assert [r.pk for r in page] == list(Company.objects.order_by("-siret").values_list("pk", flat=True)[:3])


@pytest.mark.django_db
def test_count_stops_at_the_cap():
    make_companies(8)
    page = keyset_page(QueryDict(), Company.objects.all(), sort_fields=SORTS, default_sort="nom", per_page=3, count_cap=5)
    assert page.count == 5 and page.count_is_capped


@pytest.mark.django_db
def test_the_company_list_sorts_by_a_header_and_walks_every_row(client, make_user):
    rows = make_companies(60)
    client.force_login(make_user(kind="staff"))
    url = reverse("referentials:companies")
    response = client.get(url, {"sort": "-effectif"})
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and 'data-sort="effectif"' in html
    ids, query = [], "sort=-effectif"
    while True:
        page = client.get(f"{url}?{query}").context["page_obj"]
        ids += [row.pk for row in page]
        if not page.has_next:
            break
        query = page.next_query
    assert ids == expected_order(rows, "headcount", True)


@pytest.mark.django_db
def test_filters_keep_the_sort_and_restart_at_the_first_page(client, make_user):
    make_companies(60)
    client.force_login(make_user(kind="staff"))
    url = reverse("referentials:companies")
    page = client.get(url, {"sort": "commune"}).context["page_obj"]
    html = client.get(f"{url}?{page.next_query}").content.decode()
    # The sort travels with the filter form (form="filters"); the headers drop the cursor.
    assert 'name="sort" value="commune" form="filters"' in html
    assert "after=" not in html.split('data-sort="nom"')[0].rsplit("<th", 1)[1]


def _queries(client, url, params) -> int:
    """The queries of one page. The session's idle timeout is renewed on the first request after login, then
    at most once a minute (opco.middleware): a warm-up request comes first, so that no page counts it."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_queries_per_page_do_not_grow_with_rows_nor_page_depth(client, make_user):
    client.force_login(make_user(kind="staff"))
    url = reverse("referentials:companies")
    make_companies(3)
    small = _queries(client, url, {"sort": "naf"})
    make_companies(120)
    large = _queries(client, url, {"sort": "naf"})
    page = client.get(url, {"sort": "naf"}).context["page_obj"]
    deep = _queries(client, f"{url}?{page.next_query}", {})
    assert small == large == deep


@pytest.mark.django_db
def test_contract_list_queries_do_not_grow_with_files_and_pages_follow_ties(client, make_user):
    from datetime import date, timedelta

    from tests.contracts.factories import stored_contract

    client.force_login(make_user(kind="staff"))
    url = reverse("contracts:list")
    for n in range(2):
        stored_contract(f"AP2026{n:07d}", due=date(2026, 3, 1))
    small = _queries(client, url, {"sort": "-recu"})
    for n in range(2, 57):  # three received dates for 57 files: ties broken by id
        stored_contract(f"AP2026{n:07d}", due=date(2026, 3, 1) + timedelta(days=n % 3))
    large = _queries(client, url, {"sort": "-recu"})
    first = client.get(url, {"sort": "-recu"}).context["page_obj"]
    second = client.get(f"{url}?{first.next_query}").context["page_obj"]
    assert small == large
    ids = [c.pk for c in first] + [c.pk for c in second]
    assert len(ids) == len(set(ids)) == 57
