"""The one workflow engine of every file the OPCO instructs (DESIGN.md, the spine, points 1–2).

A file kind declares a `Workflow`: its model (an `opco.instruction.InstructedFile`), its table of
`Action`s (from which statuses, to which status, for which kinds of file, who may, what must hold
first) and how its audit entries are named. Every transition runs the same way (pretix's pattern):

    lock the row (SELECT … FOR UPDATE) → re-check the status, the kind, the role and the
    precondition under the lock → apply the fields → full_clean + save → audit entry and
    transition log → the kind's notification, scheduled on commit.

A refusal raises `TransitionRefused` (a ValidationError with a French message) and changes nothing.
Services of a mission call `lock` + `apply` inside their own transaction when the transition carries
side effects of its own (a commitment, a payable schedule), or `transition` for a plain one.
Registered workflows (`register`) are what the overdue lists and the reminders walk.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from opco import audit
from opco.access import Role
from opco.models import TransitionLog


class TransitionRefused(ValidationError):
    pass


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    allowed_from: tuple[str, ...]
    to_status: str
    kinds: tuple[str, ...] = ()  # kinds of file it applies to (the workflow's `kind_field`); empty: all
    automatic: bool = False  # recorded by a beat task (the law decides on silence), never offered on a screen
    roles: tuple[Role, ...] = ()  # who may; empty: the workflow's `default_roles`
    precondition: Callable[[Any], str] | None = None  # under the lock: "" to go on, else the French refusal
    decides: bool = False  # a decision: the engine records who took it (`decided_by`; None: the law)


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (bool, int, list)):
        return value
    return str(value)


@dataclass(frozen=True)
class Workflow:
    code: str  # names the audit actions (« contract_accept ») and the transition log rows
    model: type[models.Model]
    actions: tuple[Action, ...]
    noun: Callable[[Any], str]  # « le dossier AP2025… », « la période RC… » in refusals
    kind_field: str = ""
    default_roles: tuple[Role, ...] = ()
    clean_exclude: tuple[str, ...] = ()  # foreign keys full_clean need not re-read
    audit_value: Callable[[Any], Any] = _audit_value
    audit_skip: tuple[str, ...] = ()  # fields too long or too personal for the audit's changes
    deadline: Callable[[Any], Any] | None = None  # the file's decision clock: an opco.calendar.Deadline
    label: str = ""  # « Contrats en alternance »: how the deadline lists name the kind
    awaiting_decision: tuple[str, ...] = ()  # statuses in which the decision clock runs
    detail_url: Callable[[Any], str] | None = None
    by_code: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_code", {action.code: action for action in self.actions})

    def action(self, code: str) -> Action:
        return self.by_code[code]

    def _applies(self, file, action: Action) -> bool:
        return file.status in action.allowed_from and (
            not action.kinds or not self.kind_field or getattr(file, self.kind_field) in action.kinds
        )

    def may(self, user, action: Action) -> bool:
        """Whether `user` may take `action` (None is the system: beat tasks, the law on silence)."""
        if user is None:
            return True
        allowed = action.roles or self.default_roles
        return not allowed or any(role(user) for role in allowed)

    def available(self, file, user=None) -> list[Action]:
        """The actions a screen offers on `file` (to `user` when given)."""
        return [
            action
            for action in self.actions
            if not action.automatic and self._applies(file, action) and (user is None or self.may(user, action))
        ]

    def lock(self, pk: int, code: str, *, actor=None) -> tuple[Any, Action]:
        """Lock the file's row and re-check the action (call inside a transaction; a refusal changes
        nothing)."""
        action = self.by_code[code]
        file = self.model.objects.select_for_update(of=("self",)).get(pk=pk)
        if not self._applies(file, action):
            raise TransitionRefused(f"« {action.label} » est impossible : {self.noun(file)} est « {file.get_status_display()} ».")
        if not self.may(actor, action):
            raise TransitionRefused(f"Votre rôle ne permet pas « {action.label} » sur {self.noun(file)}.")
        if action.precondition is not None:
            refusal = action.precondition(file)
            if refusal:
                raise TransitionRefused(refusal)
        return file, action

    def apply(self, file, action: Action, *, actor, summary: str = "", to_status: str | None = None, **fields) -> Any:
        """Move the locked file to the action's status (or `to_status`, when the decision itself goes
        further, as D6325-2's deposit on acceptance) with `fields`; audit it and log the transition."""
        before = file.status
        file.status = to_status or action.to_status
        for name, value in fields.items():
            setattr(file, name, value)
        if action.decides:
            file.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        file.full_clean(exclude=list(self.clean_exclude))
        file.save()
        label = summary or action.label
        audit.record(
            actor=actor,
            action=f"{self.code}_{action.code}",
            target=file,
            changes={
                "status": [before, file.status],
                **{k: [None, self.audit_value(v)] for k, v in fields.items() if k not in self.audit_skip},
            },
            summary=label,
        )
        TransitionLog.objects.create(
            target=file,
            workflow=self.code,
            action=action.code,
            action_label=action.label,
            from_status=before,
            to_status=file.status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            summary=label[:500],
        )
        for listener in _LISTENERS:
            listener(self, file, action, before)
        return file

    def transition(self, *, actor, pk: int, code: str, **fields) -> Any:
        """A plain transition: no side effect beyond the fields given."""
        with transaction.atomic():
            file, action = self.lock(pk, code, actor=actor)
            return self.apply(file, action, actor=actor, **fields)


