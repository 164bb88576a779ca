"""Co-financing: the funding lines of an instructed file — the OPCO's section, a convention with the
State or a region, the company's own share (C. trav. L6332-1 II: the OPCO co-finances with the State
and the regions).

Any mission's instructed file (a subclass of `opco.instruction.InstructedFile`) may carry several
lines. A line of a section or a convention is committed on its envelope (`payments.budgets`) when it is
added, under the envelope's lock, so a convention is never committed past its budget; released, the
remainder not consumed goes back to the envelope (a negative movement).

Eligibility: payments knows no convention. The app owning the envelopes of a key prefix registers its
rules (`register_eligibility("convention:", rules)`): a function of the line's facts returning check
results (stable codes, French reasons). Any error refuses the line and nothing is stored.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts import roles
from opco import audit
from opco.checks import CheckReport, CheckResult, CheckStatus, fr_date
from opco.instruction import InstructedFile
from opco.money import euros, round_money
from payments.budgets import EnvelopeKey, convention_key, envelope_commit, section_key
from payments.enums import FinancialSection
from payments.models import FunderKind, FundingLine, FundingLineStatus, Public, SizeBand

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineFacts:
    """What a line is checked on, before anything is stored."""

    source: models.Model
    reference: str
    funder_kind: str
    amount: Decimal
    starts_on: date
    ends_on: date
    total_cost: Decimal
    section: str = ""
    scope_key: str = ""
    company: models.Model | None = None
    headcount: int | None = None
    public: str = Public.EMPLOYEES
    hours: Decimal = ZERO
    trainees: int = 0
    seniors: int = 0
    women: int = 0
    other_lines: Decimal = field(default=ZERO)  # what the file's live lines already fund

    @property
    def size_band(self) -> str:
        band = SizeBand.of(self.headcount)
        return band.value if band else ""


EligibilityRules = Callable[[LineFacts], list[CheckResult]]
_RULES: dict[str, EligibilityRules] = {}


def register_eligibility(prefix: str, rules: EligibilityRules) -> None:
    """`rules(facts)` is asked for every line whose envelope key starts with `prefix`."""
    _RULES[prefix] = rules


class FundingRefused(ValidationError):
    """A line refused by its eligibility rules: nothing was stored. `report` lists every check."""

    def __init__(self, report: CheckReport):
        self.report = report
        errors = report.errors
        super().__init__([ValidationError(check.message, code=check.code) for check in errors])

    @property
    def codes(self) -> list[str]:
        return [check.code for check in self.report.errors]


def can_manage_funding(user) -> bool:
    return roles.GESTIONNAIRE(user) or roles.FINANCE(user) or roles.RESPONSABLE(user)


def _common_rules(facts: LineFacts) -> list[CheckResult]:
    """The rules of every line, whoever funds it."""
    results = []
    if facts.amount <= 0 or round_money(facts.amount) != facts.amount:
        results.append(CheckResult("montant_invalide", CheckStatus.ERROR, "Le montant d'une ligne est positif, au centime."))
    if facts.ends_on < facts.starts_on:
        results.append(
            CheckResult(
                "dates_inversees",
                CheckStatus.ERROR,
                f"L'action finit le {fr_date(facts.ends_on)}, avant son début le {fr_date(facts.starts_on)}.",
            )
        )
    if facts.seniors > facts.trainees or facts.women > facts.trainees:
        results.append(
            CheckResult("effectifs_incoherents", CheckStatus.ERROR, "Seniors et femmes sont comptés parmi les stagiaires.")
        )
    if facts.other_lines + facts.amount > facts.total_cost:
        results.append(
            CheckResult(
                "cout_depasse",
                CheckStatus.ERROR,
                f"Les lignes du dossier atteindraient {euros(facts.other_lines + facts.amount)}, "
                f"plus que le coût de l'action ({euros(facts.total_cost)}).",
            )
        )
    if facts.funder_kind == FunderKind.SECTION and facts.section not in FinancialSection.values:
        results.append(CheckResult("section_inconnue", CheckStatus.ERROR, "Indiquez la section financière de l'OPCO."))
    return results


def check_line(facts: LineFacts) -> CheckReport:
    results = _common_rules(facts)
    if facts.funder_kind == FunderKind.CONVENTION:
        rules = next((rule for prefix, rule in _RULES.items() if facts.scope_key.startswith(prefix)), None)
        if rules is None:
            results.append(
                CheckResult(
                    "convention_inconnue", CheckStatus.ERROR, f"Aucune convention ne répond à la clé « {facts.scope_key} »."
                )
            )
        else:
            results.extend(rules(facts))
    return CheckReport(results)


def _envelope(line: FundingLine) -> EnvelopeKey | None:
    if line.funder_kind == FunderKind.SECTION:
        return section_key(line.section)
    if line.funder_kind == FunderKind.CONVENTION:
        return convention_key(line.scope_key)
    return None


_SOURCES: dict[type, Callable[[models.Model], str]] = {}


def register_source(model: type[models.Model], reference: Callable[[models.Model], str]) -> None:
    """A file that is no InstructedFile (a proximity-service diagnostic) may carry lines once its app
    registers it, with the reference its lines are known by."""
    _SOURCES[model] = reference


def reference_of(source: models.Model) -> str | None:
    if isinstance(source, InstructedFile):
        return source.file_number
    reference = _SOURCES.get(type(source))
    return reference(source) if reference is not None else None


def lines_of(source: models.Model):
    return FundingLine.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)


def funding_line_add(
    *,
    actor,
    source: models.Model,
    funder_kind: str,
    amount: Decimal,
    starts_on: date,
    ends_on: date,
    total_cost: Decimal,
    section: str = "",
    scope_key: str = "",
    company=None,
    headcount: int | None = None,
    public: str = Public.EMPLOYEES,
    hours: Decimal = ZERO,
    trainees: int = 0,
    seniors: int = 0,
    women: int = 0,
    funded_elsewhere: Decimal = ZERO,
) -> FundingLine:
    """Add a funding line to an instructed file, checked, then committed on its envelope (movement in
    the month the action starts). `funded_elsewhere`: what the file's own decision already funds outside
    funding lines (a mission committing its OPCO share itself), counted against the action's cost.
    Refused — FundingRefused, BudgetExceeded or PermissionDenied — with nothing stored."""
    if not can_manage_funding(actor):
        raise PermissionDenied(
            "Seuls les gestionnaires, le service financier et les responsables ajoutent une ligne de financement."
        )
    reference = reference_of(source)
    if reference is None or source.pk is None:
        raise ValueError("Une ligne de financement porte sur un dossier instruit enregistré.")
    if isinstance(amount, float) or isinstance(total_cost, float):
        raise TypeError("Un montant ne se calcule jamais en float : utilisez Decimal.")
    if company is not None and headcount is None:
        headcount = company.headcount
    with transaction.atomic():
        # The file's lines are read under the file's lock: two lines added at once see each other.
        type(source).objects.select_for_update(of=("self",)).filter(pk=source.pk).first()
        other = lines_of(source).filter(status=FundingLineStatus.COMMITTED).aggregate(total=Sum("amount"))["total"] or ZERO
        other += Decimal(funded_elsewhere)
        facts = LineFacts(
            source=source,
            reference=reference,
            funder_kind=funder_kind,
            amount=Decimal(amount),
            starts_on=starts_on,
            ends_on=ends_on,
            total_cost=Decimal(total_cost),
            section=section,
            scope_key=scope_key,
            company=company,
            headcount=headcount,
            public=public,
            hours=Decimal(hours),
            trainees=trainees,
            seniors=seniors,
            women=women,
            other_lines=other,
        )
        report = check_line(facts)
        if not report.eligible:
            raise FundingRefused(report)
        line = FundingLine(
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
            reference=facts.reference,
            funder_kind=funder_kind,
            section=section,
            scope_key=scope_key,
            amount=facts.amount,
            company=company,
            headcount=headcount,
            size_band=facts.size_band,
            public=public,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=facts.hours,
            trainees=trainees,
            seniors=seniors,
            women=women,
            total_cost=facts.total_cost,
            created_by=actor,
        )
        line.full_clean(exclude=["source_type", "created_by", "company"])
        line.save()
        key = _envelope(line)
        if key is not None:
            # Never past a convention's budget, whoever asks (no overrun for co-financed envelopes).
            envelope_commit(
                actor=actor,
                envelopes=[key],
                source=line,
                reference=line.reference,
                movements=[(starts_on, line.amount)],
                label=f"Ligne de financement {line.get_funder_kind_display()}",
            )
        audit.record(
            actor=actor,
            action="payments.funding_line.added",
            target=line,
            summary=f"{line.reference} : ligne {line.get_funder_kind_display()} de {euros(line.amount)}",
        )
    return line


def funding_line_consume(*, actor, line_id: int, amount: Decimal) -> FundingLine:
    """Record what was paid on a line (service fait); consumption never passes the line's amount."""
    if not can_manage_funding(actor):
        raise PermissionDenied("Vous ne pouvez pas modifier une ligne de financement.")
    with transaction.atomic():
        line = FundingLine.objects.select_for_update().get(pk=line_id)
        if line.status != FundingLineStatus.COMMITTED:
            raise ValidationError("Cette ligne est dégagée : rien ne s'y consomme plus.", code="ligne_degagee")
        if amount <= 0 or line.consumed + amount > line.amount:
            raise ValidationError(
                f"La consommation dépasserait la ligne ({euros(line.consumed + amount)} pour {euros(line.amount)}).",
                code="consommation_depassee",
            )
        before = audit.snapshot(line, ["consumed"])
        line.consumed += amount
        line.save(update_fields=["consumed"])
        audit.record(
            actor=actor,
            action="payments.funding_line.consumed",
            target=line,
            changes=audit.diff(before, audit.snapshot(line, ["consumed"])),
            summary=f"{line.reference} : {euros(amount)} consommés",
        )
    return line


