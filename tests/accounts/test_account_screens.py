"""Administrators manage accounts on screens of their own (accounts.management_screens): open an
account (no password: an e-mail lets the person choose it; MFA at first login), roles and groups, a
representative's branches, deactivate, reset a lost second factor — each audited, each refused to
anyone but an administrator, at the screen and in the service. The login page does not invite
anyone to register: registration is closed."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from accounts.models import User
from branches.models import BranchMembership
from opco.models import AuditEntry
from tests.branches.factories import BranchFactory

pytestmark = pytest.mark.django_db

LIST, NEW = "/comptes/gestion/", "/comptes/gestion/nouveau/"


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(kind="staff", groups=["administrateur"], email="admin@opco.test")
    client.force_login(admin)
    client.admin = admin
    return client


def test_an_administrator_opens_a_representative_account_with_its_branch(admin_client):
    branch = BranchFactory(code="IDCC-0843", name="Boulangerie", idccs=["0843"], idccs__title="Boulangerie")
    response = admin_client.post(
        NEW,
        {
            "email": "Rep@Branche.test",
            "first_name": "Rémi",
            "last_name": "Présent",
            "kind": "branch_rep",
            "branches": [branch.pk],
        },
    )
    user = User.objects.get(email="rep@branche.test")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:manage_detail", args=[user.pk])
    assert not user.has_usable_password() and user.is_active and user.kind == "branch_rep"
    assert list(BranchMembership.objects.filter(user=user).values_list("branch__name", flat=True)) == ["Boulangerie"]
    assert [m.to for m in mail.outbox] == [["rep@branche.test"]]  # to choose a password
    actions = list(AuditEntry.objects.filter(target_id=str(user.pk)).order_by("id").values_list("action", "actor__email"))
    assert actions == [("user_create", "admin@opco.test"), ("branch_memberships_set", "admin@opco.test")]
    page = admin_client.get(reverse("accounts:manage_detail", args=[user.pk])).content.decode()
    assert "Boulangerie" in page and "à configurer à la prochaine connexion" in page


def test_a_refused_account_stores_nothing_and_says_why(admin_client, make_user):
    make_user(kind="advisor", email="deja@opco.test")
    before = (User.objects.count(), AuditEntry.objects.count())
    response = admin_client.post(NEW, {"email": "deja@opco.test", "kind": "advisor"})
    assert response.context["form"].errors == {"email": ["Un compte existe déjà pour deja@opco.test."]}
    response = admin_client.post(NEW, {"email": "conseil@opco.test", "kind": "advisor", "groups": ["finance"]})
    assert "Seul le personnel de l'OPCO appartient aux groupes" in response.context["form"].errors["groups"][0]
    assert (User.objects.count(), AuditEntry.objects.count()) == before and not mail.outbox


def test_groups_are_changed_with_their_history(admin_client, make_user):
    user = make_user(kind="staff", groups=["gestionnaire"], email="g@opco.test", first_name="Gé", last_name="Stion")
    url = reverse("accounts:manage_detail", args=[user.pk])
    admin_client.post(url, {"first_name": "Gé", "last_name": "Stion", "kind": "staff", "groups": ["gestionnaire", "finance"]})
    user = User.objects.get(pk=user.pk)
    assert user.group_names == {"gestionnaire", "finance"}
    entry = AuditEntry.objects.get(action="user_update")
    assert entry.changes == {"groups": [["gestionnaire"], ["finance", "gestionnaire"]]} and entry.actor == admin_client.admin
    # An administrator cannot remove their own administrator group.
    own = admin_client.post(
        reverse("accounts:manage_detail", args=[admin_client.admin.pk]), {"kind": "staff", "groups": ["gestionnaire"]}
    )
    assert own.context["form"].errors["groups"] == ["Vous ne pouvez pas retirer votre propre rôle d'administrateur."]


def test_reset_mfa_and_deactivate_are_audited(admin_client, make_user):
    user = make_user(kind="advisor", email="perdu@opco.test")
    assert Authenticator.objects.filter(user=user).exists()
    admin_client.post(reverse("accounts:manage_action", args=[user.pk, "reinitialiser-2fa"]))
    assert not Authenticator.objects.filter(user=user).exists()
    admin_client.post(reverse("accounts:manage_action", args=[user.pk, "desactiver"]))
    assert User.objects.get(pk=user.pk).is_active is False
    admin_client.post(reverse("accounts:manage_action", args=[admin_client.admin.pk, "desactiver"]))
    assert User.objects.get(pk=admin_client.admin.pk).is_active  # never oneself
    assert list(AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", flat=True).order_by("id")) == [
        "user_mfa_reset",
        "user_deactivate",
    ]
    page = admin_client.get(reverse("accounts:manage_detail", args=[user.pk])).content.decode()
    assert "Réactiver" in page and 'data-confirm="Réinitialiser la double authentification' in page


def test_only_administrators_manage_accounts_at_every_door(client, make_user):
    gestionnaire = make_user(kind="staff", groups=["gestionnaire"])
    other = make_user(kind="advisor")
    client.force_login(gestionnaire)
    for url in (LIST, NEW, reverse("accounts:manage_detail", args=[other.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("accounts:manage_action", args=[other.pk, "desactiver"])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.account_set_active(actor=gestionnaire, user_id=other.pk, active=False)
    with pytest.raises(PermissionDenied):
        services.account_reset_mfa(actor=gestionnaire, user_id=other.pk)
    assert User.objects.get(pk=other.pk).is_active and Authenticator.objects.filter(user=other).exists()
    assert 'href="/comptes/gestion/"' not in client.get(reverse("home")).content.decode()


def test_the_list_searches_accents_aside_and_the_menu_links_it(admin_client, make_user):
    make_user(kind="advisor", email="lea@opco.test", first_name="Léa", last_name="Martin")
    make_user(kind="advisor", email="paul@opco.test", first_name="Paul", last_name="Durand")
    rows = admin_client.get(LIST, {"q": "lea martin"}).context["object_list"]
    assert [u.email for u in rows] == ["lea@opco.test"]
    assert 'href="/comptes/gestion/"' in admin_client.get(reverse("home")).content.decode()


def test_the_login_page_does_not_invite_to_register(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "sign up" not in html.lower() and "inscri" not in html.lower() and "/signup/" not in html
    assert "Les comptes sont créés par les administrateurs de l'OPCO" in html
    # Registration itself stays closed.
    signup = client.get("/comptes/signup/")
    assert (signup.status_code, "Inscriptions fermées" in signup.content.decode()) == (200, True)
