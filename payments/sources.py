"""How a mission plugs into payments without payments knowing its internals (DESIGN.md: data flows
contracts → payments). A mission registers, for the model its payable lines come from:

- `mirror(lines, status)`: called inside the same transaction whenever payments moves lines of that
  source to `status`, with a queryset of those lines, so the mission keeps its own status in step
  (one bulk UPDATE, whatever the number of lines);
- `release(until)`: hands over the lines whose conditions are met and that are due by `until`
  (called before a run is prepared, so that a run for a future date sees the lines due by then);
- `pending_beneficiaries(identifiers)`: which of these beneficiaries still have positive amounts to
  come from this mission, so that a negative line is kept for netting rather than turned into a
  recovery order.

A mission's rows are declared as a `payments.schedules.PayableSchedule`, whose `as_source()` gives
these three; registration happens in the mission's `AppConfig.ready()`:
`sources.register(SCHEDULE.as_source())`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import models


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    mirror: Callable[[models.QuerySet, str], None]
    release: Callable[[date], int]
    pending_beneficiaries: Callable[[set[str]], set[str]]


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> None:
    _REGISTRY[source.model._meta.label_lower] = source


def registered() -> Iterable[Source]:
    return list(_REGISTRY.values())


def source_for_type(content_type: ContentType) -> Source | None:
    return _REGISTRY.get(f"{content_type.app_label}.{content_type.model}")


def mirror_status(lines: models.QuerySet, status: str) -> None:
    """Tell each source of `lines` that they moved to `status` (one query per registered source)."""
    for source in registered():
        content_type = ContentType.objects.get_for_model(source.model)
        source.mirror(lines.filter(source_type=content_type), status)


def release_all(until: date) -> int:
    return sum(source.release(until) for source in registered())


def beneficiaries_with_pending(identifiers: set[str]) -> set[str]:
    pending: set[str] = set()
    for source in registered():
        pending |= source.pending_beneficiaries(identifiers)
    return pending
