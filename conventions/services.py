"""Every write on a convention: created in draft, signed (version 1), amended by avenants (a new version,
the old one kept whole), its budgets entered on its envelopes (payments.budgets), the money the funder
owes and what the bank statement shows received. Finance and managers only (accounts.roles), audited.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts import roles
from conventions.enums import ConventionStatus, PartyRole
from conventions.models import (
    CofinancingRate,
    Convention,
    ConventionBudget,
    ConventionParty,
    ConventionVersion,
    FunderPayment,
    Indicator,
    IndicatorTarget,
    RegionalNpecRaise,
    ReportingDeadline,
)
from opco import audit, publication
from opco.calendar import add_days, add_months
from opco.money import euros, round_money
from payments.budgets import convention_key, envelope_set
from payments.cofinancing import committed_on
from payments.models import Public, SizeBand

EDITABLE_FIELDS = [
    "title",
    "kind",
    "funder",
    "legal_basis",
    "object",
    "all_branches",
    "territories",
    "publics",
    "starts_on",
    "ends_on",
    "de_minimis",
    "eligible_costs",
    "max_hourly_cost",
    "max_line_amount",
    "max_months",
    "reporting_months",
    "unspent_rule",
]
REPORT_DELAY_DAYS = 60  # the report is due two months after its period (the usual clause)
REMINDER_DAYS_BEFORE = 15
REMINDER_KIND = "conventions.bilan"


def can_manage(user) -> bool:
    """Finance and managers manage conventions; other staff read them."""
    return roles.FINANCE(user) or roles.RESPONSABLE(user)


def _require_manager(user) -> None:
    if not can_manage(user):
        raise PermissionDenied("Seuls le service financier et les responsables gèrent les conventions.")


def _lock(convention_id: int) -> Convention:
    return Convention.objects.select_for_update().get(pk=convention_id)


def _check_publics(publics) -> list[str]:
    unknown = [code for code in publics if code not in Public.values]
    if unknown:
        raise ValidationError({"publics": f"Public inconnu : {', '.join(unknown)}."})
    return sorted(set(publics))


def terms_of(convention: Convention) -> dict:
    """Every term of the convention as it stands, JSON-safe: what a version freezes."""
    values = audit.snapshot(convention, EDITABLE_FIELDS + ["number", "signed_on"])
    values["branches"] = sorted(convention.branches.values_list("code", flat=True))
    values["parties"] = [
        {"role": party.role, "name": party.name, "signatory": party.signatory, "signatory_title": party.signatory_title}
        for party in convention.parties.all()
    ]
    values["budgets"] = [
        {"year": budget.year, "funder": budget.funder, "amount": str(budget.amount)} for budget in convention.budgets.all()
    ]
    values["rates"] = {rate.size_band: str(rate.rate) for rate in convention.rates.all()}
    values["npec_raises"] = [
        {"rncp": row.rncp, "cpne": row.cpne_code, "title": row.title, "amount": str(row.amount)}
        for row in convention.npec_raises.all()
    ]
    return values


def _next_number(year: int) -> str:
    prefix = f"CONV-{year}-"
    count = Convention.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


def convention_create(*, actor, branches=(), **fields) -> Convention:
    _require_manager(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Champs inconnus : {sorted(unknown)}")
    fields["publics"] = _check_publics(fields.get("publics") or [Public.EMPLOYEES])
    with transaction.atomic():
        convention = Convention(number=_next_number(fields["starts_on"].year), manager=actor, **fields)
        convention.full_clean()
        convention.save()
        convention.branches.set(branches)
        audit.record(
            actor=actor, action="conventions.created", target=convention, summary=f"Convention {convention} créée (en projet)"
        )
    return convention


def convention_update(*, actor, convention_id: int, branches=None, **fields) -> Convention:
    """Change a convention still in draft; once signed, only an avenant changes it."""
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("La convention est signée : ses termes ne changent que par avenant.", code="signee")
        before = audit.snapshot(convention, EDITABLE_FIELDS)
        if "publics" in fields:
            fields["publics"] = _check_publics(fields["publics"])
        for name, value in fields.items():
            if name not in EDITABLE_FIELDS:
                raise ValueError(f"Champ inconnu : {name}")
            setattr(convention, name, value)
        convention.full_clean()
        convention.save()
        if branches is not None:
            convention.branches.set(branches)
        audit.record(
            actor=actor,
            action="conventions.updated",
            target=convention,
            changes=audit.diff(before, audit.snapshot(convention, EDITABLE_FIELDS)),
            summary=f"Convention {convention.number} modifiée (en projet)",
        )
    return convention


def party_add(
    *, actor, convention_id: int, role: str, name: str, signatory: str = "", signatory_title: str = ""
) -> ConventionParty:
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("La convention est signée : ses parties ne changent que par avenant.", code="signee")
        party = ConventionParty(
            convention=convention, role=role, name=name.strip(), signatory=signatory, signatory_title=signatory_title
        )
        party.full_clean()
        party.save()
        audit.record(actor=actor, action="conventions.party_added", target=convention, summary=f"Partie ajoutée : {party}")
    return party


def _sync_envelope(actor, convention: Convention, year: int) -> None:
    """The convention's envelope of `year` is the sum of its funders' budgets for that year."""
    total = convention.budgets.filter(year=year).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    envelope_set(
        actor=actor,
        key=convention_key(convention.scope_key),
        year=year,
        amount=round_money(total),
        source=f"Convention {convention.number} v{convention.version}",
        label=convention.title[:255],
    )


def _set_budget(actor, convention: Convention, year: int, funder: str, amount: Decimal) -> ConventionBudget:
    if not convention.starts_on.year <= year <= convention.ends_on.year:
        raise ValidationError(
            {
                "year": f"L'année {year} est hors de la période de la convention "
                f"({convention.starts_on.year}–{convention.ends_on.year})."
            }
        )
    budget, _ = ConventionBudget.objects.get_or_create(
        convention=convention, year=year, funder=funder.strip(), defaults={"amount": amount}
    )
    budget.amount = amount
    budget.full_clean()
    budget.save()
    _sync_envelope(actor, convention, year)
    return budget


def _set_rate(convention: Convention, size_band: str, rate: Decimal | None) -> None:
    if size_band not in SizeBand.values:
        raise ValidationError({"size_band": f"Tranche d'effectif inconnue : « {size_band} »."})
    if rate is None:
        CofinancingRate.objects.filter(convention=convention, size_band=size_band).delete()
        return
    row, _ = CofinancingRate.objects.get_or_create(convention=convention, size_band=size_band, defaults={"rate": rate})
    row.rate = rate
    row.full_clean()
    row.save()


def budget_set(*, actor, convention_id: int, year: int, funder: str, amount: Decimal) -> ConventionBudget:
    """Enter a funder's budget of a year while the convention is in draft (then by avenant)."""
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("La convention est signée : son budget ne change que par avenant.", code="signee")
        budget = _set_budget(actor, convention, year, funder, amount)
        audit.record(
            actor=actor,
            action="conventions.budget_set",
            target=convention,
            summary=f"Budget {year} de {funder} : {euros(amount)}",
        )
    return budget


