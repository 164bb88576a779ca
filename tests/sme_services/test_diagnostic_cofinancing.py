"""Diagnostics of the proximity service on the spine: their cost published on the transparency page
(R6332-23) aggregated per type, never a company; a convention's funding line on a finished, costed
diagnostic, checked by the convention's rules, refusals storing nothing; the line consumed and released
on its own page, audited, the roles checked by the service."""

import json
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conventions.transparency import section_rows, transparency_publish
from opco.audit import history_of
from payments.cofinancing import FundingRefused, committed_on, funding_line_consume, funding_line_release
from payments.models import BudgetMovement, FundingLine
from sme_services.diagnostic_funding import diagnostic_cofinance
from sme_services.enums import DiagnosticKind
from sme_services.services import diagnostics
from tests.conventions.factories import company, covered_branch, signed_convention
from tests.referentials.factories import valid_siret

from .factories import questionnaire

pytestmark = pytest.mark.django_db
OPENED, DONE = date(2026, 3, 2), date(2026, 3, 20)


def diagnostic(advisor, firm, *, day_rate=None, days=None, opco="0", state="0", finish=True, kind=DiagnosticKind.PRE):
    d = diagnostics.diagnostic_open(actor=advisor, company=firm, kind=kind, opened_on=OPENED)
    external = day_rate is not None
    d = diagnostics.diagnostic_update(
        actor=advisor,
        diagnostic_id=d.pk,
        answers={},
        provider_kind="externe" if external else "interne",
        consultant_name="Cabinet RH Conseil" if external else "",
        consultant_siret=valid_siret(990) if external else "",
        day_rate=Decimal(day_rate) if external else None,
        days=Decimal(days) if external else None,
        opco_amount=Decimal(opco),
        state_amount=Decimal(state),
        deliverable="Synthèse remise au dirigeant.",
    )
    if finish:
        diagnostics.plan_item_add(actor=advisor, diagnostic_id=d.pk, title="Former le chef d'atelier", kind="financement")
        d = diagnostics.diagnostic_complete(actor=advisor, diagnostic_id=d.pk, completed_on=DONE)
    return d


@pytest.fixture
def setting(make_user):
    covered_branch()
    questionnaire(DiagnosticKind.PRE)
    questionnaire(DiagnosticKind.SKILLS_HR)
    finance = make_user(finance=True)
    return {
        "advisor": make_user("advisor"),
        "staff": make_user(kind="staff", groups=["gestionnaire"]),
        "finance": finance,
        "firm": company(1, headcount=12),
        "convention": signed_convention(finance, title="EDEC Commerce 2026", kind="edec"),
    }


def test_the_cost_of_diagnostics_is_published_per_type_without_a_company(setting):
    advisor, firm = setting["advisor"], setting["firm"]
    other = company(2, headcount=30)
    diagnostic(advisor, firm, day_rate="600", days="2", opco="600")  # 1 200 €
    diagnostic(advisor, other, day_rate="1000", days="3", opco="1000", state="1500")  # 3 000 €
    diagnostic(advisor, firm, day_rate="750", days="4", opco="1500", kind=DiagnosticKind.SKILLS_HR)  # 3 000 €
    diagnostic(advisor, other)  # an advisor's own: no cost, not counted
    diagnostic(advisor, firm, day_rate="5000", days="1", opco="100", finish=False)  # not finished: not counted
    snapshot = transparency_publish(reason="test")
    rows = section_rows(snapshot, "cout-diagnostics")
    assert rows == [
        ["Besoins en compétences / RH", 1, "3000.00", "3000.00", "3000.00", "750.00", "4.0", "1500.00", "50.00"],
        # (600 + 1 000) / (1 200 + 3 000) = 38.095… %
        ["Pré-diagnostic", 2, "2100.00", "1200.00", "3000.00", "800.00", "2.5", "800.00", "38.10"],
    ]
    published = json.dumps([section.rows for section in snapshot.sections.all()], ensure_ascii=False)
    assert firm.name not in published and other.name not in published and "Cabinet RH Conseil" not in published


def test_the_public_page_shows_the_cost_of_diagnostics(setting, client):
    diagnostic(setting["advisor"], setting["firm"], day_rate="600", days="2", opco="600")
    transparency_publish(reason="test")
    page = unescape(client.get("/transparence/").content.decode())
    assert "Coût des diagnostics du service de proximité" in page and "1200.00" in page
    assert setting["firm"].name not in page


def test_a_convention_takes_a_share_of_a_finished_diagnostic_within_what_the_opco_left(setting):
    convention, staff = setting["convention"], setting["staff"]
    d = diagnostic(setting["advisor"], setting["firm"], day_rate="1000", days="3", opco="1000", state="0")
    key = convention.scope_key
    # 70 % of 3 000 € is 2 100 €, but the OPCO's 1 000 € leave 2 000 € of cost.
    with pytest.raises(FundingRefused) as caught:
        diagnostic_cofinance(actor=staff, pk=d.pk, scope_key=key, amount=Decimal("2100.01"))
    assert caught.value.codes == ["cout_depasse", "taux_depasse"]
    with pytest.raises(FundingRefused) as caught:
        diagnostic_cofinance(actor=staff, pk=d.pk, scope_key=key, amount=Decimal("2000.01"))
    assert caught.value.codes == ["cout_depasse"]
    with pytest.raises(FundingRefused) as caught:
        diagnostic_cofinance(actor=staff, pk=d.pk, scope_key=key, amount=Decimal("100"), public="demandeurs")
    assert caught.value.codes == ["public_non_eligible"]
    assert not FundingLine.objects.exists() and not BudgetMovement.objects.filter(budget__scope_key=key).exists()
    line = diagnostic_cofinance(actor=staff, pk=d.pk, scope_key=key, amount=Decimal("2000.00"))
    assert (line.reference, line.size_band, line.hours, line.total_cost) == (
        f"DIAG-{d.pk:06d}",
        "moins_50",
        Decimal("21.00"),
        Decimal("3000.00"),
    )
    assert committed_on(key) == {"committed": Decimal("2000.00"), "consumed": Decimal("0.00")}


