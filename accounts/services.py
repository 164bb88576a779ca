"""Writes on accounts: one transaction and one audit entry each."""

from django.contrib.auth.models import Group
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