def rate_set(*, actor, convention_id: int, size_band: str, rate: Decimal | None) -> None:
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("La convention est signée : ses taux ne changent que par avenant.", code="signee")
        _set_rate(convention, size_band, rate)
        audit.record(
            actor=actor,
            action="conventions.rate_set",
            target=convention,
            summary=f"Taux {size_band} : {rate if rate is not None else 'retiré'} %",
        )


def npec_raise_add(*, actor, convention_id: int, rncp: str, cpne_code: str, title: str, amount: Decimal, applicable_from: date):
    """A region raises the NPEC of a certification for its territory (L6211-3 I 1°)."""
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("La convention est signée : les majorations ne changent que par avenant.", code="signee")
        row = RegionalNpecRaise(
            convention=convention,
            rncp=rncp.strip(),
            cpne_code=cpne_code.strip(),
            title=title.strip(),
            amount=amount,
            applicable_from=applicable_from,
        )
        row.full_clean()
        row.save()
        audit.record(actor=actor, action="conventions.npec_raise_added", target=convention, summary=f"Majoration NPEC {row}")
    return row


def _freeze(actor, convention: Convention, *, label: str, signed_on: date | None, summary: str) -> ConventionVersion:
    return ConventionVersion.objects.create(
        convention=convention,
        number=convention.version,
        label=label,
        signed_on=signed_on,
        summary=summary,
        terms=terms_of(convention),
        created_by=actor,
    )


