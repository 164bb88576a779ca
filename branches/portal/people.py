"""The branch's people: its administrator invites and removes colleagues of that branch; OPCO staff
manage every branch. Every representative logs in with MFA (accounts.User.requires_mfa)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts import roles
from accounts.enums import UserKind
from accounts.models import User
from accounts.services import user_create
from branches.models import BranchMembership
from opco import audit


def may_manage_people(user, branch) -> bool:
    if roles.STAFF(user):
        return True
    return roles.BRANCH_REP(user) and BranchMembership.objects.filter(user=user, branch=branch, is_admin=True).exists()


def member_invite(
    *, actor, branch, email: str, first_name: str = "", last_name: str = "", is_admin: bool = False, login_url: str = ""
) -> BranchMembership:
    """Attach a representative to the branch, creating their account when new (no password: they set
    it through « mot de passe oublié », then enrol their TOTP at first login — mandatory)."""
    if not may_manage_people(actor, branch):
        raise ValidationError("Seuls l'administrateur de la branche et l'OPCO invitent des membres.")
    if is_admin and not roles.STAFF(actor):
        raise ValidationError("Seul l'OPCO désigne l'administrateur d'une branche.")
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and user.kind != UserKind.BRANCH_REP:
            raise ValidationError({"email": "Cette adresse appartient à un compte qui n'est pas un représentant de branche."})
        if user is None:
            user = user_create(
                actor=actor,
                email=email,
                password=None,
                kind=UserKind.BRANCH_REP,
                first_name=first_name,
                last_name=last_name,
                source="web",
            )
        if BranchMembership.objects.filter(user=user, branch=branch).exists():
            raise ValidationError({"email": "Cette personne est déjà membre de la branche."})
        membership = BranchMembership.objects.create(user=user, branch=branch, is_admin=is_admin)
        audit.record(
            actor=actor,
            action="branch_member_invite",
            target=membership,
            changes={"user": [None, user.email]},
            summary=f"{user.email} invité dans {branch}",
        )
        transaction.on_commit(lambda: _send_invitation(user, branch, login_url))
    return membership


def _send_invitation(user, branch, login_url: str) -> None:
    from notifications.services import email_send

    email_send(
        to=user.email,
        template="branches/email/invitation",
        context={"branch": branch.name, "login_url": login_url or reverse("account_login")},
    )


def member_remove(*, actor, membership: BranchMembership) -> None:
    branch = membership.branch
    if not may_manage_people(actor, branch):
        raise ValidationError("Seuls l'administrateur de la branche et l'OPCO retirent des membres.")
    if membership.user_id == actor.pk:
        raise ValidationError("Vous ne pouvez pas vous retirer vous-même : demandez à l'OPCO.")
    with transaction.atomic():
        email = membership.user.email
        membership.delete()
        audit.record(
            actor=actor,
            action="branch_member_remove",
            target=branch,
            changes={"user": [email, None]},
            summary=f"{email} retiré de {branch}",
        )
