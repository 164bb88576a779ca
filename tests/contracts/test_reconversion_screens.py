"""The reconversion screens and API through the test client: the dashboard's figures (the 5 000 €
average ceiling of D6332-90 II, the 12 % external floor of D6332-89-1 and its Q4 exception), the
« after this file » simulation, the list and its CSV export, the deposit form and its refusals that
store nothing, the actions, who may see and do what (a branch representative sees the periods of
their branch only, read-only), and POST /api/v1/reconversions/."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.models import BranchMembership
from contracts.models.reconversion import ReconversionPeriod
from contracts.reconversion.dashboard import YearFigures, floor_applies, year_figures
from contracts.reconversion.services import reconversion_instruct
from opco.models import AuditEntry
from referentials.models import Company
from sme_services.models import PortfolioCompany
from tests.branches.factories import funding_decision
from tests.contracts.factories import EMPLOYER_SIRET, HOST_SIRET, OTHER_EMPLOYER_SIRET, period_data

pytestmark = pytest.mark.django_db
IN_0843 = {"employer_idcc": "0843", "employer_siret": OTHER_EMPLOYER_SIRET, "employer_name": "Fournil Petit"}
EXTERNAL = {"kind": "externe", "host_siret": HOST_SIRET, "host_name": "Atelier Dupont", "host_contract_kind": "cdi"}


# --- The figures -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("committed", "average", "alert"),
    [(Decimal("10000.00"), Decimal("5000.00"), False), (Decimal("10000.02"), Decimal("5000.01"), True)],
)
def test_average_cost_against_the_5000_ceiling(committed, average, alert):
    figures = YearFigures(2026, accepted=2, committed=committed, external_committed=Decimal("0"), floor_applies=True)
    assert (figures.average_rounded, figures.average_alert) == (average, alert)


def test_no_period_no_average():
    figures = YearFigures(2026, accepted=0, committed=Decimal("0"), external_committed=Decimal("0"), floor_applies=True)
    assert (figures.average, figures.average_alert, figures.external_share, figures.external_alert) == (None, False, None, False)


@pytest.mark.parametrize(
    ("external", "alert"),
    [(Decimal("119.99"), True), (Decimal("120.00"), False), (Decimal("120.01"), False)],
)
def test_external_share_against_the_12_percent_floor(external, alert):
    figures = YearFigures(2026, accepted=3, committed=Decimal("1000.00"), external_committed=external, floor_applies=True)
    assert figures.external_alert is alert


def test_the_floor_is_lifted_from_q4_only_after_a_reallocation():
    assert floor_applies(2026, reallocated=False, today=date(2026, 12, 1)) is True
    assert floor_applies(2026, reallocated=True, today=date(2026, 9, 30)) is True
    assert floor_applies(2026, reallocated=True, today=date(2026, 10, 1)) is False
    lifted = YearFigures(2026, accepted=3, committed=Decimal("1000.00"), external_committed=Decimal("0"), floor_applies=False)
    assert lifted.external_alert is False


@pytest.fixture
def two_periods(accepted, branches):
    """An internal period at 4 000 € (branch 1486) and one at `amount` (branch 0843), accepted in 2026."""

    def make(amount: str, **changes):
        funding_decision(branches["1486"], date(2026, 1, 1), per_period="4000.00")
        funding_decision(branches["0843"], date(2026, 1, 1), per_period=amount)
        first = accepted()
        second = accepted(**IN_0843, **changes)
        return first, second

    return make


def test_dashboard_at_5000_00_has_no_alert(two_periods, staff, client_for):
    two_periods("6000.00")
    figures = year_figures(ReconversionPeriod.objects.all(), 2026)
    assert (figures.accepted, figures.committed, figures.average_rounded, figures.average_alert) == (
        2,
        Decimal("10000.00"),
        Decimal("5000.00"),
        False,
    )
    page = client_for(staff).get(reverse("reconversions:dashboard"), {"annee": 2026}).content.decode()
    assert '<div class="fs-3" id="average-cost">5\u202f000,00 €</div>' in page
    assert 'id="average-alert"' not in page


def test_dashboard_at_5000_01_raises_the_alert(two_periods, staff, client_for):
    two_periods("6000.02")
    page = client_for(staff).get(reverse("reconversions:dashboard"), {"annee": 2026}).content.decode()
    assert '<div class="fs-3" id="average-cost">5\u202f000,01 €</div>' in page
    assert "Le coût moyen dépasse le plafond de 5\u202f000,00 € fixé par D6332-90 II." in page


def test_external_share_of_exactly_12_percent(accepted, branches, staff, client_for):
    funding_decision(branches["1486"], date(2026, 1, 1), per_period="8800.00")
    funding_decision(branches["0843"], date(2026, 1, 1), per_period="1200.00")
    accepted()
    accepted(**IN_0843, **EXTERNAL)
    figures = year_figures(ReconversionPeriod.objects.all(), 2026)
    assert (figures.external_committed, figures.external_share, figures.external_alert) == (Decimal("1200.00"), 12, False)
    page = client_for(staff).get(reverse("reconversions:dashboard"), {"annee": 2026}).content.decode()
    assert '<div class="fs-3" id="external-share">12,00 %</div>' in page
    assert 'id="external-alert"' not in page


def test_external_share_below_12_percent_and_the_q4_reallocation(accepted, branches, staff, client_for, clock):
    funding_decision(branches["1486"], date(2026, 1, 1), per_period="8800.01")
    funding_decision(branches["0843"], date(2026, 1, 1), per_period="1200.00")
    accepted()
    accepted(**IN_0843, **EXTERNAL)
    client = client_for(staff)
    assert 'id="external-alert"' in client.get(reverse("reconversions:dashboard"), {"annee": 2026}).content.decode()
    clock(date(2026, 9, 30))
    client = client_for(staff)  # a new session: the clock moved past the idle timeout
    page = client.get(reverse("reconversions:dashboard"), {"annee": 2026, "reallocation": "1"}).content.decode()
    assert 'id="external-alert"' in page
    clock(date(2026, 10, 1))
    client = client_for(staff)
    page = client.get(reverse("reconversions:dashboard"), {"annee": 2026, "reallocation": "1"}).content.decode()
    assert 'id="external-alert"' not in page and 'id="floor-lifted"' in page


def test_dashboard_counts_statuses_and_overdue_decisions(deposit, staff, client_for, clock):
    late = deposit()
    deposit(received_on=date(2026, 3, 3), employee_last_name="Petit")
    clock(date(2026, 3, 23))  # the first decision was due on 22 March, the second on 23 March
    page = client_for(staff).get(reverse("reconversions:dashboard"), {"annee": 2026}).content.decode()
    assert '<td class="text-end" data-status="received">2</td>' in page
    overdue = page.split('id="overdue"')[1]
    assert late.file_number in overdue and "Petit" not in overdue


def test_the_simulation_after_this_file(accepted, deposit, branches, staff, client_for):
    funding_decision(branches["1486"], date(2026, 1, 1), per_period="4000.00")
    funding_decision(branches["0843"], date(2026, 1, 1), per_period="6000.02")
    accepted()
    pending = deposit(**IN_0843)
    reconversion_instruct(actor=staff, period_id=pending.pk)
    page = client_for(staff).get(reverse("reconversions:detail", args=[pending.pk])).content.decode()
    assert '<td class="text-end" id="average-after">5\u202f000,01 €</td>' in page
    assert 'id="simulation-alert"' in page


# --- List, detail, deposit form, actions (staff) ---------------------------------------------------------------
def form_data(**changes) -> dict:
    data = {f"period-{name}": value for name, value in period_data(**changes).items()}
    data["period-received_on"] = "2026-03-02"
    return {name: (value.isoformat() if isinstance(value, date) else value) for name, value in data.items() if value is not None}


def test_the_deposit_form_records_a_valid_request(staff, client_for, branches, provider):
    response = client_for(staff).post(reverse("reconversions:new"), form_data())
    period = ReconversionPeriod.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reconversions:detail", args=[period.pk])
    assert (period.received_on, period.decision_due_on, period.provider) == (date(2026, 3, 2), date(2026, 3, 22), provider)


def test_the_deposit_form_shows_the_refusal_and_stores_nothing(staff, client_for, branches, provider):
    audit_before = AuditEntry.objects.count()
    response = client_for(staff).post(reverse("reconversions:new"), form_data(training_hours="451"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "RECO_HEURES : 451 h de formation : 450 heures au plus sans accord" in page
    assert "Demande non enregistrée (RECO_HEURES)" in page
    assert ReconversionPeriod.objects.count() == 0 and AuditEntry.objects.count() == audit_before


def test_staff_instruct_and_accept_from_the_page(deposit, staff, client_for, clock):
    period = deposit()
    client = client_for(staff)
    page = client.get(reverse("reconversions:detail", args=[period.pk])).content.decode()
    assert 'id="action-instruct"' in page and "RECO_HEURES" in page
    client.post(reverse("reconversions:action", args=[period.pk, "instruct"]))
    response = client.post(reverse("reconversions:action", args=[period.pk, "accept"]))
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.status, period.committed_amount) == ("accepted", Decimal("2745.00"))
    page = client.get(reverse("reconversions:detail", args=[period.pk])).content.decode()
    assert '<dd class="col-sm-9" id="committed">2\u202f745,00 €</dd>' in page
    assert "Prise en charge accordée : 2\u202f745,00 €" in page  # the history


def test_a_refusal_from_the_page_needs_its_reasons(deposit, staff, client_for):
    period = deposit()
    client = client_for(staff)
    client.post(reverse("reconversions:action", args=[period.pk, "refuse"]), {"refuse-codes": ["RECO_PIECES"], "refuse-text": ""})
    period.refresh_from_db()
    assert period.status == "received"
    client.post(
        reverse("reconversions:action", args=[period.pk, "refuse"]),
        {"refuse-codes": ["RECO_PIECES"], "refuse-text": "Convention de formation non fournie."},
    )
    period.refresh_from_db()
    assert (period.status, period.refusal_codes) == ("refused", ["RECO_PIECES"])


def test_list_filters_and_csv_export(deposit, staff, client_for):
    mine = deposit()
    other = deposit(**IN_0843, **EXTERNAL)
    client = client_for(staff)
    page = client.get(reverse("reconversions:list"), {"kind": "externe"}).content.decode()
    assert other.file_number in page and mine.file_number not in page
    export = client.get(reverse("reconversions:list"), {"kind": "externe", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [other.file_number]
    assert rows[1][2] == "externe" and "1988-05-17" not in ";".join(rows[1])  # no birth date in exports


# --- Who sees and does what ------------------------------------------------------------------------------------
@pytest.fixture
def world(deposit, branches, make_user):
    mine = deposit()  # IDCC 1486
    theirs = deposit(**IN_0843)
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=branches["1486"])
    advisor = make_user(kind="advisor")
    company = Company.objects.get(siret=EMPLOYER_SIRET)  # created from the deposit (referentials.services.company_for_siret)
    PortfolioCompany.objects.create(advisor=advisor, company=company)
    return {"mine": mine, "theirs": theirs, "rep": representative, "advisor": advisor, "lonely": make_user(kind="advisor")}


def test_a_branch_representative_opens_no_period_not_even_their_branchs(world, client_for):
    client = client_for(world["rep"])  # figures, not people (RGPD art. 5 1 c)
    assert client.get(reverse("reconversions:list")).status_code == 403
    assert client.get(reverse("reconversions:list"), {"format": "csv"}).status_code == 403
    for period in (world["mine"], world["theirs"]):
        assert client.get(reverse("reconversions:detail", args=[period.pk])).status_code == 403


@pytest.mark.parametrize("who", ["advisor"])
def test_scoped_readers_see_their_periods_only_and_cannot_act(world, client_for, who):
    client = client_for(world[who])
    mine, theirs = world["mine"], world["theirs"]
    page = client.get(reverse("reconversions:list")).content.decode()
    assert mine.file_number in page and theirs.file_number not in page
    export = client.get(reverse("reconversions:list"), {"format": "csv"})
    assert theirs.file_number not in b"".join(export.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("reconversions:detail", args=[theirs.pk])).status_code == 404
    detail = client.get(reverse("reconversions:detail", args=[mine.pk]))
    assert detail.status_code == 200 and 'id="read-only"' in detail.content.decode()
    assert 'id="simulation"' not in detail.content.decode()
    assert client.post(reverse("reconversions:action", args=[mine.pk, "instruct"])).status_code == 403
    assert client.post(reverse("reconversions:action", args=[theirs.pk, "instruct"])).status_code == 404
    mine.refresh_from_db()
    assert mine.status == "received"
    assert client.get(reverse("reconversions:dashboard")).status_code == 403
    assert client.get(reverse("reconversions:new")).status_code == 403
    assert client.get(reverse("reconversions:pro_a_new")).status_code == 403


def test_an_advisor_without_portfolio_sees_nothing(world, client_for):
    client = client_for(world["lonely"])
    page = client.get(reverse("reconversions:list")).content.decode()
    assert world["mine"].file_number not in page
    assert client.get(reverse("reconversions:detail", args=[world["mine"].pk])).status_code == 404


def test_staff_see_every_period(world, staff, client_for):
    page = client_for(staff).get(reverse("reconversions:list")).content.decode()
    assert world["mine"].file_number in page and world["theirs"].file_number in page


# --- API ---------------------------------------------------------------------------------------------------
def api_payload(**changes) -> dict:
    data = {
        name: (value.isoformat() if isinstance(value, date) else str(value)) for name, value in period_data(**changes).items()
    }
    data["received_on"] = "2026-03-02"
    return data


def test_api_deposit(staff, client_for, branches, provider):
    response = client_for(staff).post(reverse("api-reconversion-deposit"), api_payload(), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    period = ReconversionPeriod.objects.get()
    assert (body["file_number"], body["status"], body["decision_due_on"]) == (period.file_number, "received", "2026-03-22")
    assert {check["code"]: check["status"] for check in body["checks"]}["RECO_HEURES"] == "ok"


def test_api_refusal_names_the_codes_and_stores_nothing(staff, client_for, branches, provider):
    response = client_for(staff).post(
        reverse("api-reconversion-deposit"),
        api_payload(training_hours="451", end_date=date(2027, 3, 16)),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["codes"] == ["RECO_HEURES", "RECO_DUREE"]
    assert body["errors"]["training_hours"][0].startswith("RECO_HEURES : 451 h de formation")
    assert ReconversionPeriod.objects.count() == 0


def test_api_is_for_staff(world, client_for):
    response = client_for(world["rep"]).post(reverse("api-reconversion-deposit"), api_payload(), content_type="application/json")
    assert response.status_code == 403


def test_running_and_interrupted_pages(accepted, staff, client_for, clock):
    from contracts.reconversion.services import reconversion_interrupt, reconversion_start

    period = accepted()
    clock(date(2026, 3, 16))
    reconversion_start(actor=staff, period_id=period.pk, started_on=date(2026, 3, 16), invoice_received_on=date(2026, 3, 16))
    client = client_for(staff)
    page = client.get(reverse("reconversions:detail", args=[period.pk])).content.decode()
    assert 'id="action-end"' in page and 'id="action-interrupt"' in page
    assert "Payable à partir" not in page and "En attente : fin de la formation" in page
    clock(date(2026, 7, 10))
    reconversion_interrupt(
        actor=staff, period_id=period.pk, interrupted_on=date(2026, 6, 1), reported_on=date(2026, 7, 2), reason="Rupture"
    )
    page = client_for(staff).get(reverse("reconversions:detail", args=[period.pk])).content.decode()
    assert "hors du délai de 30 jours (R6324-5)" in page.split('id="interruption"')[1].split("</div>")[0]
    assert "Aucune action possible dans ce statut." in page
