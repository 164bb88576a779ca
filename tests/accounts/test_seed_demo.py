import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from accounts.models import User
from branches.models import BranchMembership
from referentials.models import Company
from referentials.validators import is_valid_siret

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "gestionnaire@demo.local": ("staff", {"gestionnaire"}),
    "finance1@demo.local": ("staff", {"finance"}),
    "finance2@demo.local": ("staff", {"finance"}),
    "responsable@demo.local": ("staff", {"responsable"}),
    "conseiller@demo.local": ("advisor", set()),
    "branche@demo.local": ("branch_rep", set()),
    "admin@demo.local": ("staff", {"administrateur"}),
}


def test_seed_demo_needs_the_referentials():
    with pytest.raises(CommandError, match="load_referentials"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_one_account_per_role_with_totp_and_is_idempotent(load, capsys):
    load("idcc", "branches", "naf")
    call_command("seed_demo", contracts=0)
    output = capsys.readouterr().out
    assert "Demo-OPCO-2026!" in output and "OPCODEMOBACKOFFICETOTPSECRETAAAA" in output
    users = {u.email: u for u in User.objects.all()}
    assert set(users) == set(DEMO_EMAILS)
    for email, (kind, groups) in DEMO_EMAILS.items():
        user = users[email]
        assert (user.kind, set(user.group_names), user.is_demo) == (kind, groups, True)
        assert user.check_password("Demo-OPCO-2026!")
        assert Authenticator.objects.filter(user=user, type="totp").count() == 1
    assert users["admin@demo.local"].is_staff and not users["gestionnaire@demo.local"].is_staff
    membership = BranchMembership.objects.get(user=users["branche@demo.local"])
    assert membership.branch.code == "IDCC-0843"
    assert Company.objects.count() == 12
    assert all(is_valid_siret(c.siret) and c.idcc.opco_name == "OPCO entreprises de proximité" for c in Company.objects.all())

    call_command("seed_demo", contracts=0)
    assert User.objects.count() == 7 and Company.objects.count() == 12
    assert Authenticator.objects.count() == 7 and BranchMembership.objects.count() == 1


def test_demo_totp_prints_a_code_only_when_demo_accounts_exist(load, capsys):
    with pytest.raises(CommandError):
        call_command("demo_totp")
    load("idcc", "branches", "naf")
    call_command("seed_demo", contracts=0)
    capsys.readouterr()
    call_command("demo_totp")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()


def test_seed_demo_deposits_realistic_contracts_through_the_real_services(load, capsys):
    from contracts.enums import ContractStatus
    from contracts.models import ApprenticeshipContract, Commitment
    from sme_services.models import PortfolioCompany

    load()
    call_command("seed_demo", contracts=12)
    assert ApprenticeshipContract.objects.count() == 12
    accepted = ApprenticeshipContract.objects.filter(status=ContractStatus.ACCEPTED)
    assert accepted.count() + ApprenticeshipContract.objects.filter(status=ContractStatus.REFUSED).count() == 9
    assert Commitment.objects.count() == accepted.count() > 0
    assert all(c.commitment.instalments.exists() for c in accepted)
    assert ApprenticeshipContract.objects.filter(status=ContractStatus.RECEIVED).count() == 3  # the work queue
    assert ApprenticeshipContract.objects.filter(employer_idcc="0843").count() >= 3
    assert PortfolioCompany.objects.filter(advisor__email="conseiller@demo.local").exists()
    call_command("seed_demo", contracts=12)
    assert ApprenticeshipContract.objects.count() == 12
