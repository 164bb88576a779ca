"""The branch's figures: exact aggregates for staff, statistical secrecy (< 5) for a representative,
exports that say the same, no personal data anywhere, and the other branch's contracts never counted."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Branch, BranchMembership
from branches.portal import facts
from branches.portal.models import DashboardVisit
from contracts.enums import ContractKind
from tests.branches.factories import branch_with
from tests.branches.portal.factories import company, concluded, concluded_period

pytestmark = pytest.mark.django_db
PERSONAL = ("Secret", "Personne", "Salarié", "28/02/2006", "2006-02-28", "1234.56", "1 234,56")


@pytest.fixture
def world(make_user):
    branch, other = branch_with("1486"), branch_with("0843")
    paris, ajaccio = company(branch.idccs.get(), "75011"), company(branch.idccs.get(), "20090")
    for n in range(6):
        concluded(
            paris, signed_on=date(2026, 1, 10), npec=Decimal("8000"), paid=Decimal("1000"), planned=Decimal("2000"), broken=n == 5
        )
    for _ in range(2):
        concluded(ajaccio, signed_on=date(2026, 2, 5), rncp="RNCP35000", level=5)
    concluded(paris, signed_on=date(2026, 2, 10), kind=ContractKind.PROFESSIONNALISATION)
    concluded_period(paris, signed_on=date(2026, 2, 15))
    baker = company(other.idccs.get(), "35000")
    for _ in range(7):
        concluded(baker, signed_on=date(2026, 1, 20), rncp="RNCP99999")
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=branch)
    other_rep = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=other_rep, branch=other)
    return {"branch": branch, "other": other, "rep": representative, "other_rep": other_rep, "staff": make_user(kind="staff")}


def by(dimension, branch, **kw):
    return {row.label: row for row in facts.figures_by(dimension, branch=branch, **kw)}


def test_aggregates_are_exact(world):
    branch = world["branch"]
    assert {k: r.contracts for k, r in by("kind", branch).items()} == {
        "Apprentissage": 8,
        "Professionnalisation": 1,
        "Reconversion ou promotion par l'alternance": 1,
    }
    assert {k: r.contracts for k, r in by("month", branch).items()} == {"01/2026": 6, "02/2026": 4}
    assert {k: r.contracts for k, r in by("year", branch).items()} == {"2026": 10}
    assert {k: r.contracts for k, r in by("region", branch).items()} == {"Île-de-France": 8, "Corse": 2}
    assert {k: r.contracts for k, r in by("departement", branch).items()} == {"75": 8, "2A": 2}
    assert {k: r.contracts for k, r in by("level", branch).items()} == {"Niveau 3": 7, "Niveau 5": 2, "Sans niveau": 1}
    # Six apprentices, one professionalisation contract and one reconversion period lead to RNCP37566.
    cert = by("certification", branch)["RNCP37566 – Formation RNCP37566"]
    assert (cert.contracts, cert.ruptures, cert.committed, cert.paid) == (8, 1, Decimal("21000.00"), Decimal("6000.00"))
    assert (cert.average_cost, cert.average_npec, cert.rupture_rate) == (Decimal("2625.00"), Decimal("8000.00"), Decimal("12.5"))
    total = facts.total(facts.figures_by("kind", branch=branch))
    assert (total.contracts, total.ruptures, total.committed, total.paid) == (10, 1, Decimal("21000.00"), Decimal("6000.00"))
    assert total.rupture_rate == Decimal("10.0")
    # A period and a kind narrow it.
    assert facts.total(facts.figures_by("kind", branch=branch, start=date(2026, 2, 1), kinds=["apprentissage"])).contracts == 2


def test_the_aggregation_is_one_statement_per_source_whatever_the_number_of_contracts(world, django_assert_max_num_queries):
    # One statement per source for one dimension as for all of them, plus the branch's IDCC codes read once.
    branch = Branch.objects.get(pk=world["branch"].pk)
    with django_assert_max_num_queries(len(facts.fact_sources()) + 1):
        facts.figures_by("certification", branch=branch)
    branch = Branch.objects.get(pk=world["branch"].pk)
    with django_assert_max_num_queries(len(facts.fact_sources()) + 1):
        every = facts.figures_all(branch=branch)
    assert every["certification"] == facts.figures_by("certification", branch=branch)
    assert set(every) == set(facts.DIMENSIONS)


def test_masking_below_five_for_a_representative_only(world, client_for):
    url = reverse("branches:figures", args=[world["branch"].pk])
    staff_page = client_for(world["staff"]).get(url)
    month = next(s for s in staff_page.context["sections"] if s["code"] == "month")
    assert [row[:3] for row in month["rows"]] == [["01/2026", 6, 1], ["02/2026", 4, 0]]

    rep_page = client_for(world["rep"]).get(url)
    assert rep_page.status_code == 200
    sections = {s["code"]: s for s in rep_page.context["sections"]}
    assert [row[:4] for row in sections["month"]["rows"]] == [["01/2026", 6, "< 5", "< 5"], ["02/2026", "< 5", "< 5", "< 5"]]
    assert [row[:2] for row in sections["region"]["rows"]] == [["Île-de-France", 8], ["Corse", "< 5"]]
    assert sections["month"]["total"][:3] == ["Total", 10, "< 5"]  # one rupture: masked even in the total
    html = rep_page.content.decode()
    assert "&lt; 5 (secret statistique)" in html  # the chart says it too
    for text in PERSONAL:
        assert text not in html
    assert DashboardVisit.objects.filter(user=world["rep"], page="chiffres", branch=world["branch"]).exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_figure_exports_masked_for_a_representative(world, client_for, fmt):
    url = reverse("branches:figures", args=[world["branch"].pk])
    for code in facts.DIMENSIONS:
        response = client_for(world["rep"]).get(url, {"export": code, "format": fmt})
        assert response.status_code == 200
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
        else:
            rows = [
                [("" if v is None else str(v)) for v in r]
                for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            ]
        body = "\n".join(";".join(r) for r in rows)
        for text in PERSONAL + ("RNCP99999",):
            assert text not in body, (code, text)
        if code == "month":
            assert rows[1][:3] == ["01/2026", "6", "< 5"] and rows[2][1] == "< 5"


def test_branch_page_panels_render_on_the_figures_page(world, client_for):
    from branches.branch_page import BRANCH_PANELS

    BRANCH_PANELS.register(
        "test_panel",
        template="includes/home_tile.html",
        context=lambda user, branch: {"count": 1, "label": f"Panneau de test pour {branch.name}", "url": "/"},
    )
    try:
        html = client_for(world["rep"]).get(reverse("branches:figures", args=[world["branch"].pk])).content.decode()
    finally:
        BRANCH_PANELS._panels.pop("test_panel")
    assert f"Panneau de test pour {world['branch'].name}" in html


def test_a_long_dimension_shows_its_25_largest_rows_and_exports_every_row(world, client_for):
    """30 certifications: the page lists the 25 largest and says where the 30 are (the exports, the PDF)."""
    paris = company(world["branch"].idccs.get(), "75011")
    for n in range(28):
        concluded(paris, signed_on=date(2026, 3, 2), rncp=f"RNCP4{n:04d}")
    url = reverse("branches:figures", args=[world["branch"].pk])
    page = client_for(world["staff"]).get(url)
    certifications = next(s for s in page.context["sections"] if s["code"] == "certification")
    assert (len(certifications["rows"]), len(certifications["shown"]), certifications["hidden"]) == (30, 25, 5)
    assert certifications["shown"][0][1] == 8  # the largest first: RNCP37566 (6 + 1 professionalisation + 1 period)
    assert "Les 25 plus grandes lignes sur 30" in page.content.decode()
    months = next(s for s in page.context["sections"] if s["code"] == "month")
    assert months["hidden"] == 0
    exported = client_for(world["staff"]).get(url, {"export": "certification", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 30 + 1  # header, every certification, total
