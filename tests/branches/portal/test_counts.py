"""D6332-78 III: the apprenticeship contracts concluded per certification × CPNE over a period —
first and last days counted, the day after not, professionalisation and reconversion left out —
through the command (CSV on stdout) and the staff screen."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from contracts.enums import ContractKind, ContractStatus
from tests.branches.factories import branch_with
from tests.branches.portal.factories import company, concluded, concluded_period, cpne_for, npec_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture():
    branch = branch_with("1486")
    other = branch_with("0843")
    cpne = cpne_for("1486", code="CPNE9", name="CPNE des bureaux d'études")
    other_cpne = cpne_for("0843", code="CPNE2", name="CPNE boulangerie")
    entry = npec_entry(cpne, "RNCP37566", Decimal("8000.00"), date(2025, 1, 1))
    employer, baker = company(branch.idccs.get()), company(other.idccs.get(), postal_code="35000")
    concluded(employer, signed_on=date(2026, 1, 1), npec=Decimal("8000.00"), npec_entry=entry)  # first day
    concluded(employer, signed_on=date(2026, 3, 31))  # last day, CPNE from the IDCC mapping
    concluded(employer, signed_on=date(2026, 2, 28), rncp="RNCP35000")
    concluded(employer, signed_on=date(2026, 4, 1))  # the day after: not counted
    concluded(employer, signed_on=date(2025, 12, 31))  # the day before: not counted
    concluded(employer, signed_on=date(2026, 2, 1), kind=ContractKind.PROFESSIONNALISATION)  # not an apprenticeship
    concluded(employer, signed_on=date(2026, 2, 1), status=ContractStatus.REFUSED)  # never concluded with the OPCO
    concluded_period(employer, signed_on=date(2026, 2, 1))  # reconversion: excluded
    concluded(baker, signed_on=date(2026, 2, 15))
    return {"branch": branch, "other": other, "cpne": cpne, "other_cpne": other_cpne}


def run(*args) -> list[list[str]]:
    out = io.StringIO()
    call_command("export_contract_counts", *args, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))


def test_the_command_counts_per_certification_and_cpne_from_the_first_to_the_last_day(fixture):
    rows = run("--from", "2026-01-01", "--to", "2026-03-31")
    assert rows == [
        ["code certification", "intitulé certification", "code CPNE", "contrats"],
        ["RNCP35000", "Formation RNCP35000", "CPNE9", "1"],
        ["RNCP37566", "Formation RNCP37566", "CPNE2", "1"],
        ["RNCP37566", "Formation RNCP37566", "CPNE9", "2"],
    ]


def test_one_day_periods_hold_exactly_that_day(fixture):
    assert run("--from", "2026-04-01", "--to", "2026-04-01")[1:] == [["RNCP37566", "Formation RNCP37566", "CPNE9", "1"]]
    assert run("--from", "2026-04-02", "--to", "2026-04-30")[1:] == []


def test_the_command_refuses_bad_dates():
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        run("--from", "01/01/2026", "--to", "2026-03-31")
    with pytest.raises(CommandError, match="précède"):
        run("--from", "2026-03-31", "--to", "2026-01-01")


def test_the_screen_and_its_exports_give_the_same_count(fixture, client_for, make_user):
    client = client_for(make_user(kind="staff"))
    url = reverse("branches:cpne_counts")
    query = {"start": "2026-01-01", "end": "2026-03-31"}
    page = client.get(url, query)
    assert page.status_code == 200
    assert [(r["code"], r["cpne"], r["contracts"]) for r in page.context["rows"]] == [
        ("RNCP35000", "CPNE9", 1),
        ("RNCP37566", "CPNE2", 1),
        ("RNCP37566", "CPNE9", 2),
    ]
    body = b"".join(client.get(url, {**query, "format": "csv"}).streaming_content).decode("utf-8-sig")
    assert body.splitlines()[-1] == "RNCP37566;Formation RNCP37566;CPNE9;2"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(url, {**query, "format": "xlsx"}).content)).active
    assert [c.value for c in sheet[4]] == ["RNCP37566", "Formation RNCP37566", "CPNE9", 2]


def test_a_representative_counts_their_branch_only(fixture, client_for, make_user):
    from branches.models import BranchMembership

    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=fixture["other"])
    page = client_for(representative).get(reverse("branches:cpne_counts"), {"start": "2026-01-01", "end": "2026-03-31"})
    # The baker's branch has one contract: under 5, masked for a representative.
    assert [(r["code"], r["cpne"], r["masked"]) for r in page.context["rows"]] == [("RNCP37566", "CPNE2", True)]
    assert "CPNE9" not in page.content.decode()