def convention_sign(*, actor, convention_id: int, signed_on: date) -> Convention:
    """Signature: version 1 frozen, the convention's envelopes entered for each year budgeted."""
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.DRAFT:
            raise ValidationError("Cette convention est déjà signée.", code="deja_signee")
        problems = []
        if not convention.parties.filter(role=PartyRole.FUNDER).exists():
            problems.append("Indiquez le financeur parmi les parties.")
        if not convention.budgets.exists():
            problems.append("Indiquez le budget par année.")
        if not convention.all_branches and not convention.branches.exists():
            problems.append("Indiquez les branches couvertes (ou toutes les branches).")
        if problems:
            raise ValidationError(" ".join(problems), code="incomplete")
        convention.status, convention.signed_on, convention.version = ConventionStatus.SIGNED, signed_on, 1
        convention.full_clean()
        convention.save()
        for year in sorted(set(convention.budgets.values_list("year", flat=True))):
            _sync_envelope(actor, convention, year)
        _freeze(actor, convention, label="Convention initiale", signed_on=signed_on, summary="")
        audit.record(
            actor=actor,
            action="conventions.signed",
            target=convention,
            summary=f"Convention {convention.number} signée le {signed_on:%d/%m/%Y}",
        )
        transaction.on_commit(lambda: publication.changed(f"Convention {convention.number} signée"))
    return convention


def convention_amend(
    *,
    actor,
    convention_id: int,
    signed_on: date,
    summary: str,
    changes: dict | None = None,
    budgets: list[tuple[int, str, Decimal]] = (),
    rates: dict[str, Decimal | None] | None = None,
) -> ConventionVersion:
    """An avenant: the terms change, a new version is frozen; the previous versions stay as they were.
    Refused with nothing changed when the new budget would fall below what is already committed."""
    _require_manager(actor)
    if not summary.strip():
        raise ValidationError({"summary": "Indiquez l'objet de l'avenant."})
    changes = dict(changes or {})
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.SIGNED:
            raise ValidationError("Seule une convention signée et non close se modifie par avenant.", code="non_signee")
        before = audit.snapshot(convention, EDITABLE_FIELDS)
        if "publics" in changes:
            changes["publics"] = _check_publics(changes["publics"])
        for name, value in changes.items():
            if name not in EDITABLE_FIELDS:
                raise ValueError(f"Champ inconnu : {name}")
            setattr(convention, name, value)
        convention.version += 1
        convention.full_clean()
        convention.save()
        for year, funder, amount in budgets:
            _set_budget(actor, convention, year, funder, amount)
        for size_band, rate in (rates or {}).items():
            _set_rate(convention, size_band, rate)
        used = committed_on(convention.scope_key)["committed"]
        total = convention.budgets.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        if total < used:
            raise ValidationError(
                f"Le budget total ({euros(total)}) serait inférieur à ce qui est déjà engagé ({euros(used)}).",
                code="budget_sous_engage",
            )
        version = _freeze(
            actor, convention, label=f"Avenant n° {convention.version - 1}", signed_on=signed_on, summary=summary.strip()
        )
        audit.record(
            actor=actor,
            action="conventions.amended",
            target=convention,
            changes=audit.diff(before, audit.snapshot(convention, EDITABLE_FIELDS)),
            summary=f"{version.label} à la convention {convention.number} : {summary.strip()}"[:500],
        )
        transaction.on_commit(lambda: publication.changed(f"Avenant à la convention {convention.number}"))
    return version


def convention_close(*, actor, convention_id: int) -> Convention:
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        if convention.status != ConventionStatus.SIGNED:
            raise ValidationError("Seule une convention signée se clôt.", code="non_signee")
        convention.status = ConventionStatus.CLOSED
        convention.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action="conventions.closed", target=convention, summary=f"Convention {convention.number} close")
        transaction.on_commit(lambda: publication.changed(f"Convention {convention.number} close"))
    return convention


# --- Money in --------------------------------------------------------------------------------------
def funder_payment_add(*, actor, convention_id: int, kind: str, label: str, due_on: date, amount_due: Decimal) -> FunderPayment:
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        payment = FunderPayment(convention=convention, kind=kind, label=label.strip(), due_on=due_on, amount_due=amount_due)
        payment.full_clean()
        payment.save()
        audit.record(
            actor=actor,
            action="conventions.funder_payment_added",
            target=convention,
            summary=f"Versement attendu : {payment} le {due_on:%d/%m/%Y}",
        )
    return payment


