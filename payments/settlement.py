"""Who follows a settled payment run: the missions register here (payments imports none of them) —
the contracts send their payment advices to the CFAs. Listeners run inside the settlement's
transaction and schedule their work on commit."""

from collections.abc import Callable
from typing import Any

_LISTENERS: list[Callable[[Any], None]] = []


def on_run_settled(listener: Callable[[Any], None]) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def run_settled(run) -> None:
    for listener in _LISTENERS:
        listener(run)
