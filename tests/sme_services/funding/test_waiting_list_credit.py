"""A new dotation or credit, entered on any door, reopens the waiting list (payments.budgets
`on_envelope_credited`, registered by sme_services.funding): the payments budget screen included. The
first waiting request in filing order is decided first, never the one that happens to fit."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from payments import budgets
from payments.budgets import branch_envelope_set, section_budget_set
from payments.enums import FinancialSection
from payments.models import BudgetMovement
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.envelopes import branch_dotation_split, waiting_lists_on_credit
from sme_services.funding.models import TrainingRequest
from sme_services.funding.services import training_request_decide, training_request_file

from .factories import company, teaching_only

pytestmark = pytest.mark.django_db
PLAN = FinancialSection.PLAN_UNDER_50


def _waiting_pair(staff, enter):
    """Two requests waiting on a 100 € envelope (`enter(branch)` enters it): the later-filed one (500 €)
    created first, so that the order followed is the filing order, not the ids; the earlier-filed one
    (560 €)."""
    a, b = company(1), company(2)
    enter(a.idcc.branch_link.branch)
    later = training_request_file(actor=staff, data=teaching_only(b, "500.00"), received_on=date(2026, 3, 3))
    earlier = training_request_file(actor=staff, data=teaching_only(a, "560.00"), received_on=date(2026, 3, 2))
    assert later.pk < earlier.pk
    for request in (later, earlier):
        assert training_request_decide(actor=staff, pk=request.pk).status == S.WAITING
    return a.idcc.branch_link.branch, earlier, later


def _status(request) -> str:
    return TrainingRequest.objects.get(pk=request.pk).status


def test_the_listener_is_registered_once_by_the_app():
    assert budgets._CREDIT_LISTENERS.count(waiting_lists_on_credit) == 1


def test_a_branch_quarter_raised_on_the_payments_screen_accepts_the_first_waiting_in_filing_order(
    funding_rules, staff, finance, client_for, django_capture_on_commit_callbacks
):
    branch, earlier, later = _waiting_pair(
        staff, lambda branch: branch_envelope_set(actor=finance, branch=branch, year=2026, quarter=1, amount=Decimal("100"))
    )
    form = {
        "branch": branch.pk,
        "section": PLAN,
        "year": "2026",
        "quarter": "1",
        "amount": "600,00",
        "source": "Nouvelle dotation",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(finance).post(reverse("payments:budget_branch_entry"), {f"branche-{k}": v for k, v in form.items()})
    assert response.status_code == 302
    # 600 € cover the earlier-filed 560 € only: the later one (500 €, which alone would fit) still waits.
    assert (_status(earlier), _status(later)) == (S.ACCEPTED, S.WAITING)
    assert TrainingRequest.objects.get(pk=earlier.pk).committed == Decimal("560.00")
    assert not BudgetMovement.objects.filter(reference=later.file_number).exists()


def test_the_section_dotation_raised_on_the_payments_screen_reopens_every_branch_list(
    funding_rules, staff, finance, client_for, django_capture_on_commit_callbacks
):
    _, earlier, later = _waiting_pair(
        staff, lambda branch: section_budget_set(actor=finance, year=2026, section=PLAN, amount=Decimal("100"))
    )
    client = client_for(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:budget_entry"), {"year": "2026", "section": PLAN, "amount": "1 060,00", "source": "Rallonge"}
        )
    assert response.status_code == 302
    assert (_status(earlier), _status(later)) == (S.ACCEPTED, S.ACCEPTED)


def test_a_lowered_or_other_section_envelope_decides_nothing(funding_rules, staff, finance, django_capture_on_commit_callbacks):
    branch, earlier, later = _waiting_pair(
        staff, lambda branch: branch_envelope_set(actor=finance, branch=branch, year=2026, quarter=1, amount=Decimal("100"))
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        branch_envelope_set(actor=finance, branch=branch, year=2026, quarter=1, amount=Decimal("50"))
        section_budget_set(actor=finance, year=2026, section=FinancialSection.ALTERNANCE, amount=Decimal("900000"))
    assert len(callbacks) == 1  # the alternance dotation rose; its listener call leaves the plan < 50 list alone
    assert (_status(earlier), _status(later)) == (S.WAITING, S.WAITING)


def test_the_branch_split_reviews_through_the_same_hook(funding_rules, staff, responsable, django_capture_on_commit_callbacks):
    branch, earlier, later = _waiting_pair(
        staff, lambda branch: branch_envelope_set(actor=responsable, branch=branch, year=2026, quarter=1, amount=Decimal("100"))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        branch_dotation_split(actor=responsable, branch=branch, year=2026, amounts=["1100", "0", "0", "0"])
    assert (_status(earlier), _status(later)) == (S.WAITING, S.WAITING)  # nothing before the commit
    for callback in callbacks:
        callback()
    assert (_status(earlier), _status(later)) == (S.ACCEPTED, S.ACCEPTED)
