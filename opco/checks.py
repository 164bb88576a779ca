"""The check primitives every rule table of every mission uses (DESIGN.md, the spine, point 3).

A rule is a function `(subject, context) -> Outcome`: a status and a French message that says what
is wrong with the values and cites its article. A table is an ordered sequence of (stable code,
rule); `run_table` runs each rule exactly once, in order, into a `CheckReport`. A report is
« eligible » when no check is in error: a warning asks for a staff decision, it does not block.
The codes are stable: screens, exports, refusal letters and the API quote them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models


class CheckStatus(models.TextChoices):
    OK = "ok", "Conforme"
    WARNING = "warning", "À examiner"
    ERROR = "error", "Bloquant"


Outcome = tuple[CheckStatus, str]
Rule = Callable[[Any, Any], Outcome]


@dataclass(frozen=True)
class CheckResult:
    code: str
    status: CheckStatus
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "status": self.status.value, "message": self.message}


@dataclass(frozen=True)
class CheckReport:
    checks: list[CheckResult]

    @property
    def eligible(self) -> bool:
        """No check in error (a warning needs a staff decision, it does not block)."""
        return all(check.status != CheckStatus.ERROR for check in self.checks)

    @property
    def errors(self) -> list[CheckResult]:
        return [check for check in self.checks if check.status == CheckStatus.ERROR]

    def as_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "checks": [check.as_dict() for check in self.checks]}


def run_table(table: Iterable[tuple[str, Rule]], subject: Any, context: Any = None) -> CheckReport:
    """Every rule of `table`, in its order, each exactly once, on `subject` with `context`."""
    return CheckReport([CheckResult(code, *rule(subject, context)) for code, rule in table])


def ok(message: str) -> Outcome:
    return CheckStatus.OK, message


def warning(message: str) -> Outcome:
    return CheckStatus.WARNING, message


def error(message: str) -> Outcome:
    return CheckStatus.ERROR, message


def error_if_any(problems: list[str], ok_message: str) -> Outcome:
    """An error listing every problem found, or OK with `ok_message`."""
    return error(" ".join(problems)) if problems else ok(ok_message)


# --- How messages write values -----------------------------------------------------------------------
def fr_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def fr_number(value: Decimal | int) -> str:
    """A number as French staff read it: no trailing zeros, a decimal comma."""
    return format(Decimal(value).normalize(), "f").replace(".", ",")
