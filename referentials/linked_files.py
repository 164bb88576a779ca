"""Files of other missions a company's record may point to, found by their file number (DESIGN.md,
« Data flows one way »): the proximity service's action plan links an item to an alternance contract
without importing the contracts app; the contracts app registers its lookup from its `AppConfig.ready()`:

    from referentials.linked_files import LinkedFile, register_file_lookup

    register_file_lookup("alternance", "Contrat en alternance", lambda user, number: ...)

A lookup answers the file of that number as `user` may see it (scoped), or None: an unknown number
and a file the user may not open look the same, so a number is never confirmed to someone outside.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkedFile:
    kind: str
    number: str
    company_id: int | None
    status: str  # the file's status, readable (« Accepté »)
    url: str
    label: str = ""  # a short description (« apprentie : Léa Martin »)


_LOOKUPS: dict[str, tuple[str, Callable[[object, str], LinkedFile | None]]] = {}


def register_file_lookup(kind: str, label: str, lookup: Callable[[object, str], LinkedFile | None]) -> None:
    _LOOKUPS[kind] = (label, lookup)


def file_kinds() -> dict[str, str]:
    return {kind: label for kind, (label, _) in _LOOKUPS.items()}


def file_lookup(kind: str, user, number: str) -> LinkedFile | None:
    """The file `number` of `kind` as `user` sees it; None if unknown, not visible or no mission registered."""
    number = (number or "").strip()
    if kind not in _LOOKUPS or not number:
        return None
    return _LOOKUPS[kind][1](user, number)
