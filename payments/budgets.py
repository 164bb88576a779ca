"""Envelopes: the pots of money the missions' commitments draw on, and their append-only ledger.

Three kinds of envelope (`payments.models.Envelope`), each for a period:

- the yearly dotation of a financial section (C. trav. L6332-3, R6332-15 I): alternance, plan < 50,
  reconversion;
- a branch's envelope for a quarter of a section: a branch splits its yearly envelope by quarter for
  the plan < 50 funding;
- a convention's yearly envelope (a convention with the State or a region), named by a key the
  conventions app chooses: payments imports no mission app.

A mission names the envelopes a commitment draws on (`section_key`, `branch_key`, `convention_key`)
and calls `envelope_commit` inside its own transaction when it commits money (a file accepted: its
schedule) or gives it back (a rupture, a recalculation: negative movements); `budget_commit` is the
door of the section dotations. Each movement falls in the month its money is due, and the month
picks the period: a schedule over December and January draws on two yearly dotations, one over
March and April on two quarters of a branch. A commitment drawing on several envelopes (a plan < 50
request: the branch's quarter and the section's dotation) is written on each, or on none.

Exactly enough, under concurrency: every envelope row concerned is locked (SELECT … FOR UPDATE in
ascending id order, whatever the kinds, so that two commits never wait on each other crosswise)
before the ledger is summed, so two simultaneous commits never both take the last euros.

Who may go past an envelope is decided here, for every door (DESIGN.md): a manager who asks, or the
system when the law decides on silence (actor None). `can_overrun(user)` tells screens whether to
offer it. The ledger is its own journal (append-only, who and when on every row): a commitment writes
no audit entry; an envelope entered or changed does, and so does an overrun accepted.
Reads aggregate in SQL: a constant number of queries whatever the volume.

Money freed by a new dotation or credit, whatever the door (the budget screen, a mission's split, a
command): `on_envelope_credited(listener)` lets a mission (registering from its AppConfig.ready(), a
lower layer never importing it) hear, once the transaction commits, of every envelope whose amount
rose — e.g. to decide its waiting list.

Why one module over 600 lines: the commit (locks, sums, refusals) and the dashboards read the same
ledger with the same period arithmetic; apart, each would carry its own copy of how a month picks an
envelope's period.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth

from accounts import roles
from branches.models import Branch
from opco import audit
from opco.models import AuditEntry
from opco.money import euros, round_money
from payments.enums import FinancialSection, LineStatus
from payments.models import (
    BUDGET_FIRST_YEAR,
    BUDGET_LAST_YEAR,
    MONEY,
    BudgetMovement,
    Envelope,
    EnvelopeKind,
    PayableLine,
    SectionBudget,
)

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ALERT_THRESHOLD = Decimal("90")  # percent of the envelope committed from which the dashboard warns
SCOPE_KEY_LENGTH = Envelope._meta.get_field("scope_key").max_length
MONEY_FIELD = models.DecimalField(**MONEY)  # the type of a SQL sum of amounts


class Alert(models.TextChoices):
    OK = "ok", "Dans la dotation"
    THRESHOLD = "seuil", "Seuil de 90 % atteint"
    OVERRUN = "depassement", "Dotation dépassée"
    PAID_OVER = "paiements_au_dela", "Paiements au-delà de la dotation"
    NOT_ENTERED = "non_saisie", "Aucune dotation saisie"


# The same levels, said of a branch's or a convention's envelope.
ENVELOPE_ALERT_LABELS = {
    Alert.OK: "Dans l'enveloppe",
    Alert.THRESHOLD: "Seuil de 90 % atteint",
    Alert.OVERRUN: "Enveloppe dépassée",
    Alert.PAID_OVER: "Paiements au-delà de l'enveloppe",
    Alert.NOT_ENTERED: "Aucune enveloppe saisie",
}


@dataclass(frozen=True)
class _Words:
    """How messages name the amount of an envelope of a kind (« la dotation d'une section »)."""

    noun: str  # « dotation »
    of_noun: str  # « de dotation »
    the: str  # « la dotation »
    holder: str  # « section »: whose envelope it is


WORDS = {
    EnvelopeKind.SECTION: _Words("dotation", "de dotation", "la dotation", "section"),
    EnvelopeKind.BRANCH: _Words("enveloppe", "d'enveloppe", "l'enveloppe", "branche"),
    EnvelopeKind.CONVENTION: _Words("enveloppe", "d'enveloppe", "l'enveloppe", "convention"),
}


def _cents(total: Decimal | None) -> Decimal:
    """A SQL sum as an amount to the cent (SQLite returns 900 for 900.00; NULL for no row)."""
    return round_money(total) if total is not None else ZERO


def section_label(section: str) -> str:
    return FinancialSection(section).label


def _check_section(section: str) -> None:
    if section not in FinancialSection.values:
        raise ValidationError({"section": f"Section financière inconnue : « {section} »."})


def quarter_of(day: date) -> int:
    """1 for January to March … 4 for October to December."""
    return (day.month - 1) // 3 + 1


def can_enter_budgets(user) -> bool:
    """Envelopes are entered by the finance department or a manager."""
    return roles.FINANCE(user) or roles.RESPONSABLE(user)


def can_overrun(user) -> bool:
    """Whether a commitment asked past an envelope goes through for `user`: a manager decides to go
    past (accounts.roles.RESPONSABLE); None is the system, recording what the law decided on silence
    (an implicit acceptance, D6325-2) or what follows a decided file (a recalculation). Anybody else
    is refused, whatever the screen or the API let them ask."""
    return user is None or roles.RESPONSABLE(user)


# --- Keys: which envelopes a commitment draws on -----------------------------------------------------
@dataclass(frozen=True)
class EnvelopeKey:
    """An envelope whatever its period: the month of each movement picks the year (and the quarter, for
    a branch). Build it with `section_key`, `branch_key` or `convention_key`."""

    kind: str
    section: str = ""
    branch_id: int | None = None
    scope_key: str = ""

    def __post_init__(self):
        # Plain strings (not the choices' enum members): keys compare, hash and sort the same whoever
        # built them, which the lock order relies on.
        object.__setattr__(self, "kind", str(self.kind))
        object.__setattr__(self, "section", str(self.section))
        if self.kind not in EnvelopeKind.values:
            raise ValueError(f"Type d'enveloppe inconnu : « {self.kind} ».")
        if self.kind == EnvelopeKind.CONVENTION:
            if not self.scope_key or self.scope_key != self.scope_key.strip() or len(self.scope_key) > SCOPE_KEY_LENGTH:
                raise ValidationError(
                    {"scope_key": f"La clé d'une convention tient en 1 à {SCOPE_KEY_LENGTH} caractères, sans espace autour."}
                )
            if self.section or self.branch_id is not None:
                raise ValueError("Une enveloppe de convention ne porte ni section ni branche.")
            return
        _check_section(self.section)
        if self.scope_key:
            raise ValueError("Seule une enveloppe de convention porte une clé de convention.")
        if (self.kind == EnvelopeKind.BRANCH) != isinstance(self.branch_id, int):
            raise ValueError("Une enveloppe de branche, et elle seule, porte une branche enregistrée.")

    def slot(self, year: int, quarter: int | None) -> tuple:
        """The natural key of this envelope's row for a period (what the database keeps unique)."""
        return (self.kind, self.section, self.branch_id, self.scope_key, year, quarter)

    def period_of(self, month: date) -> tuple[int, int | None]:
        return month.year, quarter_of(month) if self.kind == EnvelopeKind.BRANCH else None


def section_key(section: str) -> EnvelopeKey:
    """The yearly dotations of a financial section (L6332-3)."""
    return EnvelopeKey(EnvelopeKind.SECTION, section=section)


def branch_key(branch: Branch, *, section: str = FinancialSection.PLAN_UNDER_50) -> EnvelopeKey:
    """A branch's quarterly envelopes of a section (plan < 50 unless said otherwise)."""
    if not isinstance(branch, Branch) or branch.pk is None:
        raise ValueError("L'enveloppe d'une branche demande une branche enregistrée.")
    return EnvelopeKey(EnvelopeKind.BRANCH, section=section, branch_id=branch.pk)


def convention_key(scope_key: str) -> EnvelopeKey:
    """A convention's yearly envelopes, by the key its app chose (« convention:42 »)."""
    return EnvelopeKey(EnvelopeKind.CONVENTION, scope_key=(scope_key or "").strip())


def _slot_of(envelope: Envelope) -> tuple:
    return (envelope.kind, envelope.section, envelope.branch_id, envelope.scope_key, envelope.year, envelope.quarter)


def _row(slot: tuple) -> Envelope:
    kind, section, branch_id, scope_key, year, quarter = slot
    return Envelope(kind=kind, section=section, branch_id=branch_id, scope_key=scope_key, year=year, quarter=quarter)


def _matching(slot: tuple) -> Q:
    """The condition selecting the row of a natural key (NULL compared as NULL)."""
    kind, section, branch_id, scope_key, year, quarter = slot
    return (
        Q(kind=kind, section=section, scope_key=scope_key, year=year)
        & (Q(branch_id=branch_id) if branch_id is not None else Q(branch__isnull=True))
        & (Q(quarter=quarter) if quarter is not None else Q(quarter__isnull=True))
    )


def _natural_order(slot: tuple) -> tuple:
    kind, section, branch_id, scope_key, year, quarter = slot
    return kind, section, branch_id or 0, scope_key, year, quarter or 0


def _locked(slots: list[tuple]) -> dict[tuple, Envelope]:
    """The envelope rows of `slots`, created when missing (no amount: « non saisie »), locked until the
    caller's transaction ends. Rows are inserted in their natural order and locked in id order: two
    commits over overlapping envelopes never wait on each other crosswise."""
    Envelope.objects.bulk_create([_row(slot) for slot in sorted(slots, key=_natural_order)], ignore_conflicts=True)
    rows = (
        Envelope.objects.select_for_update(of=("self",))
        .select_related("branch")
        .filter(reduce(or_, map(_matching, slots)))
        .order_by("pk")
    )
    return {_slot_of(envelope): envelope for envelope in rows}


# --- Entering an envelope ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)
_CREDIT_LISTENERS: list[Callable] = []


def on_envelope_credited(listener: Callable) -> Callable:
    """Register `listener(envelope, *, actor, previous)`, called after the commit of any `envelope_set`
    that raised an envelope's amount (`previous` None when none was entered). Registering the same
    listener twice keeps one. A listener's failure is logged: the dotation entered stays entered."""
    if listener not in _CREDIT_LISTENERS:
        _CREDIT_LISTENERS.append(listener)
    return listener


def _credited(envelope: Envelope, *, actor, previous: Decimal | None) -> None:
    for listener in list(_CREDIT_LISTENERS):
        try:
            listener(envelope, actor=actor, previous=previous)
        except Exception:  # one mission's failure never undoes a committed dotation nor stops the others
            logger.exception("Listener %r of envelope %s credited failed", listener, envelope.pk)


def envelope_set(
    *,
    actor,
    key: EnvelopeKey,
    year: int,
    quarter: int | None = None,
    amount: Decimal,
    source: str = "",
    label: str = "",
    origin: str = AuditEntry.Source.WEB,
) -> Envelope:
    """Enter or change the amount of an envelope for its period; audited with its old value. `quarter`
    (1 to 4) for a branch's envelope only; `label` (its readable name) for a convention's only.

    An amount lower than what is already committed is accepted (the notification is what it is): the
    dashboard then shows the overrun. Refused (ValidationError, nothing changed) when negative."""
    if not can_enter_budgets(actor):
        raise PermissionDenied("Seuls le service financier et les responsables saisissent les dotations et les enveloppes.")
    words = WORDS[key.kind]
    if amount is None:
        raise ValidationError({"amount": f"Indiquez le montant de {words.the}."})
    if isinstance(amount, float):
        raise TypeError("Un montant ne se calcule jamais en float : utilisez Decimal.")
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": f"{words.the.capitalize()} d'une {words.holder} ne peut pas être négative."})
    if round_money(amount) != amount:
        raise ValidationError({"amount": f"{words.the.capitalize()} se saisit au centime près (deux décimales au plus)."})
    amount = round_money(amount)  # 500 → 500.00, as the database keeps it (and the audit shows it)
    if not BUDGET_FIRST_YEAR <= year <= BUDGET_LAST_YEAR:
        raise ValidationError({"year": f"L'année doit être comprise entre {BUDGET_FIRST_YEAR} et {BUDGET_LAST_YEAR}."})
    if key.kind == EnvelopeKind.BRANCH and quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "Indiquez le trimestre (1 à 4) de l'enveloppe de la branche."})
    if key.kind != EnvelopeKind.BRANCH and quarter is not None:
        raise ValidationError({"quarter": "Seules les enveloppes de branche se découpent par trimestre."})
    if label and key.kind != EnvelopeKind.CONVENTION:
        raise ValidationError({"label": "Seule une enveloppe de convention porte un intitulé."})
    fields = ["amount", "source", "label"] if key.kind == EnvelopeKind.CONVENTION else ["amount", "source"]
    with transaction.atomic():
        envelope = _locked([key.slot(year, quarter)])[key.slot(year, quarter)]
        before = audit.snapshot(envelope, fields)
        previous = envelope.amount
        envelope.amount, envelope.source, envelope.updated_by = amount, source.strip(), actor
        if key.kind == EnvelopeKind.CONVENTION:
            envelope.label = label.strip() or envelope.label
        envelope.full_clean()
        envelope.save()
        was = "non saisie" if previous is None else euros(previous)
        audit.record(
            actor=actor,
            action="payments.budget.set",
            target=envelope,
            changes=audit.diff(before, audit.snapshot(envelope, fields)),
            summary=f"{words.noun.capitalize()} de la {envelope.named} : {euros(amount)} (auparavant {was})",
            source=origin,
        )
        if amount > (previous or ZERO):
            transaction.on_commit(lambda: _credited(envelope, actor=actor, previous=previous))
    return envelope


