"""The deadline lists walk every registered file kind (opco.workflow): a contract and a période de
reconversion waiting for a decision show up for their gestionnaire, overdue or due within 5 days."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts.models import ApprenticeshipContract, ReconversionPeriod

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


def contract(number: str, *, due: date, status: str = "instruction", assigned_to=None) -> ApprenticeshipContract:
    return ApprenticeshipContract.objects.create(
        file_number=number,
        status=status,
        employer_siret="73282932000074",
        employer_name="Boulangerie",
        apprentice_last_name="Martin",
        apprentice_first_name="Léa",
        apprentice_birth_date=date(2007, 2, 28),
        rncp="RNCP37566",
        training_start=date(2026, 1, 5),
        training_hours=Decimal(800),
        cfa_siret="19350012300017",
        signed_on=date(2026, 1, 2),
        start_date=date(2026, 1, 5),
        end_date=date(2027, 7, 4),
        practical_training_start=date(2026, 1, 5),
        received_on=due - timedelta(days=20),
        complete_on=due - timedelta(days=20),
        decision_due_on=due,
        assigned_to=assigned_to,
    )


def period(number: str, *, due: date, assigned_to=None) -> ReconversionPeriod:
    return ReconversionPeriod.objects.create(
        file_number=number,
        kind="interne",
        status="received",
        employer_siret="73282932000074",
        employer_name="Boulangerie",
        employee_last_name="Petit",
        employee_first_name="Jules",
        employee_birth_date=date(1980, 2, 29),
        agreement_signed_on=date(2026, 2, 1),
        target="socle",
        provider_siret="19350012300017",
        training_hours=Decimal(200),
        start_date=date(2026, 4, 1),
        end_date=date(2026, 9, 30),
        received_on=due - timedelta(days=20),
        complete_on=due - timedelta(days=20),
        decision_due_on=due,
        assigned_to=assigned_to,
    )


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
