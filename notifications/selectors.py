"""Reads of notifications: a user sees their own notifications and preferences, nobody else's."""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse

from notifications.enums import Level
from notifications.kinds import kind_of, registered_kinds
from notifications.models import Notification, NotificationPreference, Reminder
from notifications.panel import PanelItem, panel_sources


def _is_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    if not _is_user(user):
        return Notification.objects.none()
    rows = Notification.objects.filter(user=user)
    return rows.filter(read_at=None) if unread_only else rows


def unread_for(user) -> QuerySet[Notification]:
    """The user's unread notifications, newest first."""
    return notifications_for(user, unread_only=True)


def unread_count(user) -> int:
    return unread_for(user).count()


# --- Preferences --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    by_email: bool
    in_app: bool


def preference_for(user, kind: str) -> Preference:
    """The user's choice for a kind, or the kind's defaults when they made none."""
    return preferences_of(user, [kind])[kind]


def preferences_of(user, kinds) -> dict[str, Preference]:
    kinds = list(kinds)
    chosen = {}
    if user is not None and user.pk:
        chosen = {kind: (by_email, in_app) for kind, by_email, in_app in _preference_rows(user).filter(kind__in=kinds)}
    return {kind: _preference(kind, chosen.get(kind)) for kind in kinds}


def in_app_wanted(users, kind: str) -> dict[int, bool]:
    """{user id: wants `kind` in the application} for many users in one query."""
    ids = [user.pk for user in users]
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "in_app"))
    default = kind_of(kind).in_app
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def preferences_for(user) -> list[Preference]:
    """One line per kind the user can tune: the registered kinds, and those they already chose for or
    received, by label."""
    if not _is_user(user):
        return []
    chosen = {kind: (by_email, in_app) for kind, by_email, in_app in _preference_rows(user)}
    kinds = {kind.code for kind in registered_kinds()} | set(chosen)
    kinds |= set(Notification.objects.filter(user=user).exclude(kind="").values_list("kind", flat=True).distinct())
    kinds |= set(Reminder.objects.filter(recipient=user).values_list("kind", flat=True).distinct())
    return sorted((_preference(kind, chosen.get(kind)) for kind in kinds), key=lambda p: (p.label.lower(), p.kind))


def _preference_rows(user):
    return NotificationPreference.objects.filter(user=user).values_list("kind", "by_email", "in_app")


def _preference(kind: str, chosen: tuple[bool, bool] | None) -> Preference:
    registered = kind_of(kind)
    by_email, in_app = chosen if chosen is not None else (registered.by_email, registered.in_app)
    return Preference(kind, registered.label, by_email, in_app)


# --- Reminders of one object ------------------------------------------------------------------------
def reminders_for(target: models.Model) -> QuerySet[Reminder]:
    """The reminders of one object (a file page shows them), by due date. The caller has already
    checked that the user may see `target`."""
    return Reminder.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("recipient")


# --- The panel any page includes --------------------------------------------------------------------------
@dataclass
class Panel:
    items: list[PanelItem] = field(default_factory=list)
    unread: int = 0
    latest: list[Notification] = field(default_factory=list)


PANEL_LATEST = 5


def panel_for(user) -> Panel:
    """What the user has to look at: the registered sources' counts, then their unread notifications."""
    if not _is_user(user):
        return Panel()
    items = [item for source in panel_sources() for item in source(user) if item.count > 0]
    unread = list(unread_for(user)[: PANEL_LATEST + 1])
    count = len(unread) if len(unread) <= PANEL_LATEST else unread_count(user)
    if count:
        items.append(
            PanelItem(
                count,
                "une notification non lue",
                "{count} notifications non lues",
                link=reverse("notifications:list") + "?non_lues=1",
                level=Level.INFO,
            )
        )
    return Panel(items=items, unread=count, latest=unread[:PANEL_LATEST])
