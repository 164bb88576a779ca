"""One way to record who changed what and when (DESIGN.md: every service writes an audit entry).

Services call `record()` inside their transaction, so the entry and the change commit together.
Values of sensitive fields (NIR, IBAN) are masked: the audit trail is no place to read them.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from opco.models import AuditEntry

SENSITIVE_FIELDS = frozenset({"nir", "iban", "password", "secret"})


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (Decimal,)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _mask(field: str, value: Any) -> Any:
    if field in SENSITIVE_FIELDS and value not in (None, ""):
        text = str(value)
        return "•••" + text[-4:] if field == "iban" else "•••"
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `instance`, keyed by field name (FKs by id)."""
    names = list(fields) if fields is not None else [f.name for f in instance._meta.concrete_fields]
    values = {}
    for name in names:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed, sensitive values masked."""
    return {
        name: [_mask(name, before.get(name)), _mask(name, after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    summary: str = "",
    source: str = AuditEntry.Source.WEB,
) -> AuditEntry:
    """Write one audit entry. `actor` is a user, or None for the system (beat tasks, loaders)."""
    entry_ = entry(actor=actor, action=action, target=target, changes=changes, summary=summary, source=source)
    entry_.save()
    return entry_


def entry(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    summary: str = "",
    source: str = AuditEntry.Source.WEB,
) -> AuditEntry:
    """The unsaved entry `record` writes: a batch writes its entries with one bulk_create."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_label=(user.email if user else "système")[:254],
        source=source,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        summary=summary[:500],
        changes=changes or {},
    )


def history_of(target: models.Model):
    """The audit entries of one object, newest first."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
