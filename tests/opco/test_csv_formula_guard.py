"""The CSV formula guard of every export (opco.lists.stream_csv): a cell a spreadsheet would run as a
formula — « = + - @ » first, or behind spaces, tabs, line breaks — is written as text."""

import csv
import io

import pytest
from django.urls import reverse

from opco.lists import stream_csv
from tests.referentials.factories import TrainingProviderFactory, valid_siret

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+33", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1", " =1+1", "   +33", " -2", " @SUM(A1)", " \t=1+1", "\u00a0=1+1"],
)
def test_a_csv_cell_that_starts_like_a_formula_even_after_blanks_is_written_as_text(value):
    rows = csv_rows(stream_csv("x.csv", ["Valeur"], iter([[value]])))
    assert rows[1] == ["'" + value]


@pytest.mark.parametrize("value", ["Boulangerie = pâtisserie", "a-b", "12,50", " texte", ""])
def test_a_csv_cell_that_does_not_start_like_a_formula_is_written_as_it_is(value):
    assert csv_rows(stream_csv("x.csv", ["Valeur"], iter([[value]])))[1] == [value]


def test_a_list_export_neutralises_a_formula_hidden_behind_a_space(client_for, make_user):
    TrainingProviderFactory(siret=valid_siret(900_101), name=' =HYPERLINK("http://x")', region="Bretagne")
    response = client_for(make_user(kind="advisor")).get(reverse("referentials:providers"), {"format": "csv"})
    names = [row for row in csv_rows(response) if any("HYPERLINK" in cell for cell in row)]
    assert len(names) == 1 and '\' =HYPERLINK("http://x")' in names[0]
