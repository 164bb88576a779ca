"""The deadline lists walk every registered file kind (opco.workflow): a contract and a période de
reconversion waiting for a decision show up for their gestionnaire, overdue or due within 5 days."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.contracts.factories import stored_contract as contract
from tests.contracts.factories import stored_period as period

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


@time_machine.travel(TODAY, tick=False)
def test_the_list_shows_each_kind_overdue_or_due_within_5_days_for_its_gestionnaire(make_user, client_for):
    me = make_user(kind="staff", groups=["gestionnaire"])
    colleague = make_user(kind="staff", groups=["gestionnaire"])
    contract("AP-LATE", due=TODAY - timedelta(days=1), assigned_to=me)
    contract("AP-SOON", due=TODAY + timedelta(days=5), assigned_to=me)
    contract("AP-LATER", due=TODAY + timedelta(days=6), assigned_to=me)  # beyond 5 days
    contract("AP-INCOMPLETE", due=TODAY - timedelta(days=3), status="incomplete", assigned_to=me)  # clock stopped
    contract("AP-THEIRS", due=TODAY, assigned_to=colleague)
    period("RC-SOON", due=TODAY + timedelta(days=2), assigned_to=me)
    period("RC-NOBODY", due=TODAY - timedelta(days=4))

    page = client_for(me).get(reverse("deadlines")).content.decode()
    overdue, soon = page.split('id="soon"')
    assert "AP-LATE" in overdue and "AP-SOON" not in overdue
    assert "AP-SOON" in soon and "RC-SOON" in soon and "Période de reconversion" in soon
    assert not any(number in page for number in ("AP-LATER", "AP-INCOMPLETE", "AP-THEIRS", "RC-NOBODY"))

    unassigned = client_for(me).get(reverse("deadlines"), {"gestionnaire": "personne"}).content.decode()
    assert "RC-NOBODY" in unassigned and "AP-LATE" not in unassigned
    everyone = client_for(me).get(reverse("deadlines"), {"gestionnaire": "tous"}).content.decode()
    assert all(number in everyone for number in ("AP-LATE", "AP-SOON", "AP-THEIRS", "RC-SOON", "RC-NOBODY"))

    home = client_for(me).get(reverse("home")).content.decode()
    assert "un dossier en retard de décision" in home and "2 dossiers arrivent à échéance dans les 5 jours" in home


def test_readers_do_not_get_the_deadlines(make_user, client_for):
    for kind in ("branch_rep", "advisor"):
        assert client_for(make_user(kind=kind)).get(reverse("deadlines")).status_code == 403
