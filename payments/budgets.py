"""The three financial sections (C. trav. L6332-3, R6332-15 I): alternance, plan < 50, reconversion.

Each section has a yearly dotation (`SectionBudget`) and an append-only commitment ledger
(`BudgetMovement`). The missions call `budget_commit` inside their own transaction when they commit
money (a contract accepted: its instalments) or give it back (a rupture, a recalculation: negative
movements). Each movement falls in the month its money is due; the year of that month decides which
dotation it draws on, so a schedule spanning December and January draws on two budgets.

Exactly enough, under concurrency: the dotation rows of the years concerned are locked (SELECT … FOR
UPDATE, ascending years so that two commits never wait on each other crosswise) before the ledger is
summed, so two simultaneous commits never both take the last euros.

The ledger is its own journal (append-only, who and when on every row): a normal commitment writes
no audit entry; a dotation entered or changed does, and so does an overrun accepted past a dotation.
Reads (`section_dashboard`, `monthly_series`) aggregate in SQL: a constant number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from accounts import roles
from opco import audit
from opco.models import AuditEntry
from opco.money import round_money
from payments.enums import FinancialSection, LineStatus
from payments.models import BUDGET_FIRST_YEAR, BUDGET_LAST_YEAR, BudgetMovement, PayableLine, SectionBudget

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ALERT_THRESHOLD = Decimal("90")  # percent of the dotation committed from which the dashboard warns


class Alert(models.TextChoices):
    OK = "ok", "Dans la dotation"
    THRESHOLD = "seuil", "Seuil de 90 % atteint"
    OVERRUN = "depassement", "Dotation dépassée"
    NOT_ENTERED = "non_saisie", "Aucune dotation saisie"


def euros(amount: Decimal) -> str:
    """1000000 → « 1 000 000,00 € » (narrow no-break spaces between thousands), sign kept."""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    return f"{sign}{int(whole):,}".replace(",", "\u202f") + f",{cents} €"


def _cents(total: Decimal | None) -> Decimal:
    """A SQL sum as an amount to the cent (SQLite returns 900 for 900.00; NULL for no row)."""
    return round_money(total) if total is not None else ZERO


def section_label(section: str) -> str:
    return FinancialSection(section).label


def _check_section(section: str) -> None:
    if section not in FinancialSection.values:
        raise ValidationError({"section": f"Section financière inconnue : « {section} »."})


def can_enter_budgets(user) -> bool:
    """Dotations are entered by the finance department or a manager."""
    return roles.FINANCE(user) or roles.RESPONSABLE(user)


# --- Dotations ------------------------------------------------------------------------------------
def section_budget_set(
    *, actor, year: int, section: str, amount: Decimal, source: str = "", origin: str = AuditEntry.Source.WEB
) -> SectionBudget:
    """Enter or change the dotation of a section for a year (L6332-3); audited with its old value.

    A dotation lower than what is already committed is accepted (the notification is what it is):
    the dashboard then shows the overrun. Refused (ValidationError, nothing changed) when negative."""
    if not can_enter_budgets(actor):
        raise PermissionDenied("Seuls le service financier et les responsables saisissent les dotations des sections.")
    _check_section(section)
    if amount is None:
        raise ValidationError({"amount": "Indiquez le montant de la dotation."})
    if isinstance(amount, float):
        raise TypeError("Un montant ne se calcule jamais en float : utilisez Decimal.")
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": "La dotation d'une section ne peut pas être négative."})
    if round_money(amount) != amount:
        raise ValidationError({"amount": "La dotation se saisit au centime près (deux décimales au plus)."})
    amount = round_money(amount)  # 500 → 500.00, as the database keeps it (and the audit shows it)
    if not BUDGET_FIRST_YEAR <= year <= BUDGET_LAST_YEAR:
        raise ValidationError({"year": f"L'année doit être comprise entre {BUDGET_FIRST_YEAR} et {BUDGET_LAST_YEAR}."})
    with transaction.atomic():
        SectionBudget.objects.bulk_create([SectionBudget(year=year, section=section)], ignore_conflicts=True)
        budget = SectionBudget.objects.select_for_update(of=("self",)).get(year=year, section=section)
        before = audit.snapshot(budget, ["amount", "source"])
        previous = budget.amount
        budget.amount, budget.source, budget.updated_by = amount, source.strip(), actor
        budget.full_clean()
        budget.save()
        was = "non saisie" if previous is None else euros(previous)
        audit.record(
            actor=actor,
            action="payments.budget.set",
            target=budget,
            changes=audit.diff(before, audit.snapshot(budget, ["amount", "source"])),
            summary=f"Dotation de la {_named(section, year)} : {euros(amount)} (auparavant {was})",
            source=origin,
        )
    return budget


def _named(section: str, year: int) -> str:
    return f"section « {section_label(section)} » {year}"


# --- Commitments ----------------------------------------------------------------------------------
class BudgetExceeded(ValidationError):
    """A commitment that would take a section past its dotation for a year; nothing was written."""

    def __init__(self, *, section: str, year: int, budget: Decimal, committed: Decimal, requested: Decimal, reference: str = ""):
        self.section, self.year, self.reference = section, year, reference
        self.budget, self.committed, self.requested = budget, committed, requested
        self.excess = committed + requested - budget
        super().__init__(
            f"Engagement refusé : la {_named(section, year)} a une dotation de {euros(budget)} ; "
            f"{euros(committed)} sont déjà engagés ; ce dossier ajoute {euros(requested)} "
            f"(dépassement de {euros(self.excess)}).",
            code="budget_exceeded",
        )

    def __str__(self) -> str:
        # The sentence itself (ValidationError would give the repr of a list): ready for messages.error().
        return self.message


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
    """Record money a mission commits (positive) or gives back (negative) in a section's ledger.

    `movements` are (due date, amount) pairs, e.g. a commitment's instalments; they are netted per
    calendar month and each month draws on the dotation of its year. For every year whose net added
    amount is positive, committed + added must stay within the dotation: otherwise BudgetExceeded is
    raised and nothing is written — unless `allow_overrun` (an explicit acknowledgement), in which
    case that year's movements are written with `overrun=True` and an audit entry records it. A year
    with no dotation entered is accepted (the dashboard raises « aucune dotation saisie »); a net
    non-positive year is never refused.

    Call it inside the caller's transaction (its own atomic block is then a savepoint): the dotation
    rows stay locked until the caller commits, so simultaneous commitments are checked one after the
    other. Returns the movements written (none when every month nets to zero)."""
    _check_section(section)
    if source is None or source.pk is None:
        raise ValueError("L'origine d'un engagement doit être un objet enregistré.")
    by_month = _grouped(movements)
    if not by_month:
        return []
    added: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for month, amount in by_month.items():
        added[month.year] += amount
    years = sorted(added)
    for year in years:
        if not BUDGET_FIRST_YEAR <= year <= BUDGET_LAST_YEAR:
            raise ValidationError(f"Échéance hors de la plage acceptée ({year}) pour le dossier {reference}.")
    user = actor if getattr(actor, "is_authenticated", False) else None

    with transaction.atomic():
        # Years with no dotation row yet get one with no amount (« dotation non saisie »), then every
        # row concerned is locked in ascending year order: no deadlock between overlapping commits.
        SectionBudget.objects.bulk_create([SectionBudget(year=year, section=section) for year in years], ignore_conflicts=True)
        budgets = {
            budget.year: budget
            for budget in SectionBudget.objects.select_for_update(of=("self",))
            .filter(section=section, year__in=years)
            .order_by("year")
        }
        # Summed after the locks: this statement sees every commitment committed before ours.
        committed = {
            year: _cents(total)
            for year, total in BudgetMovement.objects.filter(budget__in=budgets.values())
            .order_by()
            .values_list("budget__year")
            .annotate(total=Sum("amount"))
        }
        overrun_years: list[int] = []
        for year in years:
            budget, already, requested = budgets[year], committed.get(year, ZERO), added[year]
            if requested <= 0 or budget.amount is None or already + requested <= budget.amount:
                continue
            if not allow_overrun:
                raise BudgetExceeded(
                    section=section, year=year, budget=budget.amount, committed=already, requested=requested, reference=reference
                )
            overrun_years.append(year)

        source_type = ContentType.objects.get_for_model(source)
        rows = [
            BudgetMovement(
                budget=budgets[month.year],
                month=month,
                amount=amount,
                source_type=source_type,
                source_id=source.pk,
                reference=reference,
                label=label,
                overrun=month.year in overrun_years,
                created_by=user,
            )
            for month, amount in by_month.items()
        ]
        for row in rows:
            # Field checks only: the constraints are the database's, the foreign keys were just read.
            row.full_clean(exclude=["budget", "source_type", "created_by"], validate_unique=False, validate_constraints=False)
        written = BudgetMovement.objects.bulk_create(rows)
        for year in overrun_years:
            budget, already = budgets[year], committed.get(year, ZERO)
            audit.record(
                actor=actor,
                action="payments.budget.overrun_accepted",
                target=budget,
                changes={
                    "reference": reference,
                    "dotation": str(budget.amount),
                    "engage_avant": str(already),
                    "ajoute": str(added[year]),
                    "depassement": str(already + added[year] - budget.amount),
                },
                summary=(
                    f"Dépassement de dotation accepté : {reference} ajoute {euros(added[year])} à la {_named(section, year)} "
                    f"({euros(already)} déjà engagés sur {euros(budget.amount)}, dépassement de "
                    f"{euros(already + added[year] - budget.amount)})"
                ),
                source=origin,
            )
    return written


def budget_net_by_month(source: models.Model) -> dict[tuple[str, date], Decimal]:
    """What the ledger holds for one source object: net amount per (section, month), zeros left out.
    A mission recalculating a commitment subtracts this from its new schedule to get the movements
    to commit (a rupture: the negative remainder)."""
    rows = (
        BudgetMovement.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)
        .order_by()
        .values_list("budget__section", "month")
        .annotate(total=Sum("amount"))
    )
    return {(section, month): _cents(total) for section, month, total in rows if total}


# --- Reads ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectionFigures:
    section: str
    label: str
    year: int
    budget: Decimal | None  # None: no dotation entered
    committed: Decimal
    paid: Decimal
    overrun_count: int  # movements recorded past the dotation with an acknowledgement
    budget_id: int | None = None
    source: str = ""

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def percent(self) -> Decimal | None:
        """Share of the dotation committed, rounded down to 0.01 (never shows 90 % below 90 %)."""
        if not self.budget:
            return None
        return (self.committed * HUNDRED / self.budget).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def alert(self) -> str:
        if self.budget is None:
            return Alert.NOT_ENTERED
        if self.committed > self.budget or self.overrun_count:
            return Alert.OVERRUN
        # Exact comparison (no rounding): 89.99 % is fine, 90 % warns.
        if self.budget > 0 and self.committed * HUNDRED >= self.budget * ALERT_THRESHOLD:
            return Alert.THRESHOLD
        return Alert.OK

    @property
    def alert_label(self) -> str:
        return Alert(self.alert).label


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _paid_lines(year: int, section: str | None = None):
    """Payable lines paid in `year`: their run was executed (the bank debited it) that year."""
    start, end = _year_range(year)
    lines = PayableLine.objects.filter(status=LineStatus.PAID, run__execution_date__gte=start, run__execution_date__lt=end)
    return lines.filter(section=section) if section else lines.exclude(section="")


def section_dashboard(year: int) -> list[SectionFigures]:
    """The three sections for a year, in the order of L6332-3: dotation, committed (net movements of
    the year), paid (lines paid in the year), overruns. Three queries, whatever the volume."""
    budgets = {budget.section: budget for budget in SectionBudget.objects.filter(year=year)}
    movements = {
        section: (total, overruns)
        for section, total, overruns in BudgetMovement.objects.filter(budget__year=year)
        .order_by()
        .values_list("budget__section")
        .annotate(total=Sum("amount"), overruns=Count("id", filter=Q(overrun=True)))
    }
    paid = {
        section: _cents(total)
        for section, total in _paid_lines(year).order_by().values_list("section").annotate(total=Sum("amount"))
    }
    figures = []
    for section in FinancialSection:
        budget = budgets.get(section.value)
        total, overruns = movements.get(section.value, (ZERO, 0))
        figures.append(
            SectionFigures(
                section=section.value,
                label=section.label,
                year=year,
                budget=budget.amount if budget else None,
                committed=_cents(total),
                paid=paid.get(section.value, ZERO),
                overrun_count=overruns,
                budget_id=budget.pk if budget else None,
                source=budget.source if budget else "",
            )
        )
    return figures


@dataclass(frozen=True)
class MonthFigures:
    month: date
    committed: Decimal  # net: commitments − de-commitments
    commitments: Decimal  # positive movements
    releases: Decimal  # negative movements, as a positive amount
    paid: Decimal


def monthly_series(year: int, section: str | None = None) -> list[MonthFigures]:
    """Committed (by due month) and paid (by run execution month) per month of `year`, for one
    section or all three: always 12 entries, January first. Two queries."""
    if section:
        _check_section(section)
    movements = BudgetMovement.objects.filter(budget__year=year)
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
    """The last movements recorded against the dotations of `year`, newest first."""
    return (
        BudgetMovement.objects.filter(budget__year=year)
        .select_related("budget", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def budget_history(year: int):
    """The audit entries of the dotations of `year` (entries, changes, overruns accepted), newest
    first: the union of `opco.audit.history_of` over the year's dotation rows."""
    budgets = list(SectionBudget.objects.filter(year=year))
    if not budgets:
        return AuditEntry.objects.none()
    entries = audit.history_of(budgets[0])
    for budget in budgets[1:]:
        entries = entries | audit.history_of(budget)
    return entries.order_by("-occurred_at", "-id")