def section_budget_set(
    *, actor, year: int, section: str, amount: Decimal, source: str = "", origin: str = AuditEntry.Source.WEB
) -> Envelope:
    """Enter or change the dotation of a section for a year (L6332-3): `envelope_set` of its key."""
    return envelope_set(actor=actor, key=section_key(section), year=year, amount=amount, source=source, origin=origin)


def branch_envelope_set(
    *,
    actor,
    branch: Branch,
    year: int,
    quarter: int,
    amount: Decimal,
    section: str = FinancialSection.PLAN_UNDER_50,
    source: str = "",
    origin: str = AuditEntry.Source.WEB,
) -> Envelope:
    """Enter or change a branch's envelope for a quarter of a section: `envelope_set` of its key."""
    return envelope_set(
        actor=actor,
        key=branch_key(branch, section=section),
        year=year,
        quarter=quarter,
        amount=amount,
        source=source,
        origin=origin,
    )


# --- Commitments -------------------------------------------------------------------------------------
class BudgetExceeded(ValidationError):
    """A commitment that would take an envelope past its amount for a period; nothing was written."""

    code_name = "budget_exceeded"

    def __init__(self, *, envelope: Envelope, committed: Decimal, requested: Decimal, reference: str = ""):
        self.envelope, self.reference = envelope, reference
        self.kind, self.section, self.year, self.quarter = envelope.kind, envelope.section, envelope.year, envelope.quarter
        self.budget, self.committed, self.requested = envelope.amount, committed, requested
        self.excess = committed + requested - envelope.amount
        super().__init__(self.sentence(), code=self.code_name)

    def sentence(self) -> str:
        return (
            f"Engagement refusé : la {self.envelope.named} a une {WORDS[self.kind].noun} de {euros(self.budget)} ; "
            f"{euros(self.committed)} sont déjà engagés ; ce dossier ajoute {euros(self.requested)} "
            f"(dépassement de {euros(self.excess)})."
        )

    def __str__(self) -> str:
        # The sentence itself (ValidationError would give the repr of a list): ready for messages.error().
        return self.message


