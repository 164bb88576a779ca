"""Payable schedules: how the rows a mission owes become payable lines, declared once per mission.

A mission that pays (apprenticeship and professionalisation instalments and the rows of a période de
reconversion today; plan < 50 funding requests, CSE training, conventions tomorrow) keeps its schedule
as rows of its own model: a `status` in `ScheduleStatus`, an amount, and a foreign-key path to its
file, an `opco.instruction.InstructedFile` (DESIGN.md, the spine, points 1 and 5). It declares one
`PayableSchedule` with what differs from one mission to the next (the file statuses in which rows are
funded, the facts a decision reads, `decide`, the beneficiary, the line a row becomes) and registers
`schedule.as_source()` in its `AppConfig.ready()`. Payments never imports the mission: the mission
hands payments its declaration (DESIGN.md: data flows one way).

`release(schedule, until=…, today=…)` is the one loop every schedule's rows go through, in one
transaction:

1. lock the funded files that have planned rows, `FOR UPDATE SKIP LOCKED OF` the file only: a file
   being changed elsewhere (a decision, a rupture, a document received, an interruption) is left for
   the next release, so a release never waits on a screen and never decides on a half-changed file;
2. load the facts of the locked files in one batch, then decide each planned row, in id order:
   - `not_due`: the row is closed as not due (the schedule's `on_not_due` may leave an audit entry);
   - no due date yet, or due after `until`: left planned, looked at next time;
   - nothing to pay (an advance absorbed by a deduction): settled at once as paid, no line;
   - a beneficiary unknown to the referential, or without a valid IBAN or town: the row stays planned
     and its file is reported blocked with the French reason; the other files' rows go on;
   - otherwise a `LineRequest`;
3. hand the requests over (`payable_lines_submit`, where a unique constraint keeps one live line per
   row) and move the rows with one UPDATE per status.

A row leaves « planned » only inside its file's lock, so a release run twice (or two workers at once)
hands each row over once. Payment runs then move the lines, and `mirror` keeps the rows in step with
one UPDATE guarded by the previous status.

The abstract piece is this declaration, not an abstract model: the rows already share their only
common column, `status` (same definition on every row model, its choices from `ScheduleStatus`),
while their amount (`net`, `amount`), their path to the file, their constraints and indexes are each
mission's; what the loop needs beyond the status is behaviour (decide, beneficiary, line), which a
model field cannot carry.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

from opco.instruction import InstructedFile
from payments.enums import LineStatus, ScheduleStatus
from payments.services import Beneficiary, LineRequest, payable_lines_submit
from payments.sources import Source
from referentials.models import Company, TrainingProvider


@dataclass(frozen=True)
class Decision:
    """Whether a planned row is payable: from `due` (None: not yet, it waits for `waiting_for`), to be
    paid by `pay_by`; `not_due` closes it, its condition can no longer be met."""

    due: date | None
    pay_by: date | None = None
    not_due: bool = False
    waiting_for: str = ""


@dataclass
class Release:
    """What one release did; `blocked` names the files whose beneficiary cannot be paid, in French."""

    released: int = 0
    settled_at_zero: int = 0
    closed_not_due: int = 0
    blocked: list[str] = field(default_factory=list)


def files_as_facts(files: list[InstructedFile]) -> dict[int, Any]:
    """The facts of a schedule whose decisions read nothing but the file itself."""
    return {file.pk: file for file in files}


def all_planned(rows: models.QuerySet, until: date) -> models.QuerySet:
    return rows


def every_row(row: models.Model, facts: Any, until: date) -> bool:
    return True


def no_audit(row_ids: list[int]) -> None:
    return None


@dataclass(frozen=True)
class PayableSchedule:
    """A mission's payable schedule, as the generic release reads it.

    - `row_model`: the rows (a `status` column with `ScheduleStatus` choices, a primary key that payable
      lines point to as their source);
    - `file_path`: the lookup from a row to its file (`"period"`, `"commitment__contract"`), an
      `InstructedFile` whose `status` says whether it is `funded` and whose `file_number` names it;
    - `amount_field`: the row's amount column (zero: settled at once; positive: pending for netting);
    - `facts(files) -> {file id: facts}`: what the decisions read, loaded once for the locked files;
    - `decide(row, facts, today) -> Decision`;
    - `beneficiary(row, facts) -> Beneficiary | None` and, when None, `unknown_beneficiary(row)`: the
      French reason the file is reported blocked;
    - `line(row, facts, decision, beneficiary) -> LineRequest`;
    - `beneficiary_paths`: `(rows, lookup)` pairs saying where the identifier (SIRET) of the rows'
      beneficiary is read, for `pending_beneficiaries`;
    - `file_related`, `row_related`: `select_related` of the locked files and of the rows;
    - hooks with neutral defaults: `candidates(planned, until)` narrows the planned rows whose files
      are locked, `considered(row, facts, until)` skips a row before its decision, `on_not_due(ids)`
      records the rows closed as not due.
    """

    row_model: type[models.Model]
    file_path: str
    funded: tuple[str, ...]
    amount_field: str
    decide: Callable[[Any, Any, date], Decision]
    beneficiary: Callable[[Any, Any], Beneficiary | None]
    unknown_beneficiary: Callable[[Any], str]
    line: Callable[[Any, Any, Decision, Beneficiary], LineRequest]
    beneficiary_paths: tuple[tuple[Q, str], ...]
    facts: Callable[[list[Any]], dict[int, Any]] = files_as_facts
    file_related: tuple[str, ...] = ()
    row_related: tuple[str, ...] = ()
    candidates: Callable[[models.QuerySet, date], models.QuerySet] = all_planned
    considered: Callable[[Any, Any, date], bool] = every_row
    on_not_due: Callable[[list[int]], None] = no_audit

    @property
    def file_model(self) -> type[InstructedFile]:
        model = self.row_model
        for name in self.file_path.split("__"):
            model = model._meta.get_field(name).related_model
        return model

    def as_source(self) -> Source:
        """What `payments.sources.register` takes: this schedule's rows in payment runs."""
        return Source(
            model=self.row_model,
            mirror=lambda lines, status: mirror(model=self.row_model, lines=lines, status=status),
            release=lambda until: release(self, until=until, today=timezone.localdate()).released,
            pending_beneficiaries=lambda identifiers: pending_beneficiaries(self, identifiers=identifiers),
        )


