"""A run prepared for a later execution date takes the lines that become due by that date, not only those
due by today: prepare has the missions release what is due by the run's date before it claims, without
waiting for the nightly release (01:00), which only hands over what is due by its own day."""

from datetime import date

import pytest
import time_machine

from contracts.models import Instalment
from payments.enums import LineStatus, ScheduleStatus
from payments.models import PayableLine, TransferLine
from payments.runs import payment_run_prepare

pytestmark = pytest.mark.django_db


def test_a_run_for_a_later_date_takes_the_instalments_due_by_that_date(accept, finance):
    with time_machine.travel(date(2025, 9, 15), tick=False):
        contract = accept()  # R2025, its 10th-month instalment of year 1 due on 1 June 2026
    instalments = {(i.year, i.kind): i for i in Instalment.objects.filter(commitment__contract=contract)}
    month7, month10 = instalments[(1, "month7")], instalments[(1, "month10")]
    after_the_run = instalments[(1, "balance")]
    assert (month7.due_date, month10.due_date, after_the_run.due_date) == (date(2026, 3, 1), date(2026, 6, 1), date(2026, 9, 1))
    assert not PayableLine.objects.exists()  # the nightly release has not handed any of them over

    # On 25 May, a run for 2 June: the 10th month is due after today but by the run's date.
    with time_machine.travel(date(2026, 5, 25), tick=False):
        run = payment_run_prepare(actor=finance, execution_date=date(2026, 6, 2)).run

    in_run = dict(TransferLine.objects.filter(transfer__run=run).values_list("line__source_id", "line__due_date"))
    assert in_run == {month7.pk: date(2026, 3, 1), month10.pk: date(2026, 6, 1)}
    assert run.total == month7.net + month10.net
    month10.refresh_from_db()
    after_the_run.refresh_from_db()
    assert month10.status == ScheduleStatus.IN_RUN
    assert after_the_run.status == ScheduleStatus.PLANNED  # due on 1 September: after the run's date
    assert set(PayableLine.objects.values_list("status", flat=True)) == {LineStatus.IN_RUN}