class OverrunNotAllowed(BudgetExceeded):
    """An overrun asked by someone who may not decide it (`can_overrun`): refused as any overrun is,
    nothing written, and the sentence says who may."""

    code_name = "budget_overrun_not_allowed"

    def sentence(self) -> str:
        return f"{super().sentence()} Seul un responsable peut accepter ce dépassement."


def _grouped(movements: list[tuple[date, Decimal]]) -> dict[date, Decimal]:
    """Net amount per calendar month (first day of the month), months netting to zero left out."""
    by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for due, amount in movements:
        if not isinstance(due, date):
            raise TypeError(f"Date d'échéance attendue, reçu {due!r}.")
        if isinstance(amount, float):
            raise TypeError("Un montant ne se calcule jamais en float : utilisez Decimal.")
        amount = Decimal(amount)
        if round_money(amount) != amount:
            raise ValueError(f"{amount} n'est pas arrondi au centime.")
        by_month[date(due.year, due.month, 1)] += amount
    return {month: amount for month, amount in sorted(by_month.items()) if amount}


def envelope_commit(
    *,
    actor,
    envelopes: list[EnvelopeKey],
    source: models.Model,
    reference: str,
    movements: list[tuple[date, Decimal]],
    label: str = "",
    allow_overrun: bool = False,
    origin: str = AuditEntry.Source.WEB,
) -> list[BudgetMovement]:
    """Record money a mission commits (positive) or gives back (negative) on each of `envelopes`.

    `movements` are (due date, amount) pairs, e.g. a schedule's instalments; they are netted per
    calendar month and each month draws, on every envelope listed, on that envelope's period (its
    year; its quarter for a branch). For every envelope of a period whose net added amount is positive,
    committed + added must stay within its amount: otherwise BudgetExceeded is raised and nothing is
    written on any envelope — unless `allow_overrun` is asked by an actor who may decide it
    (`can_overrun`: a manager, or None for the system), in which case the movements of the envelopes
    passed are written with `overrun=True` and an audit entry records each; asked by anybody else,
    OverrunNotAllowed (a BudgetExceeded) is raised and nothing is written. An envelope with no amount
    entered is accepted (the dashboard raises « non saisie »); a net non-positive period is never
    refused.

    Call it inside the caller's transaction (its own atomic block is then a savepoint): the envelope
    rows stay locked until the caller commits, so simultaneous commitments are checked one after the
    other. Returns the movements written, envelope by envelope (none when every month nets to zero)."""
    if not envelopes:
        raise ValueError("Un engagement porte sur au moins une enveloppe.")
    if len(set(envelopes)) != len(envelopes):
        raise ValueError("Une même enveloppe est citée deux fois.")
    if source is None or source.pk is None:
        raise ValueError("L'origine d'un engagement doit être un objet enregistré.")
    by_month = _grouped(movements)
    if not by_month:
        return []
    for month in by_month:
        if not BUDGET_FIRST_YEAR <= month.year <= BUDGET_LAST_YEAR:
            raise ValidationError(f"Échéance hors de la plage acceptée ({month.year}) pour le dossier {reference}.")
    # Envelope by envelope as listed, periods in order: the slots (natural keys) and what each adds.
    added: dict[tuple, Decimal] = {}
    months_of: dict[tuple, list[date]] = defaultdict(list)
    for key in envelopes:
        for month, amount in by_month.items():
            slot = key.slot(*key.period_of(month))
            added[slot] = added.get(slot, ZERO) + amount
            months_of[slot].append(month)
    user = actor if getattr(actor, "is_authenticated", False) else None

    with transaction.atomic():
        rows = _locked(list(added))
        # Summed after the locks: this statement sees every commitment committed before ours.
        committed = {
            envelope_id: _cents(total)
            for envelope_id, total in BudgetMovement.objects.filter(budget__in=list(rows.values()))
            .order_by()
            .values_list("budget")
            .annotate(total=Sum("amount"))
        }
        passed: list[BudgetExceeded] = []
        for slot, requested in added.items():
            envelope = rows[slot]
            already = committed.get(envelope.pk, ZERO)
            if requested > 0 and envelope.amount is not None and already + requested > envelope.amount:
                passed.append(BudgetExceeded(envelope=envelope, committed=already, requested=requested, reference=reference))
        if passed and not allow_overrun:
            raise passed[0]
        if passed and not can_overrun(actor):
            first = passed[0]
            raise OverrunNotAllowed(
                envelope=first.envelope, committed=first.committed, requested=first.requested, reference=reference
            )
        overrun = {refusal.envelope.pk for refusal in passed}

        source_type = ContentType.objects.get_for_model(source)
        by_slot = [
            BudgetMovement(
                budget=rows[slot],
                month=month,
                amount=by_month[month],
                source_type=source_type,
                source_id=source.pk,
                reference=reference,
                label=label,
                overrun=rows[slot].pk in overrun,
                created_by=user,
            )
            for slot, months in months_of.items()
            for month in months
        ]
        for row in by_slot:
            # Field checks only: the constraints are the database's, the foreign keys were just read.
            row.full_clean(exclude=["budget", "source_type", "created_by"], validate_unique=False, validate_constraints=False)
        written = BudgetMovement.objects.bulk_create(by_slot)
        for refusal in passed:
            envelope, words = refusal.envelope, WORDS[refusal.kind]
            audit.record(
                actor=actor,
                action="payments.budget.overrun_accepted",
                target=envelope,
                changes={
                    "reference": reference,
                    "dotation": str(envelope.amount),
                    "engage_avant": str(refusal.committed),
                    "ajoute": str(refusal.requested),
                    "depassement": str(refusal.excess),
                },
                summary=(
                    f"Dépassement {words.of_noun} accepté : {reference} ajoute {euros(refusal.requested)} à la "
                    f"{envelope.named} ({euros(refusal.committed)} déjà engagés sur {euros(envelope.amount)}, "
                    f"dépassement de {euros(refusal.excess)})"
                ),
                source=origin,
            )
    return written


