"""Writes on périodes de reconversion: deposit, instruction, decision, execution, interruption."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts import roles
from contracts.models.reconversion import PaymentKind, ReconversionKind, ReconversionPayment, ReconversionPeriod
from contracts.models.reconversion import ReconversionStatus as S
from contracts.reconversion.funding import period_funding, schedule_for
from contracts.reconversion.payability import reconversion_payments_release
from contracts.reconversion.rules import (
    DECISION_DAYS,
    INTERRUPTION_REPORT_DAYS,
    PARTY_FIELDS,
    REFUSAL_REASONS,
    ZERO,
    _refusal,
    rule_context,
    run_rules,
    today_or_local,
)
from opco import audit
from opco.calendar import CALENDAR_DAYS, Deadline, SilenceMeans
from opco.checks import fr_date
from opco.money import euros
from opco.workflow import Action, TransitionRefused, Workflow, register
from payments.budgets import budget_commit
from payments.enums import FinancialSection, ScheduleStatus
from referentials.models import Idcc, TrainingProvider
from referentials.services import company_for_siret
from referentials.validators import normalize_identifier

# R6324-2: 20 days from the documents of R6324-1; the texts give silence no meaning (the file stays
# overdue on the deadline lists until decided).
RECONVERSION_DECISION = Deadline(
    DECISION_DAYS,
    CALENDAR_DAYS,
    "R6324-2",
    SilenceMeans.NOTHING,
    label="Décision de prise en charge",
    starts_from="à compter du dossier complet",
)


# --- Workflow (the one engine, opco.workflow) ------------------------------------------------------------
RECONVERSIONS = register(
    Workflow(
        code="reconversion",
        model=ReconversionPeriod,
        label="Période de reconversion",
        awaiting_decision=(S.RECEIVED, S.UNDER_INSTRUCTION),  # R6324-2: 20 days from the complete file
        detail_url=lambda period: reverse("reconversions:detail", args=[period.pk]),
        deadline=lambda period: RECONVERSION_DECISION,
        noun=lambda period: f"la période {period.file_number}",
        default_roles=(roles.STAFF,),
        clean_exclude=("employer", "certification", "provider", "assigned_to", "created_by", "decided_by"),
        actions=(
            Action("instruct", "Prendre en instruction", (S.RECEIVED,), S.UNDER_INSTRUCTION),
            Action("request_documents", "Déclarer incomplète", (S.RECEIVED, S.UNDER_INSTRUCTION), S.INCOMPLETE),
            Action("documents_received", "Pièces reçues : dossier complet", (S.INCOMPLETE,), S.UNDER_INSTRUCTION),
            Action("accept", "Accepter la prise en charge", (S.UNDER_INSTRUCTION,), S.ACCEPTED, decides=True),
            Action(
                "refuse",
                "Refuser la prise en charge",
                (S.RECEIVED, S.UNDER_INSTRUCTION, S.INCOMPLETE),
                S.REFUSED,
                decides=True,
            ),
            Action("start", "Constater le début de la formation", (S.ACCEPTED,), S.RUNNING),
            Action("end", "Constater la fin de la formation", (S.RUNNING,), S.ENDED),
            Action("interrupt", "Enregistrer une interruption", (S.ACCEPTED, S.RUNNING), S.INTERRUPTED),
        ),
    )
)
ACTIONS = RECONVERSIONS.by_code


def available_actions(period: ReconversionPeriod, user=None) -> list[Action]:
    return RECONVERSIONS.available(period, user)


def decision_deadline(complete_on: date) -> date:
    """R6324-2: 20 days from the receipt of the documents of R6324-1."""
    return RECONVERSION_DECISION.due_on(complete_on)


def _reload(period_id: int) -> ReconversionPeriod:
    return ReconversionPeriod.objects.select_related("provider", "assigned_to").get(pk=period_id)


# --- Services ----------------------------------------------------------------------------------------
DEPOSIT_FIELDS = (
    "kind",
    *PARTY_FIELDS,
    "agreement_signed_on",
    "host_siret",
    "host_name",
    "host_contract_kind",
    "host_contract_start",
    "host_contract_end",
    "target",
    "target_code",
    "target_title",
    "provider_siret",
    "provider_name",
    "training_hours",
    "start_date",
    "end_date",
    "company_agreement",
    "company_agreement_reference",
    "employer_email",
    "depositor_email",
)
IDENTIFIERS = ("employer_siret", "host_siret", "provider_siret")


def _period_from(data: dict, received_on: date) -> ReconversionPeriod:
    unknown = set(data) - set(DEPOSIT_FIELDS)
    if unknown:
        raise ValidationError({name: "Champ inconnu." for name in sorted(unknown)})
    values = {name: data[name] for name in DEPOSIT_FIELDS if name in data and data[name] is not None}
    for name in IDENTIFIERS:
        values[name] = normalize_identifier(values.get(name, ""))
    for name in ("employer_idcc",):
        values[name] = (values.get(name) or "").strip()
    values["target_code"] = (values.get("target_code") or "").strip().upper()
    if values.get("kind") == ReconversionKind.INTERNAL:
        for name in ("host_siret", "host_name", "host_contract_kind"):
            values[name] = ""
        values["host_contract_start"] = values["host_contract_end"] = None
    if "training_hours" in values:
        values["training_hours"] = Decimal(str(values["training_hours"]))
    return ReconversionPeriod(received_on=received_on, **values)


def reconversion_deposit(*, actor, data: dict, received_on: date | None = None) -> ReconversionPeriod:
    """Record a request (staff form or API): `data` holds the fields of DEPOSIT_FIELDS. Refused with
    the codes of the rules in error (ReconversionRefused, a ValidationError by field) or the model's
    own validation; nothing is stored then. The decision is due 20 days after receipt (R6324-2)."""
    received = today_or_local(received_on)
    period = _period_from(data, received)
    period.file_number = "PR-provisoire"
    period.full_clean(exclude=["file_number", "employer", "certification", "provider", "assigned_to", "created_by"])
    context = rule_context(period)
    refusal = _refusal(run_rules(period, context))
    if refusal is not None:
        raise refusal
    period.branch_agreement = context.branch_extended
    period.employer = company_for_siret(
        siret=period.employer_siret,
        name=period.employer_name,
        idcc=Idcc.objects.filter(code=period.employer_idcc).first() if period.employer_idcc else None,
    )
    period.provider = TrainingProvider.objects.filter(siret=period.provider_siret).first()
    if period.provider and not period.provider_name:
        period.provider_name = period.provider.display_name
    period.certification = context.certifications[0] if context.certifications else None
    period.complete_on = received
    period.decision_due_on = decision_deadline(received)
    period.created_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        period.save()
        period.file_number = f"PR-{received.year}-{period.pk:06d}"
        period.save(update_fields=["file_number"])
        audit.record(
            actor=actor,
            action="reconversion_deposit",
            target=period,
            changes={"status": [None, period.status], "training_hours": [None, str(period.training_hours)]},
            summary=f"Demande reçue le {fr_date(received)} : décision due le {fr_date(period.decision_due_on)} (R6324-2)",
        )
    return period


def reconversion_instruct(*, actor, period_id: int) -> ReconversionPeriod:
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "instruct", actor=actor)
        fields = {}
        if period.assigned_to_id is None and getattr(actor, "is_authenticated", False):
            fields["assigned_to"] = actor
        return RECONVERSIONS.apply(period, action, actor=actor, **fields)


def reconversion_request_documents(*, actor, period_id: int, message: str) -> ReconversionPeriod:
    """Incomplete (R6324-1 4°): the 20 days run again from the receipt of the documents (R6324-2)."""
    if not message.strip():
        raise ValidationError({"message": "Indiquez les pièces ou informations demandées à l'employeur."})
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "request_documents", actor=actor)
        return RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            incomplete_message=message.strip(),
            complete_on=None,
            decision_due_on=None,
            summary=f"Demande incomplète : {message.strip()[:200]}",
        )


def reconversion_documents_received(*, actor, period_id: int, on: date | None = None) -> ReconversionPeriod:
    complete_on = today_or_local(on)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "documents_received", actor=actor)
        due = decision_deadline(complete_on)
        return RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            complete_on=complete_on,
            decision_due_on=due,
            summary=f"Dossier complet le {fr_date(complete_on)} : décision due le {fr_date(due)} (R6324-2)",
        )


def reconversion_accept(*, actor, period_id: int, allow_overrun: bool = False, today: date | None = None) -> ReconversionPeriod:
    """Accept the funding: the rules again (refused with their codes, nothing decided), the forfait
    snapshotted, the two rows of the schedule, the commitment against the section's budget
    (payments.budgets; BudgetExceeded leaves the period undecided), the audit entry."""
    day = today_or_local(today)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "accept", actor=actor)
        context = rule_context(period)
        refusal = _refusal(run_rules(period, context))
        if refusal is not None:
            refused = TransitionRefused(f"Acceptation impossible ({', '.join(refusal.codes)}) : {' '.join(refusal.messages)}")
            refused.codes = refusal.codes
            raise refused
        funding = period_funding(period)
        if funding.amount <= 0:
            raise TransitionRefused("Acceptation impossible : le forfait calculé est nul.")
        rows = [
            ReconversionPayment(period=period, kind=kind, due_date=due, amount=amount)
            for kind, due, amount in schedule_for(period, funding.amount)
        ]
        for row in rows:
            row.full_clean(exclude=["period"])
        ReconversionPayment.objects.bulk_create(rows)
        budget_commit(
            actor=actor,
            section=FinancialSection.RECONVERSION,
            source=period,
            reference=period.file_number,
            movements=[(row.due_date, row.amount) for row in rows],
            label=f"Période de reconversion {period.file_number}",
            allow_overrun=allow_overrun,
        )
        return RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            decided_on=day,
            branch_agreement=context.branch_extended,
            funding_hourly_rate=funding.hourly_rate,
            funding_amount_per_period=funding.amount_per_period,
            funding_source=funding.source,
            funding_origin=funding.origin[:500],
            committed_amount=funding.amount,
            refusal_codes=[],
            refusal_text="",
            summary=f"Prise en charge accordée : {euros(funding.amount)} ({funding.explanation})",
        )


def reconversion_refuse(*, actor, period_id: int, codes: list[str], text: str, today: date | None = None) -> ReconversionPeriod:
    """A reasoned refusal (R6324-3): at least one reason code and the text of the decision."""
    codes = list(dict.fromkeys(codes or []))
    unknown = [code for code in codes if code not in REFUSAL_REASONS]
    errors = {}
    if not codes:
        errors["codes"] = "Choisissez au moins un motif de refus."
    elif unknown:
        errors["codes"] = f"Motif(s) inconnu(s) : {', '.join(unknown)}."
    if not (text or "").strip():
        errors["text"] = "Le refus est motivé (R6324-3) : rédigez le motif notifié aux parties."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "refuse", actor=actor)
        return RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            decided_on=today_or_local(today),
            refusal_codes=codes,
            refusal_text=text.strip(),
            summary=f"Prise en charge refusée ({', '.join(codes)}) : {text.strip()[:200]}",
        )


def reconversion_start(
    *, actor, period_id: int, started_on: date, invoice_received_on: date, today: date | None = None
) -> ReconversionPeriod:
    """The training started; the provider's invoice makes the advance payable (house rule)."""
    day = today_or_local(today)
    errors = {}
    if started_on > day:
        errors["started_on"] = f"Le début constaté ({fr_date(started_on)}) ne peut pas être dans le futur."
    if invoice_received_on > day:
        errors["invoice_received_on"] = f"La facture ne peut pas être reçue dans le futur ({fr_date(invoice_received_on)})."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "start", actor=actor)
        if started_on > period.end_date:
            raise ValidationError(
                {"started_on": f"Le début constaté ({fr_date(started_on)}) est après la fin prévue ({fr_date(period.end_date)})."}
            )
        period = RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            started_on=started_on,
            start_invoice_received_on=invoice_received_on,
            summary=(
                f"Formation commencée le {fr_date(started_on)}, facture de l'organisme reçue le {fr_date(invoice_received_on)}"
            ),
        )
        reconversion_payments_release(until=day, today=day, period_ids=[period.pk])
    return _reload(period.pk)