def referential_beneficiary(*, kind: str, party: Company | TrainingProvider) -> Beneficiary:
    """A company or a training provider of the referential, as the account its lines are paid to."""
    return Beneficiary(
        kind=kind,
        identifier=party.siret,
        name=party.display_name if isinstance(party, TrainingProvider) else party.name,
        address=party.address,
        postal_code=party.postal_code,
        town=party.city,
        iban=party.iban,
        bic=party.bic,
    )


def release(schedule: PayableSchedule, *, until: date, today: date, file_ids: Iterable[int] | None = None) -> Release:
    """Hand over to payments every planned row of `schedule` whose conditions are met by `until` (the
    loop in the module docstring); `file_ids` limits it to these files."""
    path = schedule.file_path
    rows = schedule.row_model.objects
    report = Release()
    with transaction.atomic():
        planned = rows.filter(status=ScheduleStatus.PLANNED, **{f"{path}__status__in": schedule.funded})
        planned = schedule.candidates(planned, until)
        if file_ids is not None:
            planned = planned.filter(**{f"{path}__in": file_ids})
        locked = schedule.file_model.objects.filter(pk__in=Subquery(planned.values(path)))
        locked = locked.select_for_update(skip_locked=True, of=("self",))
        if schedule.file_related:  # select_related() without names would follow every foreign key
            locked = locked.select_related(*schedule.file_related)
        files = {file.pk: file for file in locked}
        if not files:
            return report
        facts = schedule.facts(list(files.values()))
        to_decide = rows.filter(status=ScheduleStatus.PLANNED, **{f"{path}__in": list(files)})
        to_decide = to_decide.annotate(schedule_file_id=F(path)).order_by("id")
        if schedule.row_related:
            to_decide = to_decide.select_related(*schedule.row_related)
        requests, zero_ids, not_due_ids = [], [], []
        blocked: set[str] = set()
        for row in to_decide:
            row_facts = facts[row.schedule_file_id]
            if not schedule.considered(row, row_facts, until):
                continue
            decision = schedule.decide(row, row_facts, today)
            if decision.not_due:
                not_due_ids.append(row.pk)
                continue
            if decision.due is None or decision.due > until:
                continue
            if getattr(row, schedule.amount_field) == 0:
                zero_ids.append(row.pk)
                continue
            beneficiary = schedule.beneficiary(row, row_facts)
            problems = beneficiary.problems() if beneficiary is not None else [schedule.unknown_beneficiary(row)]
            if problems:
                blocked.add(f"{files[row.schedule_file_id].file_number} : {', '.join(problems)}")
                continue
            requests.append(schedule.line(row, row_facts, decision, beneficiary))
        payable_lines_submit(source_model=schedule.row_model, requests=requests)
        rows.filter(pk__in=[request.source_id for request in requests]).update(status=ScheduleStatus.PAYABLE)
        rows.filter(pk__in=zero_ids).update(status=ScheduleStatus.PAID)
        rows.filter(pk__in=not_due_ids).update(status=ScheduleStatus.NOT_DUE)
        if not_due_ids:
            schedule.on_not_due(not_due_ids)
        report.released, report.settled_at_zero, report.closed_not_due = len(requests), len(zero_ids), len(not_due_ids)
        report.blocked = sorted(blocked)
    return report


