"""Helpers of the concurrency tests (PostgreSQL): callables run together in threads, each with its own
database connection, and execute wrappers that hold a transaction's locks at a chosen statement."""

import threading
import time

from django.db import connections


def run_together(*targets, timeout: float = 120) -> list:
    """Run each callable in its own thread (its own database connection), all released at once by a
    barrier; return what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def work(position, target):
        try:
            barrier.wait(timeout=30)
            results[position] = target()
        except BaseException as error:  # noqa: BLE001 — the test inspects it
            results[position] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(position, target)) for position, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "un fil d'exécution est resté bloqué"
    return results


def after_statement(matches, action):
    """An execute wrapper that calls `action()` after each statement for which `matches(sql, params)`
    is true, inside the caller's transaction (its row locks are held meanwhile)."""

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if matches(sql, params or ()):
            action()
        return result

    return wrapper


def pause_after(matches, reached: threading.Event, seconds: float):
    """After the first matching statement: set `reached`, then sleep `seconds` holding the locks."""

    def action():
        if not reached.is_set():
            reached.set()
            time.sleep(seconds)

    return after_statement(matches, action)