class EnvelopeBatch:
    """Many commitments decided one after the other under one lock of their envelopes (a bulk decision
    of thousands of files): the envelope rows of `envelopes` × the periods of `months` are locked and
    summed once; `try_commit` then accepts a commitment only when every envelope it draws on keeps room
    (the same rule as `envelope_commit`, no overrun), all or nothing, and keeps the running totals;
    `flush` writes the accepted movements in one insert. Use inside the caller's transaction."""

    def __init__(self, *, actor, envelopes: list[EnvelopeKey], months: list[date]):
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        slots = {key.slot(*key.period_of(date(m.year, m.month, 1))) for key in envelopes for m in months}
        self.rows = _locked(list(slots)) if slots else {}
        self.totals = {
            envelope_id: _cents(total)
            for envelope_id, total in BudgetMovement.objects.filter(budget__in=list(self.rows.values()))
            .order_by()
            .values_list("budget")
            .annotate(total=Sum("amount"))
        }
        self.pending: list[BudgetMovement] = []

    def try_commit(
        self,
        *,
        envelopes: list[EnvelopeKey],
        source: models.Model,
        reference: str,
        movements: list[tuple[date, Decimal]],
        label: str = "",
    ) -> bool:
        by_month = _grouped(movements)
        added: dict[tuple, Decimal] = {}
        for key in envelopes:
            for month, amount in by_month.items():
                slot = key.slot(*key.period_of(month))
                if slot not in self.rows:
                    raise ValueError(f"Enveloppe non verrouillée par le lot : {slot}.")
                added[slot] = added.get(slot, ZERO) + amount
        for slot, amount in added.items():
            envelope = self.rows[slot]
            if amount > 0 and envelope.amount is not None and self.totals.get(envelope.pk, ZERO) + amount > envelope.amount:
                return False
        source_type = ContentType.objects.get_for_model(source)
        for key in envelopes:
            for month, amount in by_month.items():
                envelope = self.rows[key.slot(*key.period_of(month))]
                self.totals[envelope.pk] = self.totals.get(envelope.pk, ZERO) + amount
                self.pending.append(
                    BudgetMovement(
                        budget=envelope,
                        month=month,
                        amount=amount,
                        source_type=source_type,
                        source_id=source.pk,
                        reference=reference,
                        label=label,
                        created_by=self.actor,
                    )
                )
        return True

    def flush(self) -> list[BudgetMovement]:
        written = BudgetMovement.objects.bulk_create(self.pending, batch_size=2000)
        self.pending = []
        return written