# --- What payments reads back (payments.sources) ---------------------------------------------------
# A line's move, and the row statuses it may move from: anything else (superseded, not due) stays put.
MIRRORED_FROM = {
    LineStatus.IN_RUN: (ScheduleStatus.PAYABLE,),
    LineStatus.PAID: (ScheduleStatus.IN_RUN,),
    LineStatus.PAYABLE: (ScheduleStatus.IN_RUN, ScheduleStatus.PAID),
    LineStatus.RECOVERY: (ScheduleStatus.PAYABLE,),
}
MIRRORED_TO = {
    LineStatus.IN_RUN: ScheduleStatus.IN_RUN,
    LineStatus.PAID: ScheduleStatus.PAID,
    LineStatus.PAYABLE: ScheduleStatus.PAYABLE,
    LineStatus.RECOVERY: ScheduleStatus.RECOVERY,
}


def mirror(*, model: type[models.Model], lines: models.QuerySet, status: str) -> None:
    """Keep the rows of `model` in step with their payable `lines`, moved to `status`: one UPDATE,
    guarded by the expected previous status so that a superseded or closed row is never revived."""
    if status not in MIRRORED_TO:
        return
    if connection.vendor != "postgresql":
        model.objects.filter(pk__in=Subquery(lines.order_by().values("source_id")), status__in=MIRRORED_FROM[status]).update(
            status=MIRRORED_TO[status]
        )
        return
    # The ids first, then one UPDATE over a literal array: the lines were moved in this very transaction,
    # so the planner's statistics still see none in the run and planned the subquery as a nested loop
    # « for 1 row » (2.6–4.8 s for 200 000 instalments, issue 19).
    source_ids = list(lines.order_by().values_list("source_id", flat=True))
    if not source_ids:
        return
    table, column = model._meta.db_table, model._meta.get_field("status").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s FROM unnest(%s::bigint[]) AS mirrored(id) "  # noqa: S608
            f"WHERE {table}.id = mirrored.id AND {table}.{column} = ANY(%s)",
            [str(MIRRORED_TO[status]), source_ids, [str(value) for value in MIRRORED_FROM[status]]],
        )


def pending_beneficiaries(schedule: PayableSchedule, *, identifiers: set[str]) -> set[str]:
    """Which of these beneficiaries (by identifier) still have positive planned rows in `schedule`: a
    negative line (trop-perçu) waits to be netted against them instead of becoming a recovery order."""
    if not identifiers:
        return set()
    planned = schedule.row_model.objects.filter(status=ScheduleStatus.PLANNED, **{f"{schedule.amount_field}__gt": 0})
    pending: set[str] = set()
    for rows, lookup in schedule.beneficiary_paths:
        pending |= set(planned.filter(rows, **{f"{lookup}__in": identifiers}).values_list(lookup, flat=True).distinct())
    return pending
