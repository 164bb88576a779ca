"""Writes on accounts: one transaction and one audit entry each."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.enums import StaffGroup, UserKind
from accounts.models import User
from opco import audit


@transaction.atomic
def user_create(
    *,
    actor,
    email: str,
    password: str | None,
    kind: UserKind,
    first_name: str = "",
    last_name: str = "",
    groups: tuple[StaffGroup, ...] = (),
    is_demo: bool = False,
    source: str = "command",
) -> User:
    if groups and kind != UserKind.STAFF:
        raise ValueError("Seul le personnel de l'OPCO appartient aux groupes gestionnaire, finance, responsable, administrateur.")
    user = User(
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        kind=kind,
        is_demo=is_demo,
        # The Django admin (raw data) is for administrators.
        is_staff=StaffGroup.ADMINISTRATEUR in groups,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.set([Group.objects.get_or_create(name=group.value)[0] for group in groups])
    audit.record(
        actor=actor,
        action="user_create",
        target=user,
        changes={"kind": [None, kind.value], "groups": [[], [g.value for g in groups]]},
        source=source,
    )
    return user


# --- Account management by administrators (accounts.management screens) --------------------------------
MANAGE_REFUSAL = "Seuls les administrateurs de l'OPCO gèrent les comptes."


def may_manage_accounts(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_administrator)


def _check_manager(actor) -> None:
    if not may_manage_accounts(actor):
        raise PermissionDenied(MANAGE_REFUSAL)


def _check_groups(kind: str, groups) -> None:
    if groups and kind != UserKind.STAFF:
        raise ValidationError(
            {"groups": "Seul le personnel de l'OPCO appartient aux groupes gestionnaire, finance, responsable, administrateur."}
        )


@transaction.atomic
def account_create(*, actor, email: str, kind: str, first_name: str = "", last_name: str = "", groups=()) -> User:
    """An administrator opens an account: no password (the person sets theirs from the e-mail the
    screen sends), and the second factor is configured at first login (MFA is mandatory)."""
    _check_manager(actor)
    email = (email or "").strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"Un compte existe déjà pour {email}."})
    _check_groups(kind, groups)
    return user_create(
        actor=actor,
        email=email,
        password=None,
        kind=UserKind(kind),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        groups=tuple(StaffGroup(g) for g in groups),
        source="web",
    )


@transaction.atomic
def account_update(*, actor, user_id: int, kind: str, first_name: str, last_name: str, groups=()) -> User:
    """Identity, kind and staff groups; the audit keeps what changed. An administrator cannot take
    away their own administrator group (the house would be left without one by mistake)."""
    _check_manager(actor)
    user = User.objects.select_for_update().get(pk=user_id)
    _check_groups(kind, groups)
    if user.pk == actor.pk and StaffGroup.ADMINISTRATEUR.value not in groups and not user.is_superuser:
        raise ValidationError({"groups": "Vous ne pouvez pas retirer votre propre rôle d'administrateur."})
    before = {**audit.snapshot(user, ["first_name", "last_name", "kind", "is_staff"]), "groups": sorted(user.group_names)}
    user.first_name, user.last_name, user.kind = first_name.strip(), last_name.strip(), kind
    user.is_staff = StaffGroup.ADMINISTRATEUR.value in groups
    user.full_clean()
    user.save()
    user.groups.set([Group.objects.get_or_create(name=StaffGroup(g).value)[0] for g in groups])
    after = {**audit.snapshot(user, ["first_name", "last_name", "kind", "is_staff"]), "groups": sorted(groups)}
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor=actor, action="user_update", target=user, changes=changes, summary=f"Compte {user.email} modifié")
    return user


@transaction.atomic
def account_set_active(*, actor, user_id: int, active: bool) -> User:
    """Deactivate (the person can no longer log in; nothing is deleted, the history stays) or reactivate."""
    _check_manager(actor)
    user = User.objects.select_for_update().get(pk=user_id)
    if user.pk == actor.pk and not active:
        raise ValidationError("Vous ne pouvez pas désactiver votre propre compte.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="user_activate" if active else "user_deactivate",
            target=user,
            changes={"is_active": [not active, active]},
            summary=f"Compte {user.email} {'réactivé' if active else 'désactivé'}",
        )
    return user


@transaction.atomic
def account_reset_mfa(*, actor, user_id: int) -> int:
    """A lost phone: the second factor is removed (TOTP and recovery codes); the person configures a
    new one at their next login, before any other page (MFA stays mandatory)."""
    from allauth.mfa.models import Authenticator

    _check_manager(actor)
    user = User.objects.select_for_update().get(pk=user_id)
    removed, _ = Authenticator.objects.filter(user=user).delete()
    audit.record(
        actor=actor,
        action="user_mfa_reset",
        target=user,
        changes={"authenticators_removed": [removed, 0]},
        summary=f"Double authentification de {user.email} réinitialisée",
    )
    return removed