def budget_commit(
    *,
    actor,
    section: str,
    source: models.Model,
    reference: str,
    movements: list[tuple[date, Decimal]],
    label: str = "",
    allow_overrun: bool = False,
    origin: str = AuditEntry.Source.WEB,
) -> list[BudgetMovement]:
    """Record a commitment on a section's yearly dotations only (L6332-3): `envelope_commit` on
    `section_key(section)`, with the same refusals, overrun rule and locking."""
    return envelope_commit(
        actor=actor,
        envelopes=[section_key(section)],
        source=source,
        reference=reference,
        movements=movements,
        label=label,
        allow_overrun=allow_overrun,
        origin=origin,
    )


def budget_net_by_month(source: models.Model) -> dict[tuple[str, date], Decimal]:
    """What the section ledger holds for one source object: net amount per (section, month), zeros
    left out. A mission recalculating a commitment subtracts this from its new schedule to get the
    movements to commit (a rupture: the negative remainder). Branch and convention envelopes are left
    out: the same money is on the section, counted once here."""
    rows = (
        BudgetMovement.objects.filter(
            source_type=ContentType.objects.get_for_model(source), source_id=source.pk, budget__kind=EnvelopeKind.SECTION
        )
        .order_by()
        .values_list("budget__section", "month")
        .annotate(total=Sum("amount"))
    )
    return {(section, month): _cents(total) for section, month, total in rows if total}