def funding_line_complete(*, actor, line_id: int) -> FundingLine:
    if not can_manage_funding(actor):
        raise PermissionDenied("Vous ne pouvez pas modifier une ligne de financement.")
    with transaction.atomic():
        line = FundingLine.objects.select_for_update().get(pk=line_id)
        line.completed = True
        line.save(update_fields=["completed"])
        audit.record(
            actor=actor, action="payments.funding_line.completed", target=line, summary=f"{line.reference} : action achevée"
        )
    return line


def funding_line_release(*, actor, line_id: int) -> FundingLine:
    """Close a line: what was not consumed goes back to its envelope (a negative movement)."""
    if not can_manage_funding(actor):
        raise PermissionDenied("Vous ne pouvez pas dégager une ligne de financement.")
    with transaction.atomic():
        line = FundingLine.objects.select_for_update().get(pk=line_id)
        if line.status == FundingLineStatus.RELEASED:
            raise ValidationError("Cette ligne est déjà dégagée.", code="deja_degagee")
        remainder = line.amount - line.consumed
        key = _envelope(line)
        if key is not None and remainder > 0:
            envelope_commit(
                actor=actor,
                envelopes=[key],
                source=line,
                reference=line.reference,
                movements=[(line.starts_on, -remainder)],
                label="Dégagement du reliquat",
            )
        line.status, line.released_at = FundingLineStatus.RELEASED, timezone.now()
        line.save(update_fields=["status", "released_at"])
        audit.record(
            actor=actor,
            action="payments.funding_line.released",
            target=line,
            summary=f"{line.reference} : ligne dégagée, {euros(remainder)} rendus à l'enveloppe",
        )
    return line


def committed_on(scope_key: str) -> dict[str, Decimal]:
    """A convention's use computed from its lines: committed (live lines, consumed part of released
    ones) and consumed."""
    lines = FundingLine.objects.filter(scope_key=scope_key)
    totals = lines.aggregate(
        live=Sum("amount", filter=Q(status=FundingLineStatus.COMMITTED)),
        released_consumed=Sum("consumed", filter=Q(status=FundingLineStatus.RELEASED)),
        consumed=Sum("consumed"),
    )
    live, released, consumed = (totals[name] or ZERO for name in ("live", "released_consumed", "consumed"))
    return {"committed": round_money(live + released), "consumed": round_money(consumed)}