def test_an_open_or_free_diagnostic_takes_no_line(setting):
    key, staff = setting["convention"].scope_key, setting["staff"]
    opened = diagnostic(setting["advisor"], setting["firm"], day_rate="600", days="2", finish=False)
    free = diagnostic(setting["advisor"], setting["firm"])
    for d, code in ((opened, "diagnostic_non_termine"), (free, "diagnostic_sans_cout")):
        with pytest.raises(ValidationError) as caught:
            diagnostic_cofinance(actor=staff, pk=d.pk, scope_key=key, amount=Decimal("100"))
        assert caught.value.code == code
    with pytest.raises(PermissionDenied):
        diagnostic_cofinance(actor=setting["advisor"], pk=free.pk, scope_key=key, amount=Decimal("100"))
    assert not FundingLine.objects.exists()


def test_the_diagnostic_screen_adds_a_line_or_says_why_not(setting, client_for, make_user):
    d = diagnostic(setting["advisor"], setting["firm"], day_rate="1000", days="3", opco="1000")
    convention, url = setting["convention"], f"/proximite/diagnostics/{d.pk}/cofinancement/"
    client = client_for(setting["staff"])
    page = unescape(client.get(url).content.decode())
    assert "Cofinancement par une convention" in page and "EDEC Commerce 2026" in page
    form = {"cofi-scope_key": convention.scope_key, "cofi-public": "salaries", "cofi-seniors": "0", "cofi-women": "0"}
    refused = unescape(client.post(url, form | {"cofi-amount": "2100.01"}).content.decode())
    assert "plus que le coût de l'action" in refused and "La convention prend au plus 70 %" in refused
    assert not FundingLine.objects.exists()
    done = unescape(client.post(url, form | {"cofi-amount": "1500.00"}, follow=True).content.decode())
    assert "Ligne de cofinancement ajoutée" in done and FundingLine.objects.get().amount == Decimal("1500.00")
    # The diagnostic's page links to it; an advisor does not reach it, a reader cannot add.
    assert url in client.get(f"/proximite/diagnostics/{d.pk}/").content.decode()
    assert client_for(setting["advisor"]).get(url).status_code == 403
    reader = client_for(make_user(kind="staff"))
    assert reader.get(url).status_code == 200
    assert reader.post(url, form | {"cofi-amount": "10"}).status_code == 403
    assert FundingLine.objects.count() == 1


def test_a_line_is_consumed_then_released_on_its_page_audited(setting, client_for, make_user):
    d = diagnostic(setting["advisor"], setting["firm"], day_rate="1000", days="3", opco="1000")
    key = setting["convention"].scope_key
    line = diagnostic_cofinance(actor=setting["staff"], pk=d.pk, scope_key=key, amount=Decimal("1500.00"))
    url = f"/paiements/lignes-de-financement/{line.pk}/"
    finance = client_for(setting["finance"])
    assert "Consommer (service fait)" in unescape(finance.get(url).content.decode())
    over = unescape(finance.post(url + "consommer/", {"amount": "1500.01"}, follow=True).content.decode())
    assert "La consommation dépasserait la ligne" in over
    finance.post(url + "consommer/", {"amount": "1200.00"})
    line.refresh_from_db()
    assert line.consumed == Decimal("1200.00")
    reader = client_for(make_user(kind="staff"))
    assert reader.post(url + "degager/").status_code == 403
    with pytest.raises(PermissionDenied):
        funding_line_release(actor=setting["advisor"], line_id=line.pk)
    with pytest.raises(PermissionDenied):
        funding_line_consume(actor=setting["advisor"], line_id=line.pk, amount=Decimal("1"))
    finance = client_for(setting["finance"])  # one test client: log the finance officer back in
    released = unescape(finance.post(url + "degager/", {"suivant": "/conventions/"}, follow=True).content.decode())
    assert "ligne dégagée, le reliquat revient à l'enveloppe" in released
    line.refresh_from_db()
    assert line.status == "degagee" and committed_on(key) == {"committed": Decimal("1200.00"), "consumed": Decimal("1200.00")}
    assert BudgetMovement.objects.filter(budget__scope_key=key).order_by("id").last().amount == Decimal("-300.00")
    actions = [entry.action for entry in history_of(line)]
    assert actions[:3] == ["payments.funding_line.released", "payments.funding_line.consumed", "payments.funding_line.added"]
    again = unescape(finance.post(url + "degager/", follow=True).content.decode())
    assert "Cette ligne est déjà dégagée." in again
