"""What the OPCO must publish (C. trav. R6332-23) comes from several apps; the page is built by the one
that owns it (conventions) from registered pieces, so that no lower app imports it:

- a **section provider** (`register_section`): an app that owns published rules (sme_services' funding
  rule sets, its diagnostic costs…) registers a function returning JSON-safe rows; the builder of the
  transparency page reads every provider into its snapshot;
- a **change listener** (`register_listener`): the publishing app listens; an app whose published data
  changed (a payment run settled, a transfer returned, a new version of rules) calls `changed(reason)`
  after its transaction commits, and the page is rebuilt within the 15 days R6332-23 allows.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: tuple[str, ...]  # French headers, in the order of each row's values
    rows: Callable[[], list[list]]  # JSON-safe values (str, int, str for decimals and dates)
    order: int = 100


_SECTIONS: dict[str, Section] = {}
_LISTENERS: dict[str, Callable[[str], None]] = {}


def register_section(section: Section) -> None:
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))


def register_listener(key: str, listener: Callable[[str], None]) -> None:
    _LISTENERS[key] = listener


def changed(reason: str) -> None:
    """Published data changed: each listener is told (call it from `transaction.on_commit`)."""
    for listener in list(_LISTENERS.values()):
        listener(reason)
