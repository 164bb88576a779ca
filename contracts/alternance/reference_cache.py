"""Reference data read once per bulk import instead of once per row.

Outside `reference_cache()` nothing is cached: a screen or an API call always reads the database.
Inside it (one import job), certifications, IDCC links, oppositions, holiday calendars, companies
and training providers are kept for the job's duration — a job reads them as they were when it
started, like a snapshot."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_store: ContextVar[dict | None] = ContextVar("contracts_reference_cache", default=None)


@contextmanager
def reference_cache() -> Iterator[None]:
    token = _store.set({})
    try:
        yield
    finally:
        _store.reset(token)


def cached(key: tuple, load: Callable[[], T]) -> T:
    store = _store.get()
    if store is None:
        return load()
    if key not in store:
        store[key] = load()
    return store[key]


def is_cached() -> bool:
    return _store.get() is not None


def remember(key: tuple, value: Any) -> None:
    """Record a value created during the job (a company created by a deposit)."""
    store = _store.get()
    if store is not None:
        store[key] = value


def peek(key: tuple) -> Any:
    """The value kept under `key` during a job, None outside a job or when nothing is kept."""
    store = _store.get()
    return None if store is None else store.get(key)


def unknown(keys) -> set:
    """Of these keys, those nothing is kept under yet (all of them outside a job: nothing to prefill)."""
    store = _store.get()
    return set() if store is None else {key for key in keys if key not in store}
