"""Fixtures of the payments tests: accepted contracts whose CFA has a bank account (the contracts tests'
fixtures), finance users."""

import pytest

from branches.models import Branch
from tests.contracts.conftest import accept, cfa, referentials  # noqa: F401 — fixtures of the payments tests too
from tests.contracts.factories import CFA_IBAN, CFA_SIRET  # noqa: F401 — imported from here by tests/contracts/test_payability.py


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def finance(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance1@example.org")


@pytest.fixture
def finance2(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance2@example.org")


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """SEPA files and uploads of a test go to its own directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def responsable(make_user):
    return make_user(kind="staff", groups=["responsable"], email="responsable@example.org")


@pytest.fixture
def metallurgie(db):
    return Branch.objects.create(code="B-MET", name="Métallurgie")
