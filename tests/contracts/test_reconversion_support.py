"""Fixtures and helpers of the reconversion tests (no test here): a branch for IDCC 1486 and one for
IDCC 0843, a training provider with a bank account, staff and finance users, a frozen clock, and
`period_data()`: a valid internal period (300 h, received 2 March 2026, 16 March → 15 December 2026)
that a test changes field by field."""

# ruff: noqa: F811

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from branches.models import Branch, BranchFundingDecision, BranchIdcc
from contracts.reconversion.services import reconversion_accept, reconversion_deposit, reconversion_instruct
from referentials.models import Idcc, TrainingProvider
from tests.referentials.factories import valid_siret

PARIS = ZoneInfo("Europe/Paris")
PROVIDER_SIRET = "44492238900036"
PROVIDER_IBAN = "FR7610107001011234567890129"
EMPLOYER_SIRET = valid_siret(8001)
OTHER_EMPLOYER_SIRET = valid_siret(8002)
HOST_SIRET = valid_siret(8003)


def period_data(**changes) -> dict:
    data = {
        "kind": "interne",
        "employer_siret": EMPLOYER_SIRET,
        "employer_name": "Boulangerie Durand",
        "employer_idcc": "1486",
        "employee_last_name": "Martin",
        "employee_first_name": "Léa",
        "employee_birth_date": date(1988, 5, 17),
        "agreement_signed_on": date(2026, 2, 20),
        "target": "rncp",
        "target_code": "RNCP37566",
        "target_title": "Titre professionnel",
        "provider_siret": PROVIDER_SIRET,
        "training_hours": Decimal("300"),
        "start_date": date(2026, 3, 16),
        "end_date": date(2026, 12, 15),
    }
    data.update(changes)
    return data


@pytest.fixture
def clock(time_machine):
    """clock(day): the back-office's today is `day` (noon in Paris), frozen."""

    def move(day: date) -> None:
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, tzinfo=PARIS), tick=False)

    move(date(2026, 3, 5))
    return move


@pytest.fixture
def branches(db):
    """IDCC 1486 → branch « Bureaux d'études », IDCC 0843 → branch « Boulangerie »; no decision yet."""
    made = {}
    for code, name in (("1486", "Bureaux d'études"), ("0843", "Boulangerie")):
        branch = Branch.objects.create(code=f"IDCC-{code}", name=name)
        BranchIdcc.objects.create(branch=branch, idcc=Idcc.objects.get_or_create(code=code, defaults={"title": name})[0])
        made[code] = branch
    return made


def decide(branch, on: date, *, hourly=None, per_period=None, extended=False, active=True, source=""):
    return BranchFundingDecision.objects.create(
        branch=branch,
        kind=BranchFundingDecision.Kind.RECONVERSION,
        hourly_rate=None if hourly is None else Decimal(hourly),
        amount_per_period=None if per_period is None else Decimal(per_period),
        extended_by_agreement=extended,
        active=active,
        applicable_from=on,
        source=source,
    )


@pytest.fixture
def provider(db):
    return TrainingProvider.objects.update_or_create(
        siret=PROVIDER_SIRET,
        defaults={
            "name": "Institut de la Reconversion",
            "address": "12 rue des Boulangers",
            "postal_code": "14000",
            "city": "Caen",
            "iban": PROVIDER_IBAN,
            "bic": "BREDFRPP",
        },
    )[0]


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def finance(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance-reco@example.org")


@pytest.fixture
def deposit(staff, branches, provider):
    def make(received_on: date = date(2026, 3, 2), **changes):
        return reconversion_deposit(actor=staff, data=period_data(**changes), received_on=received_on)

    return make


@pytest.fixture
def accepted(staff, deposit, clock):
    """accepted(on=…, **changes): a period deposited, instructed and accepted on `on`."""

    def make(on: date = date(2026, 3, 5), received_on: date = date(2026, 3, 2), **changes):
        clock(on)
        period = deposit(received_on=received_on, **changes)
        reconversion_instruct(actor=staff, period_id=period.pk)
        return reconversion_accept(actor=staff, period_id=period.pk)

    return make
