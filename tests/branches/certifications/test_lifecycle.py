"""The RNCP's life for a branch: the lineage of real rows of France compétences' export, the renewal
alerts at 12, 6 and 3 months (frozen time, each sent once), the contracts' CERTIFICATION check reading
the same registration end, and the new RNCP certifications of the branch with no NPEC (D6332-79)."""

from datetime import date
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from branches.certifications import lifecycle, rncp, selectors
from branches.certifications.enums import CpneRole
from branches.models import Cpne, NpecEntry, NpecPublication
from contracts.alternance.checks import CheckContext, check_certification
from notifications.deadlines import reminders_daily
from notifications.models import Reminder
from opco.checks import CheckStatus
from referentials import rncp_export
from referentials.models import Company, Idcc
from tests.branches.certifications.factories import branch_with_cpne, member, registered_project, staff_user
from tests.contracts.factories import stored_contract

pytestmark = pytest.mark.django_db


# --- Lineage on real rows of the export (data/SOURCE.txt) -----------------------------------------------------
def test_the_lineage_walks_old_and_new_certifications_of_the_real_export():
    assert rncp_export.lineage_of("RNCP181") == rncp_export.Lineage("RNCP181", [], ["RNCP5881", "RNCP37121"])
    middle = rncp_export.lineage_of("rncp5881")
    assert (middle.predecessors, middle.successors, middle.latest) == (["RNCP181"], ["RNCP37121"], "RNCP37121")
    assert rncp_export.lineage_of("RNCP37380") == rncp_export.Lineage("RNCP37380", ["RNCP6981", "RNCP724"], ["RNCP40287"])
    assert rncp_export.direct_successors("RNCP37380") == ["RNCP40287"]
    # A certification replacing many: RNCP40525 has 22 rows in the export.
    assert len(rncp_export.lineage_of("RNCP40525").predecessors) >= 22


def test_the_certification_page_shows_the_lineage(client_for, load_certifications):
    load_certifications("RNCP37380")
    page = client_for(staff_user()).get(reverse("branches:certifications:certification", args=["RNCP37380"])).content.decode()
    assert "RNCP724" in page and "RNCP6981" in page and "RNCP40287" in page and "31/08/2026" in page


def test_an_unknown_fiche_has_no_page(client_for):
    assert (
        client_for(staff_user()).get(reverse("branches:certifications:certification", args=["RNCP99999999"])).status_code == 404
    )


# --- The contracts' CERTIFICATION check reads the same registration end -------------------------------------
def _payload(rncp_code: str, concluded: date):
    return SimpleNamespace(formation=SimpleNamespace(rncp=rncp_code), contrat=SimpleNamespace(date_conclusion=concluded))


def test_a_contract_signed_after_its_certification_expired_is_flagged_with_the_new_one(load_certifications):
    load_certifications("RNCP37380")  # Kit: « Date d'échéance » 31/08/2026, no successor in the Kit
    assert rncp.registration_end("RNCP37380") == date(2026, 8, 31)
    status, message = check_certification(_payload("RNCP37380", date(2026, 9, 1)), CheckContext(today=date(2026, 9, 1)))
    assert status == CheckStatus.ERROR
    assert "arrivée à échéance le 31/08/2026, avant la conclusion du contrat le 01/09/2026" in message
    assert "Fiche remplaçante (« Nouvelle Certification ») : RNCP40287." in message
    status, _ = check_certification(_payload("RNCP37380", date(2026, 8, 31)), CheckContext(today=date(2026, 8, 31)))
    assert status == CheckStatus.OK


# --- Renewal alerts ------------------------------------------------------------------------------------------
def _registered(branch, ends_on=date(2031, 3, 1)):
    return registered_project(branch, ends_on=ends_on)