# --- Reads -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnvelopeFigures:
    kind: str
    label: str  # the section's label; for a convention, its readable name
    year: int
    budget: Decimal | None  # None: not entered
    committed: Decimal
    paid: Decimal
    overrun_count: int  # movements recorded past the envelope with an acknowledgement
    section: str = ""
    quarter: int | None = None
    branch_id: int | None = None
    branch_name: str = ""
    scope_key: str = ""
    budget_id: int | None = None
    source: str = ""
    # Paid on the commitments of the year (lines due in the year, whenever paid): compared with the
    # dotation they were committed on. `paid` is every payment made in the year (runs executed that
    # year), commitments of earlier years included: the bank's view, it may exceed what was committed.
    paid_on_commitments: Decimal | None = None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def percent(self) -> Decimal | None:
        """Share of the envelope committed, rounded down to 0.01 (never shows 90 % below 90 %)."""
        if not self.budget:
            return None
        return (self.committed * HUNDRED / self.budget).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def alert(self) -> str:
        if self.budget is None:
            return Alert.NOT_ENTERED
        if self.committed > self.budget or self.overrun_count:
            return Alert.OVERRUN
        # Never « dans la dotation » while the year's payments go past it (a green badge under
        # « Payé 219 658,77 € » for a smaller dotation misled): said apart from an overrun of commitments.
        if max(self.paid, self.paid_on_commitments or ZERO) > self.budget:
            return Alert.PAID_OVER
        # Exact comparison (no rounding): 89.99 % is fine, 90 % warns.
        if self.budget > 0 and self.committed * HUNDRED >= self.budget * ALERT_THRESHOLD:
            return Alert.THRESHOLD
        return Alert.OK

    @property
    def alert_label(self) -> str:
        return Alert(self.alert).label if self.kind == EnvelopeKind.SECTION else ENVELOPE_ALERT_LABELS[self.alert]

    @property
    def title(self) -> str:
        """The envelope on a screen, without its year (the page's): « Branche « Métallurgie », section
        « … », T2 », « Convention « EDEC numérique » », « Section « Alternance » »."""
        if self.kind == EnvelopeKind.BRANCH:
            return f"Branche « {self.branch_name} », section « {self.label} », T{self.quarter}"
        if self.kind == EnvelopeKind.CONVENTION:
            return f"Convention « {self.label} »"
        return f"Section « {self.label} »"


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _paid_lines(year: int, section: str | None = None):
    """Payable lines paid in `year`: their run was executed (the bank debited it) that year."""
    start, end = _year_range(year)
    lines = PayableLine.objects.filter(status=LineStatus.PAID, run__execution_date__gte=start, run__execution_date__lt=end)
    return lines.filter(section=section) if section else lines.exclude(section="")