def reconversion_end(
    *, actor, period_id: int, ended_on: date, completion_attested_on: date, today: date | None = None
) -> ReconversionPeriod:
    """The training ended; the attestation de réalisation and the final invoice make the balance
    payable (house rule)."""
    day = today_or_local(today)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "end", actor=actor)
        errors = {}
        if ended_on > day or ended_on < (period.started_on or period.start_date):
            errors["ended_on"] = f"La fin constatée ({fr_date(ended_on)}) est entre le début de la formation et aujourd'hui."
        if completion_attested_on > day or completion_attested_on < ended_on:
            errors["completion_attested_on"] = (
                f"L'attestation de réalisation ({fr_date(completion_attested_on)}) est reçue après la fin "
                "et au plus tard aujourd'hui."
            )
        if errors:
            raise ValidationError(errors)
        period = RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            ended_on=ended_on,
            completion_attested_on=completion_attested_on,
            summary=f"Formation terminée le {fr_date(ended_on)}, attestation de réalisation et facture finale reçues le "
            f"{fr_date(completion_attested_on)}",
        )
        reconversion_payments_release(until=day, today=day, period_ids=[period.pk])
    return _reload(period.pk)


def reconversion_interrupt(
    *, actor, period_id: int, interrupted_on: date, reason: str, reported_on: date | None = None, today: date | None = None
) -> ReconversionPeriod:
    """R6324-5: the employer reports an interruption within 30 days. A late report is still recorded
    (the OPCO cannot ignore the fact) and flagged in the history. The rows not owed are superseded —
    the balance, and the advance when the training never started — and their amounts leave the
    section's budget; nothing is prorated."""
    day = today_or_local(today)
    reported = reported_on or day
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "Indiquez le motif de l'interruption."
    if interrupted_on > reported:
        errors["interrupted_on"] = (
            f"L'interruption ({fr_date(interrupted_on)}) ne peut pas être après son signalement ({fr_date(reported)})."
        )
    if reported > day:
        errors["reported_on"] = "Le signalement ne peut pas être dans le futur."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period, action = RECONVERSIONS.lock(period_id, "interrupt", actor=actor)
        if interrupted_on > period.end_date:
            raise ValidationError(
                {
                    "interrupted_on": (
                        f"L'interruption ({fr_date(interrupted_on)}) est après la fin prévue ({fr_date(period.end_date)})."
                    )
                }
            )
        started = period.status == S.RUNNING
        superseded = [
            row
            for row in period.payments.select_for_update().filter(status=ScheduleStatus.PLANNED)
            if row.kind == PaymentKind.BALANCE or not started
        ]
        ReconversionPayment.objects.filter(pk__in=[row.pk for row in superseded]).update(status=ScheduleStatus.SUPERSEDED)
        if superseded:
            budget_commit(
                actor=actor,
                section=FinancialSection.RECONVERSION,
                source=period,
                reference=period.file_number,
                movements=[(row.due_date, -row.amount) for row in superseded],
                label=f"Interruption de la période de reconversion {period.file_number}",
            )
        late = reported > interrupted_on + timedelta(days=INTERRUPTION_REPORT_DAYS)
        released = sum((row.amount for row in superseded), ZERO)
        summary = f"Interrompue le {fr_date(interrupted_on)}, signalée le {fr_date(reported)}"
        if late:
            summary += " — hors du délai de 30 jours (R6324-5)"
        summary += f" ; {euros(released)} dégagé(s)"
        return RECONVERSIONS.apply(
            period,
            action,
            actor=actor,
            interrupted_on=interrupted_on,
            interruption_reported_on=reported,
            interruption_reason=reason.strip()[:500],
            summary=summary,
        )


def interruption_reported_late(period: ReconversionPeriod) -> bool:
    if period.interrupted_on is None or period.interruption_reported_on is None:
        return False
    return period.interruption_reported_on > period.interrupted_on + timedelta(days=INTERRUPTION_REPORT_DAYS)