_REGISTRY: dict[str, Workflow] = {}
DUE_SOON_DAYS = 5  # the deadline lists, the home panel and the reminders warn 5 days before a decision is due
# Called inside the transition's transaction with (workflow, file, action, status before): how a higher
# layer (notifications: cancel the reminders of a decided file) follows every file without opco knowing it.
_LISTENERS: list[Callable[[Workflow, Any, Action, str], None]] = []


def on_transition(listener: Callable[[Workflow, Any, Action, str], None]) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def register(workflow: Workflow) -> Workflow:
    """Called where a file kind declares its workflow; the overdue lists walk what is registered."""
    _REGISTRY[workflow.code] = workflow
    return workflow


def registered() -> Iterable[Workflow]:
    return list(_REGISTRY.values())


def transitions_of(file: models.Model) -> list[TransitionLog]:
    """The transition log of one file, oldest first, with the statuses' French labels (the file's
    page shows it)."""
    from django.contrib.contenttypes.models import ContentType

    labels = dict(file._meta.get_field("status").choices or ())
    steps = list(
        TransitionLog.objects.filter(target_type=ContentType.objects.get_for_model(file), target_id=file.pk).select_related(
            "actor"
        )
    )
    for step in steps:
        step.from_label = labels.get(step.from_status, step.from_status)
        step.to_label = labels.get(step.to_status, step.to_status)
    return steps


@dataclass(frozen=True)
class DueFile:
    workflow: Workflow
    file: Any
    due_on: Any  # date
    overdue: bool

    @property
    def url(self) -> str:
        return self.workflow.detail_url(self.file) if self.workflow.detail_url else ""


def files_due(*, today, within_days: int, assigned_to=None, unassigned: bool = False) -> list[DueFile]:
    """Files of every registered kind waiting for a decision whose deadline has passed or falls within
    `within_days`, soonest first; those of one staff member (`assigned_to`) or nobody's (`unassigned`)."""
    from datetime import timedelta

    rows: list[DueFile] = []
    for workflow in registered():
        if not workflow.awaiting_decision:
            continue
        files = workflow.model.objects.filter(
            status__in=workflow.awaiting_decision, decision_due_on__lte=today + timedelta(days=within_days)
        ).select_related("assigned_to")
        if assigned_to is not None:
            files = files.filter(assigned_to=assigned_to)
        elif unassigned:
            files = files.filter(assigned_to__isnull=True)
        rows.extend(DueFile(workflow, file, file.decision_due_on, file.decision_due_on < today) for file in files[:1000])
    return sorted(rows, key=lambda row: (row.due_on, row.workflow.code, row.file.pk))