def section_dashboard(year: int) -> list[EnvelopeFigures]:
    """The three sections for a year, in the order of L6332-3: dotation, committed (net movements of
    the year), paid on those commitments (lines due in the year), all payments made in the year
    (lines paid by a run executed in the year, earlier commitments included), overruns. Three
    queries, whatever the volume."""
    budgets = {budget.section: budget for budget in SectionBudget.objects.filter(year=year)}
    movements = {
        section: (total, overruns)
        for section, total, overruns in BudgetMovement.objects.filter(budget__kind=EnvelopeKind.SECTION, budget__year=year)
        .order_by()
        .values_list("budget__section")
        .annotate(total=Sum("amount"), overruns=Count("id", filter=Q(overrun=True)))
    }
    start, end = _year_range(year)
    in_year = Q(run__execution_date__gte=start, run__execution_date__lt=end)
    due_in_year = Q(due_date__gte=start, due_date__lt=end)
    paid, paid_on_commitments = {}, {}
    for section, made, on_commitments in (
        PayableLine.objects.filter(Q(status=LineStatus.PAID) & (in_year | due_in_year))
        .exclude(section="")
        .order_by()
        .values_list("section")
        .annotate(made=Sum("amount", filter=in_year), on_commitments=Sum("amount", filter=due_in_year))
    ):
        paid[section], paid_on_commitments[section] = _cents(made), _cents(on_commitments)
    figures = []
    for section in FinancialSection:
        budget = budgets.get(section.value)
        total, overruns = movements.get(section.value, (ZERO, 0))
        figures.append(
            EnvelopeFigures(
                kind=EnvelopeKind.SECTION,
                section=section.value,
                label=section.label,
                year=year,
                budget=budget.amount if budget else None,
                committed=_cents(total),
                paid=paid.get(section.value, ZERO),
                paid_on_commitments=paid_on_commitments.get(section.value, ZERO),
                overrun_count=overruns,
                budget_id=budget.pk if budget else None,
                source=budget.source if budget else "",
            )
        )
    return figures