def _sent_renewals():
    return list(
        Reminder.objects.filter(kind=lifecycle.RENEWAL_REMINDER, status="sent")
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


def _run(day):
    with time_machine.travel(day, tick=False):
        reminders_daily(today=day)


def test_renewal_alerts_go_at_12_6_and_3_months_each_once():
    branch = branch_with_cpne()
    president = member(branch, CpneRole.PRESIDENT)
    _registered(branch)
    _run(date(2030, 2, 28))
    assert _sent_renewals() == []
    _run(date(2030, 3, 1))
    _run(date(2030, 3, 1))  # the round runs twice: still one alert
    _run(date(2030, 3, 2))
    assert _sent_renewals() == [date(2030, 3, 1)]
    _run(date(2030, 8, 31))
    assert _sent_renewals() == [date(2030, 3, 1)]
    _run(date(2030, 9, 1))
    _run(date(2030, 12, 1))
    _run(date(2031, 2, 1))
    _run(date(2031, 3, 1))  # the end itself: no fourth alert
    assert _sent_renewals() == [date(2030, 3, 1), date(2030, 9, 1), date(2030, 12, 1)]
    assert set(Reminder.objects.filter(kind=lifecycle.RENEWAL_REMINDER).values_list("recipient", flat=True)) == {president.pk}


def test_a_late_start_sends_the_current_alert_not_the_stale_ones():
    branch = branch_with_cpne()
    member(branch, CpneRole.TITULAR)
    _registered(branch)
    _run(date(2030, 10, 15))  # between the 6-month (1 September) and the 3-month (1 December) alerts
    assert _sent_renewals() == [date(2030, 9, 1)]


def test_the_certifications_of_the_branch_contracts_are_followed_from_the_referential(load_certifications):
    load_certifications("RNCP37380")
    branch = branch_with_cpne("1486")
    member(branch, CpneRole.PRESIDENT)
    contract = stored_contract("AP-CERT", due=date(2025, 9, 1))
    company = Company.objects.create(siret="73282932000074", siren="732829320", name="Bureau", idcc=Idcc.objects.get(code="1486"))
    type(contract).objects.filter(pk=contract.pk).update(employer=company, rncp="RNCP37380")
    used = lifecycle.certifications_used_by(branch)
    assert [(u.rncp, u.ends_on, u.sources) for u in used] == [("RNCP37380", date(2026, 8, 31), ["contrats d'apprentissage"])]
    _run(date(2025, 8, 31))
    assert _sent_renewals() == [date(2025, 8, 31)]


def test_a_new_end_date_cancels_the_alerts_planned_on_the_old_one():
    branch = branch_with_cpne()
    member(branch, CpneRole.PRESIDENT)
    project = _registered(branch, ends_on=date(2031, 3, 1))
    with time_machine.travel(date(2030, 3, 1), tick=False):
        lifecycle.renewal_alerts_schedule(today=date(2030, 3, 1))
    type(project).objects.filter(pk=project.pk).update(registration_ends_on=date(2031, 2, 1))
    with time_machine.travel(date(2030, 3, 1), tick=False):
        lifecycle.renewal_alerts_schedule(today=date(2030, 3, 1))
    rows = Reminder.objects.filter(kind=lifecycle.RENEWAL_REMINDER).order_by("due_on")
    assert [(r.due_on, r.status) for r in rows] == [(date(2030, 2, 1), "planned"), (date(2030, 3, 1), "cancelled")]


# --- New RNCP certifications with no NPEC ----------------------------------------------------------------------
def test_new_rncp_certifications_of_the_branch_with_no_npec():
    branch = branch_with_cpne("3109")
    _registered(branch)
    codes = [item.rncp for item in selectors.new_rncp_without_npec(branch)]
    # RNCP35092 is linked to IDCC 3109 in the export, replaces an older fiche and has no successor.
    assert "RNCP41234" in codes and "RNCP35092" in codes
    publication = NpecPublication.objects.create(title="Référentiel test")
    NpecEntry.objects.create(
        publication=publication,
        cpne=Cpne.objects.create(code="C1", name="CPNE"),
        rncp="RNCP35092",
        applicable_from=date(2026, 1, 1),
    )
    codes_after = [item.rncp for item in selectors.new_rncp_without_npec(branch)]
    assert "RNCP35092" not in codes_after and "RNCP41234" in codes_after
    assert selectors.new_rncp_without_npec(branch_with_cpne("0843")) == []