def funder_payment_match(*, actor, payment_id: int, received_on: date, amount: Decimal, bank_reference: str) -> FunderPayment:
    """Staff match a line of the bank statement with what the funder owed."""
    _require_manager(actor)
    if not bank_reference.strip():
        raise ValidationError({"bank_reference": "Indiquez la référence de la ligne du relevé bancaire."})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "Le montant reçu est positif."})
    with transaction.atomic():
        payment = FunderPayment.objects.select_for_update().get(pk=payment_id)
        if payment.received_on is not None:
            raise ValidationError("Ce versement est déjà rapproché du relevé bancaire.", code="deja_rapproche")
        payment.received_on, payment.amount_received = received_on, round_money(amount)
        payment.bank_reference, payment.matched_by, payment.matched_at = bank_reference.strip(), actor, timezone.now()
        payment.full_clean()
        payment.save()
        audit.record(
            actor=actor,
            action="conventions.funder_payment_matched",
            target=payment.convention,
            summary=(
                f"{payment.label} : {euros(payment.amount_received)} reçus le {received_on:%d/%m/%Y} ({payment.bank_reference})"
            ),
        )
    return payment


def money_summary(convention: Convention) -> dict[str, Decimal]:
    """Budget, committed and consumed (from the funding lines), due and received from the funder, and
    what is left to return: received beyond what was consumed (RULES.md §6, unspent funds)."""
    budget = convention.budgets.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    use = committed_on(convention.scope_key)
    money_in = convention.funder_payments.aggregate(due=Sum("amount_due"), received=Sum("amount_received"))
    received = money_in["received"] or Decimal("0")
    return {
        "budget": round_money(budget),
        "committed": use["committed"],
        "consumed": use["consumed"],
        "available": round_money(budget - use["committed"]),
        "due": round_money(money_in["due"] or Decimal("0")),
        "received": round_money(received),
        "to_return": round_money(max(received - use["consumed"], Decimal("0"))),
    }


# --- Indicators and the reporting calendar ---------------------------------------------------------
def indicator_target_set(*, actor, convention_id: int, code: str, year: int, target: Decimal) -> IndicatorTarget:
    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        indicator, _ = Indicator.objects.get_or_create(convention=convention, code=code)
        indicator.full_clean()
        row, _ = IndicatorTarget.objects.get_or_create(indicator=indicator, year=year, defaults={"target": target})
        row.target = target
        row.full_clean()
        row.save()
        audit.record(
            actor=actor, action="conventions.target_set", target=convention, summary=f"Cible {year} « {indicator} » : {target}"
        )
    return row


def reporting_calendar_plan(*, actor, convention_id: int) -> list[ReportingDeadline]:
    """One report per period of `reporting_months` over the convention, due 60 days after the period,
    each with a reminder 15 days before to the staff member following it (idempotent)."""
    from notifications.services import reminder_schedule

    _require_manager(actor)
    with transaction.atomic():
        convention = _lock(convention_id)
        deadlines = []
        start, step = convention.starts_on, max(convention.reporting_months, 1)
        while start <= convention.ends_on:
            end = min(add_days(add_months(start, step), -1), convention.ends_on)
            deadline, _ = ReportingDeadline.objects.get_or_create(
                convention=convention, period_start=start, period_end=end, defaults={"due_on": add_days(end, REPORT_DELAY_DAYS)}
            )
            deadlines.append(deadline)
            if convention.manager_id:
                reminder_schedule(
                    target=deadline,
                    kind=REMINDER_KIND,
                    due_on=add_days(deadline.due_on, -REMINDER_DAYS_BEFORE),
                    subject=f"Bilan de la convention {convention.number} à remettre le {deadline.due_on:%d/%m/%Y}",
                    context={
                        "message": f"Le bilan de la période {start:%d/%m/%Y} – {end:%d/%m/%Y} est attendu par le financeur."
                    },
                    recipient=convention.manager,
                    actor=actor,
                )
            start = add_days(end, 1)
        audit.record(
            actor=actor,
            action="conventions.calendar_planned",
            target=convention,
            summary=f"{len(deadlines)} échéance(s) de bilan planifiée(s)",
        )
    return deadlines