def _envelope_figures(kind: str, year: int) -> list[EnvelopeFigures]:
    """The envelopes of a kind (branch or convention) entered or drawn on in `year`, with their
    committed (net movements), overruns and paid, in one query.

    Paid counts the payable lines paid (run executed) within the envelope's period whose source object
    is one that committed on the same envelope family (the branch and section, or the convention):
    a mission drawing on these envelopes commits each object it pays through (a funding request paid
    in one line, or each payment of a schedule). Paid is thus by payment date, like the sections'."""
    movements = BudgetMovement.objects.filter(budget=OuterRef("pk")).order_by().values("budget")
    family = BudgetMovement.objects.filter(
        source_type=OuterRef("source_type"), source_id=OuterRef("source_id"), budget__kind=kind
    )
    paid = PayableLine.objects.filter(status=LineStatus.PAID, run__execution_date__year=OuterRef("year"))
    if kind == EnvelopeKind.BRANCH:
        family = family.filter(budget__branch=OuterRef(OuterRef("branch")), budget__section=OuterRef(OuterRef("section")))
        paid = paid.filter(run__execution_date__quarter=OuterRef("quarter"))
        order = ["branch__name", "branch_id", "section", "quarter"]
    else:
        family = family.filter(budget__scope_key=OuterRef(OuterRef("scope_key")))
        order = ["label", "scope_key"]
    paid = paid.filter(Exists(family)).order_by().values("status").annotate(total=Sum("amount")).values("total")
    rows = (
        Envelope.objects.filter(kind=kind, year=year)
        .select_related("branch")
        .annotate(
            committed=Subquery(movements.annotate(total=Sum("amount")).values("total"), output_field=MONEY_FIELD),
            overruns=Coalesce(
                Subquery(movements.annotate(count=Count("id", filter=Q(overrun=True))).values("count")),
                0,
                output_field=IntegerField(),
            ),
            paid=Subquery(paid, output_field=MONEY_FIELD),
        )
        .order_by(*order)
    )
    return [
        EnvelopeFigures(
            kind=kind,
            label=(envelope.label or envelope.scope_key) if kind == EnvelopeKind.CONVENTION else envelope.get_section_display(),
            year=year,
            budget=envelope.amount,
            committed=_cents(envelope.committed),
            paid=_cents(envelope.paid),
            overrun_count=envelope.overruns,
            section=envelope.section,
            quarter=envelope.quarter,
            branch_id=envelope.branch_id,
            branch_name=envelope.branch.name if envelope.branch_id else "",
            scope_key=envelope.scope_key,
            budget_id=envelope.pk,
            source=envelope.source,
        )
        for envelope in rows
    ]


def branch_dashboard(year: int) -> list[EnvelopeFigures]:
    """Every branch quarter envelope of `year` (entered, or drawn on with none entered), by branch,
    section and quarter: amount, committed, paid, overruns. One query."""
    return _envelope_figures(EnvelopeKind.BRANCH, year)


def convention_dashboard(year: int) -> list[EnvelopeFigures]:
    """Every convention envelope of `year`, by name: amount, committed, paid, overruns. One query."""
    return _envelope_figures(EnvelopeKind.CONVENTION, year)


@dataclass(frozen=True)
class MonthFigures:
    month: date
    committed: Decimal  # net: commitments − de-commitments
    commitments: Decimal  # positive movements
    releases: Decimal  # negative movements, as a positive amount
    paid: Decimal


def monthly_series(year: int, section: str | None = None) -> list[MonthFigures]:
    """Committed on the section dotations (by due month) and paid (by run execution month) per month
    of `year`, for one section or all three: always 12 entries, January first. Two queries."""
    if section:
        _check_section(section)
    movements = BudgetMovement.objects.filter(budget__kind=EnvelopeKind.SECTION, budget__year=year)
    if section:
        movements = movements.filter(budget__section=section)
    committed = {
        month: (total, plus, minus)
        for month, total, plus, minus in movements.order_by()
        .values_list("month")
        .annotate(total=Sum("amount"), plus=Sum("amount", filter=Q(amount__gt=0)), minus=Sum("amount", filter=Q(amount__lt=0)))
    }
    paid = {
        month: _cents(total)
        for month, total in _paid_lines(year, section)
        .order_by()
        .annotate(paid_month=TruncMonth("run__execution_date"))
        .values_list("paid_month")
        .annotate(total=Sum("amount"))
    }
    series = []
    for number in range(1, 13):
        month = date(year, number, 1)
        total, plus, minus = committed.get(month, (None, None, None))
        series.append(
            MonthFigures(
                month=month,
                committed=_cents(total),
                commitments=_cents(plus),
                releases=-_cents(minus),
                paid=paid.get(month, ZERO),
            )
        )
    return series


def latest_movements(year: int, limit: int = 20):
    """The last movements recorded against the envelopes of `year`, every kind, newest first."""
    return (
        BudgetMovement.objects.filter(budget__year=year)
        .select_related("budget", "budget__branch", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def budget_history(year: int):
    """The audit entries of the envelopes of `year`, every kind (entries, changes, overruns
    accepted), newest first."""
    envelopes = [str(pk) for pk in Envelope.objects.filter(year=year).values_list("pk", flat=True)]
    return (
        AuditEntry.objects.filter(target_type=ContentType.objects.get_for_model(Envelope), target_id__in=envelopes)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
