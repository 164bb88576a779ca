"""The home page tells a finance officer which runs wait for their approval (four eyes: not the ones
they prepared), through the notifications panel payments registers into."""

from datetime import date

import pytest
from django.urls import reverse

from payments.enums import RunStatus
from payments.models import PaymentRun

pytestmark = pytest.mark.django_db


def test_a_prepared_run_is_shown_to_the_other_finance_officers_only(make_user, client_for):
    preparer = make_user(kind="staff", groups=["finance"])
    approver = make_user(kind="staff", groups=["finance"])
    gestionnaire = make_user(kind="staff", groups=["gestionnaire"])
    PaymentRun.objects.create(execution_date=date(2026, 12, 10), prepared_by=preparer)
    PaymentRun.objects.create(execution_date=date(2026, 12, 11), prepared_by=preparer, status=RunStatus.CANCELLED)

    page = client_for(approver).get(reverse("home")).content.decode()
    assert "un lot de paiement attend votre approbation" in page
    assert f"{reverse('payments:runs')}?status=prepared" in page
    for other in (preparer, gestionnaire):
        assert "attend votre approbation" not in client_for(other).get(reverse("home")).content.decode()
