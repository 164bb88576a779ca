"""The portal's two period forms share one rule: the end may not precede the start (same day allowed)."""

import pytest

from branches.portal.views import CountForm, PeriodForm
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
MESSAGE = "La fin de la période précède son début."


@pytest.mark.parametrize("form_class", [PeriodForm, CountForm])
def test_an_end_before_the_start_is_refused_and_the_same_day_accepted(form_class):
    extra = {"user": UserFactory(gestionnaire=True)} if form_class is CountForm else {}
    reversed_period = form_class({"start": "2028-03-01", "end": "2028-02-29"}, **extra)
    assert not reversed_period.is_valid() and reversed_period.non_field_errors() == [MESSAGE]
    one_day = form_class({"start": "2028-02-29", "end": "2028-02-29"}, **extra)
    assert one_day.is_valid(), one_day.errors
