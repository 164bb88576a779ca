"""Decisions that commit or move money: accepting (the financing commitment and its schedule),
refusing (reasoned letter), the implicit refusal of R6224-3, ruptures, amendments and NPEC
regularisations — which recompute the schedule with the engine without ever touching a paid line.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.enums import ContractStatus, InstalmentOrigin, InstalmentStatus
from contracts.financing.engine import Schedule
from contracts.financing.io import InvalidInput
from contracts.financing.service import simulation_run
from contracts.models import ApprenticeshipContract, Commitment, Instalment, Rupture
from contracts.workflow import TransitionRefused, apply, lock_for
from opco import audit
from payments.services import payable_lines_cancel
from referentials.models import Certification

ZERO = Decimal("0.00")
# Lines already handed to payments: they stay as they are, whatever is recomputed.
# A not-due balance (R6332-25 III 4°) is decided too: a recomputation does not revive it.
SETTLED = (InstalmentStatus.PAID, InstalmentStatus.IN_RUN, InstalmentStatus.RECOVERY, InstalmentStatus.NOT_DUE)
OPEN = (InstalmentStatus.PLANNED, InstalmentStatus.PAYABLE)


# --- Engine input from a contract file ------------------------------------------------------------
def simulation_payload(contract: ApprenticeshipContract, *, rupture: Rupture | None = None) -> dict:
    """The simulator's input for a contract: the NPEC comes from the referential (RNCP × CPNE of
    the employer's IDCC at the signature date), else the valeur d'amorçage."""
    payload = {
        "signature_date": contract.signed_on.isoformat(),
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "certification_level": contract.level,
        "rncp": contract.rncp,
        "distance_learning_share": str(contract.distance_pct / 100),
    }
    if contract.employer_idcc:
        payload["idcc"] = contract.employer_idcc
    if contract.cfa_declared_on:
        payload["cfa_declared_on"] = contract.cfa_declared_on.isoformat()
    if contract.payload.get("contrat", {}).get("duree_reduite"):
        payload["shortened_duration"] = True
    if rupture is not None:
        payload["rupture_date"] = rupture.date.isoformat()
        payload["rupture_during_probation"] = rupture.during_probation
    return payload


def schedule_for(
    contract: ApprenticeshipContract, *, rupture: Rupture | None = None, npec: Decimal | None = None
) -> tuple[Schedule, str]:
    """The engine's schedule for the contract as it stands. `npec` pins the level (the commitment's
    own): a later publication changes the money only through an explicit regularisation (DESIGN.md)."""
    payload = simulation_payload(contract, rupture=rupture)
    if npec is not None:
        payload["npec"] = str(npec)
    try:
        return simulation_run(payload)
    except InvalidInput as exc:
        raise ValidationError(" ; ".join(exc.errors.values()))


def _npec_entry(contract: ApprenticeshipContract):
    from branches.npec import lookup_npec

    found = lookup_npec(rncp=contract.rncp, idcc=contract.employer_idcc, on=contract.signed_on)
    return found.entry if found and found.amount is not None else None


# --- Accept, refuse, implicit refusal -------------------------------------------------------------
def contract_accept(*, actor, contract_id: int, warnings_acknowledged: bool = False) -> Commitment:
    """Accept the funding: the checks must show no error (and warnings must be acknowledged); the
    commitment snapshots the NPEC and its origin, and the schedule is stored as rows."""
    from contracts.checks_runner import contract_check

    with transaction.atomic():
        contract, action = lock_for(contract_id, "accept")
        report = contract_check(contract=contract, actor=actor)
        errors = [c for c in report.checks if c.status == "error"]
        warnings = [c for c in report.checks if c.status == "warning"]
        if errors:
            raise TransitionRefused(f"Acceptation impossible : contrôles bloquants {', '.join(c.code for c in errors)}.")
        if warnings and not warnings_acknowledged:
            raise TransitionRefused(
                f"Des contrôles sont à examiner ({', '.join(c.code for c in warnings)}) : confirmez l'acceptation."
            )
        schedule, origin = schedule_for(contract)
        commitment = Commitment(
            contract=contract,
            regime=schedule.regime.value,
            npec=schedule.npec,
            npec_source=schedule.npec_source.value,
            npec_origin=origin[:500],
            npec_entry=_npec_entry(contract) if schedule.npec_source.value == "referentiel" else None,
            annual_amount=schedule.annual_amount,
            employer_participation=schedule.employer_participation,
            engine_input=simulation_payload(contract),
            created_by=actor,
        )
        commitment.full_clean(exclude=["contract"])
        commitment.save()
        Instalment.objects.bulk_create(_rows(commitment, schedule.instalments, InstalmentOrigin.DECISION))
        apply(
            contract,
            action,
            actor=actor,
            decided_on=timezone.localdate(),
            summary=f"Prise en charge acceptée : {schedule.annual_amount} € par an, NPEC {schedule.npec} € ({origin})",
        )
    return commitment


def contract_refuse(
    *, actor, contract_id: int, codes: list[str], text: str, implicit: bool = False, today: date | None = None
) -> ApprenticeshipContract:
    """Refuse with reasons (check codes and free text); the decision letter is sent to the
    depositor once the refusal is committed."""
    if not implicit and not (codes or text.strip()):
        raise ValidationError({"text": "Un refus est motivé : indiquez des contrôles en cause ou un motif."})
    with transaction.atomic():
        contract, action = lock_for(contract_id, "refuse")
        if implicit:
            # R6224-3, re-checked under the lock: the file may have been declared incomplete (the
            # clock stops) or completed again (a new deadline) since the job listed it.
            today = today or timezone.localdate()
            overdue = contract.decision_due_on is not None and contract.decision_due_on < today
            if contract.status not in (ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION) or not overdue:
                raise TransitionRefused(f"Le dossier {contract.file_number} n'est plus en attente de décision au-delà du délai.")
        contract = apply(
            contract,
            action,
            actor=actor,
            decided_on=timezone.localdate(),
            refusal_codes=sorted(set(codes)),
            refusal_text=text.strip(),
            implicit_refusal=implicit,
            summary="Refus implicite : pas de décision dans les 20 jours (R6224-3)"
            if implicit
            else f"Refus : {', '.join(codes) or text[:200]}",
        )
        transaction.on_commit(lambda: _send_refusal_letter(contract.pk))
    return contract


def contracts_record_implicit_refusals(*, today: date | None = None) -> list[int]:
    """R6224-3: 20 days after the complete file without a decision, the silence is a refusal.
    Each file is refused at most once: the status is re-checked under lock."""
    today = today or timezone.localdate()
    overdue = ApprenticeshipContract.objects.filter(
        status__in=(ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION), decision_due_on__lt=today
    ).values_list("pk", flat=True)
    refused = []
    for contract_id in overdue:
        try:
            contract_refuse(
                today=today,
                actor=None,
                contract_id=contract_id,
                codes=[],
                text="Refus implicite (R6224-3) : absence de décision dans les 20 jours suivant la réception du dossier complet.",
                implicit=True,
            )
        except TransitionRefused:
            continue  # decided meanwhile
        refused.append(contract_id)
    return refused


def _send_refusal_letter(contract_id: int) -> None:
    from contracts.tasks import send_refusal_letter

    send_refusal_letter.delay(contract_id)


# --- Recomputation: rupture, amendment, NPEC regularisation --------------------------------------
@dataclass(frozen=True)
class Reconciliation:
    superseded: int
    added: list[Instalment]


def _rows(commitment: Commitment, lines, origin: str) -> list[Instalment]:
    return [
        Instalment(
            commitment=commitment,
            year=line.year,
            kind=line.kind.value,
            due_date=line.due_date,
            gross=line.gross,
            deduction=line.deduction,
            net=line.net,
            origin=origin,
        )
        for line in lines
    ]


def reconcile(*, commitment: Commitment, schedule: Schedule, origin: str, effective_on: date) -> Reconciliation:
    """Bring the stored schedule to `schedule` without touching a settled (paid or in-run) line:
    open lines are superseded; new lines identical to settled ones are already there; per year, the
    new lines due after the last settled one are added, and whatever still differs becomes one
    regularisation line (possibly negative: a trop-perçu) due the day after `effective_on`."""
    # Payable lines not yet claimed by a payment run are cancelled first; one being claimed by a run
    # prepared right now is waited for (row lock) and then counts as settled (payments.services).
    handed_over = list(commitment.instalments.filter(status=InstalmentStatus.PAYABLE).values_list("id", flat=True))
    payable_lines_cancel(source_model=Instalment, source_ids=handed_over)
    stored = list(commitment.instalments.exclude(status=InstalmentStatus.SUPERSEDED))
    settled = [line for line in stored if line.status in SETTLED]
    superseded = commitment.instalments.filter(status__in=OPEN).update(status=InstalmentStatus.SUPERSEDED)

    def signature(line) -> tuple:
        kind = line.kind if isinstance(line.kind, str) else line.kind.value
        return (line.year, kind, line.due_date, line.gross, line.deduction)

    settled_by_year: dict[int, list[Instalment]] = defaultdict(list)
    for line in settled:
        settled_by_year[line.year].append(line)
    new_by_year = defaultdict(list)
    for line in schedule.instalments:
        new_by_year[line.year].append(line)

    added: list[Instalment] = []
    for year in sorted(set(settled_by_year) | set(new_by_year)):
        unmatched_settled = list(settled_by_year[year])
        candidates = []
        for line in new_by_year[year]:
            match = next((s for s in unmatched_settled if signature(s) == signature(line)), None)
            if match is not None:
                unmatched_settled.remove(match)
            else:
                candidates.append(line)
        last_settled = max((s.due_date for s in settled_by_year[year]), default=None)
        future = [line for line in candidates if last_settled is None or line.due_date > last_settled]
        rows = _rows(commitment, future, origin)
        target = sum((line.net for line in new_by_year[year]), ZERO)
        covered = sum((s.net for s in settled_by_year[year]), ZERO) + sum((row.net for row in rows), ZERO)
        if target != covered:
            rows.append(
                Instalment(
                    commitment=commitment,
                    year=year,
                    kind="regularisation",
                    due_date=effective_on + timedelta(days=1),
                    gross=target - covered,
                    deduction=ZERO,
                    net=target - covered,
                    origin=origin,
                )
            )
        added.extend(rows)
    Instalment.objects.bulk_create(added)
    return Reconciliation(superseded, added)


def contract_rupture(*, actor, contract_id: int, rupture_date: date, cause: str, during_probation: bool = False) -> Rupture:
    with transaction.atomic():
        contract, action = lock_for(contract_id, "rupture")
        if not contract.start_date <= rupture_date <= contract.end_date:
            raise ValidationError({"date": "La date de rupture doit être comprise entre le début et la fin prévue du contrat."})
        rupture = Rupture(contract=contract, date=rupture_date, cause=cause, during_probation=during_probation, recorded_by=actor)
        rupture.full_clean(exclude=["contract"])
        rupture.save()
        summary = f"Rupture au {rupture_date:%d/%m/%Y}"
        if hasattr(contract, "commitment"):
            commitment = Commitment.objects.select_for_update().get(contract=contract)
            schedule, _ = schedule_for(contract, rupture=rupture, npec=commitment.npec)
            result = reconcile(
                commitment=contract.commitment, schedule=schedule, origin=InstalmentOrigin.RUPTURE, effective_on=rupture_date
            )
            summary += f" : {result.superseded} échéance(s) remplacée(s), {len(result.added)} ajoutée(s)"
        apply(contract, action, actor=actor, summary=summary)
    return rupture


# Fields an amendment may change, with how the value is read from a form or the API.
AMENDABLE = {
    "end_date": date.fromisoformat,
    "rncp": str,
    "level": int,
    "training_end": date.fromisoformat,
    "training_hours": int,
    "cfa_siret": str,
    "cfa_uai": str,
}


def contract_amend(*, actor, contract_id: int, amendment_type: str, effective_on: date, changes: dict):
    """An amendment (CERFA types 31 to 38): the contract changes, the schedule is recomputed, paid
    lines stay, differences become new lines (D6224-5: the OPCO decides whether to keep funding)."""
    from contracts.models import Amendment

    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ValidationError({"changes": f"Champ(s) non modifiables par avenant : {', '.join(sorted(unknown))}."})
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        if contract.status not in (ContractStatus.ACCEPTED, ContractStatus.DEPOSITED, ContractStatus.RUNNING):
            raise TransitionRefused(
                "Un avenant ne s'enregistre que sur un contrat accepté, déposé ou en cours "
                f"(ici : {contract.get_status_display()})."
            )
        before = audit.snapshot(contract, list(changes))
        for name, value in changes.items():
            setattr(contract, name, AMENDABLE[name](value) if isinstance(value, str) and AMENDABLE[name] is not str else value)
        if "rncp" in changes:  # the certification follows its fiche (amendment type 35)
            contract.certification = (
                Certification.objects.filter(rncp=contract.rncp).exclude(level=None).order_by("-active").first()
            )
        contract.full_clean(exclude=["employer", "certification", "cfa", "assigned_to"])
        contract.save()
        amendment = Amendment(
            contract=contract,
            amendment_type=amendment_type,
            effective_on=effective_on,
            changes=audit.diff(before, audit.snapshot(contract, list(changes))),
            recorded_by=actor,
        )
        amendment.full_clean(exclude=["contract"])
        amendment.save()
        summary = f"Avenant {amendment_type} au {effective_on:%d/%m/%Y}"
        if hasattr(contract, "commitment"):
            commitment = Commitment.objects.select_for_update().get(contract=contract)
            certification_changed = bool({"rncp", "level"} & set(changes))
            # A new certification (type 35) takes its own level; otherwise the committed NPEC stays.
            schedule, origin = schedule_for(contract, npec=None if certification_changed else commitment.npec)
            if certification_changed:
                _commit_npec(commitment, contract, schedule, origin)
            result = reconcile(
                commitment=commitment, schedule=schedule, origin=InstalmentOrigin.AMENDMENT, effective_on=effective_on
            )
            summary += f" : {result.superseded} échéance(s) remplacée(s), {len(result.added)} ajoutée(s)"
        audit.record(actor=actor, action="contract_amend", target=contract, changes=amendment.changes, summary=summary)
    return amendment


def contracts_awaiting_npec_regularisation(contracts=None) -> list[tuple[ApprenticeshipContract, Decimal]]:
    """(contract, published NPEC) for the contracts financed at the valeur d'amorçage whose level
    the referential now publishes (D6332-80): the list staff regularise from."""
    from branches.npec import lookup_npec

    if contracts is None:
        contracts = ApprenticeshipContract.objects.all()
    found = []
    for contract in contracts.filter(commitment__npec_source="amorcage").select_related("commitment").order_by("signed_on", "pk"):
        level = lookup_npec(rncp=contract.rncp, idcc=contract.employer_idcc, on=contract.signed_on)
        if level is not None and level.amount is not None:
            found.append((contract, level.amount))
    return found


def _commit_npec(commitment: Commitment, contract: ApprenticeshipContract, schedule: Schedule, origin: str) -> None:
    """The commitment takes the level the schedule was computed with, and where it came from."""
    commitment.npec, commitment.npec_source, commitment.npec_origin = schedule.npec, schedule.npec_source.value, origin[:500]
    commitment.annual_amount, commitment.employer_participation = schedule.annual_amount, schedule.employer_participation
    commitment.npec_entry = _npec_entry(contract) if schedule.npec_source.value == "referentiel" else None
    commitment.save(update_fields=["npec", "npec_source", "npec_origin", "annual_amount", "employer_participation", "npec_entry"])


def commitment_regularise_npec(*, actor, contract_id: int) -> Commitment:
    """D6332-80: a contract funded at the valeur d'amorçage is regularised once its level is
    published: recompute with the referential's NPEC, keep what was paid, add the difference."""
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        # Locked and read again after the contract's lock: a concurrent regularisation is seen.
        commitment = Commitment.objects.select_for_update().get(contract=contract)
        if commitment.npec_source != "amorcage":
            raise TransitionRefused("Ce contrat n'est pas financé à la valeur d'amorçage.")
        rupture = getattr(contract, "rupture", None)
        schedule, origin = schedule_for(contract, rupture=rupture)
        if schedule.npec_source.value != "referentiel":
            raise TransitionRefused("Aucun niveau n'est encore publié pour cette certification et cette branche.")
        before = {"npec": str(commitment.npec), "annual_amount": str(commitment.annual_amount)}
        result = reconcile(
            commitment=commitment, schedule=schedule, origin=InstalmentOrigin.REGULARISATION, effective_on=timezone.localdate()
        )
        _commit_npec(commitment, contract, schedule, origin)
        audit.record(
            actor=actor,
            action="commitment_regularise_npec",
            target=contract,
            changes={
                "npec": [before["npec"], str(schedule.npec)],
                "annual_amount": [before["annual_amount"], str(schedule.annual_amount)],
            },
            summary=f"Régularisation NPEC : {result.superseded} échéance(s) remplacée(s), {len(result.added)} ajoutée(s)",
        )
    return commitment
