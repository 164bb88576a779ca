"""Decisions that commit or move money: accepting (the financing commitment and its schedule),
refusing (reasoned letter), the implicit refusal of R6224-3, ruptures, amendments and NPEC
regularisations — which recompute the schedule with the engine without ever touching a paid line.

Why one module over 600 lines: acceptance, refusal, rupture, amendment and NPEC regularisation all
recompute the same commitment through one `reconcile` (paid lines never edited); split, each would
carry a copy of that rule.
"""

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.alternance.workflow import CONTRACTS, TransitionRefused
from contracts.enums import ContractKind, ContractStatus, InstalmentOrigin
from contracts.financing.engine import Schedule
from contracts.financing.io import InvalidInput
from contracts.financing.professionalisation import (
    EMPLOYER_KINDS,
    ProfessionalisationSchedule,
    forfait_origin,
    master_aid_line,
)
from contracts.financing.service import professionalisation_run, simulation_run
from contracts.models import ApprenticeshipContract, Commitment, Instalment, Rupture
from opco import audit
from opco.money import euros
from payments.budgets import budget_commit, budget_net_by_month
from payments.enums import ScheduleStatus
from payments.services import payable_lines_cancel
from referentials.models import Certification

ZERO = Decimal("0.00")
# Lines already handed to payments: they stay as they are, whatever is recomputed.
# A not-due balance (R6332-25 III 4°) is decided too: a recomputation does not revive it.
SETTLED = (ScheduleStatus.PAID, ScheduleStatus.IN_RUN, ScheduleStatus.RECOVERY, ScheduleStatus.NOT_DUE)
OPEN = (ScheduleStatus.PLANNED, ScheduleStatus.PAYABLE)


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


def professionalisation_payload(contract: ApprenticeshipContract, *, forfait: Decimal | None = None) -> dict:
    """The simulator's input for a professionalisation contract (EJ20 payload stored on the file):
    the tutor is the first one declared; `forfait` pins the committed hourly rate."""
    stored = contract.payload or {}
    payload = {
        "contrat": "professionnalisation",
        "signature_date": contract.signed_on.isoformat(),
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "heures_formation": str(contract.training_hours),
        "public_prioritaire": contract.priority_public,
        "geiq": contract.geiq,
    }
    if contract.employer_idcc:
        payload["idcc"] = contract.employer_idcc
    if forfait is not None:
        payload["forfait_horaire"] = str(forfait)
    tutors = list(contract.masters.order_by("pk")[:1])
    if tutors:
        declared = (stored.get("tuteurs") or [{}])[0] or {}
        tutor = {"age": age_on_day(tutors[0].birth_date, contract.start_date)}
        if declared.get("formation_heures") not in (None, ""):
            tutor["formation_heures"] = str(declared["formation_heures"])
        payload["tuteur"] = tutor
        if stored.get("tutorat_mois") not in (None, ""):
            payload["tutorat_mois"] = int(stored["tutorat_mois"])
    return payload


def age_on_day(birth: date, day: date) -> int:
    from contracts.alternance.checks import age_on

    return age_on(birth, day)


def _professionalisation_schedule(
    contract: ApprenticeshipContract, *, rupture: Rupture | None = None, forfait: Decimal | None = None
) -> tuple[ProfessionalisationSchedule, str]:
    try:
        schedule = professionalisation_run(
            professionalisation_payload(contract, forfait=forfait), rupture_date=rupture.date if rupture else None
        )
    except InvalidInput as exc:
        raise ValidationError(" ; ".join(exc.errors.values()))
    return schedule, forfait_origin(schedule.financing)


def _with_master_aid(schedule: Schedule, contract: ApprenticeshipContract, aid: dict | None, rupture: Rupture | None):
    """The engine's schedule plus the master aid line when the branch decided it (D6332-93 2°)."""
    if not aid:
        return schedule
    line = master_aid_line(
        contract.start_date,
        contract.end_date,
        monthly=Decimal(aid["monthly"]),
        max_months=int(aid["max_months"]),
        rupture_date=rupture.date if rupture else None,
    )
    if line is None:
        return schedule
    return dataclasses.replace(schedule, instalments=[*schedule.instalments, line])


def master_aid_decided(contract: ApprenticeshipContract) -> dict | None:
    """The branch's master aid applicable on the signature date, as snapshotted on the commitment."""
    from branches.funding import master_aid_for

    found = master_aid_for(contract.employer_idcc, contract.signed_on)
    if found is None:
        return None
    return {"monthly": str(found.monthly_amount), "max_months": found.max_months, "source": found.source_text}


def schedule_for(
    contract: ApprenticeshipContract, *, rupture: Rupture | None = None, npec: Decimal | None = None, aid: dict | None = None
) -> tuple[Schedule | ProfessionalisationSchedule, str]:
    """The schedule for the contract as it stands. `npec` pins the level (the commitment's own; for a
    professionalisation contract, its hourly forfait): a later publication changes the money only
    through an explicit regularisation (DESIGN.md). `aid` is the master aid snapshot, if any."""
    if contract.contract_kind == ContractKind.PROFESSIONNALISATION:
        return _professionalisation_schedule(contract, rupture=rupture, forfait=npec)
    payload = simulation_payload(contract, rupture=rupture)
    if npec is not None:
        payload["npec"] = str(npec)
    try:
        schedule, origin = simulation_run(payload)
    except InvalidInput as exc:
        raise ValidationError(" ; ".join(exc.errors.values()))
    return _with_master_aid(schedule, contract, aid, rupture), origin


def commitment_aid(commitment: Commitment) -> dict | None:
    return (commitment.engine_input or {}).get("aide_maitre")


def _npec_entry(contract: ApprenticeshipContract):
    from branches.npec import lookup_npec

    found = lookup_npec(rncp=contract.rncp, idcc=contract.employer_idcc, on=contract.signed_on)
    return found.entry if found and found.amount is not None else None


# --- The section budget (L6332-3, R6332-15) ------------------------------------------------------
# Lines that no longer commit money: replaced by a recomputation, or closed as not due (R6332-25 III 4°).
UNCOMMITTED = (ScheduleStatus.SUPERSEDED, ScheduleStatus.NOT_DUE)


def commitment_budget_sync(commitment: Commitment, *, actor, allow_overrun: bool) -> None:
    """Bring the section's ledger to the commitment's live schedule, month by month: the whole
    schedule at acceptance, the difference after a rupture, an amendment or a regularisation. The
    dotation rows are locked until the caller's transaction commits, so simultaneous acceptances are
    checked one after the other and never pass the dotation unseen (BudgetExceeded otherwise)."""
    section = commitment.financial_section
    target: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for due_date, net in commitment.instalments.exclude(status__in=UNCOMMITTED).values_list("due_date", "net"):
        target[due_date.replace(day=1)] += net
    ledger = budget_net_by_month(commitment)
    recorded = {month: amount for (line_section, month), amount in ledger.items() if line_section == section}
    movements = [(month, target.get(month, ZERO) - recorded.get(month, ZERO)) for month in sorted(set(target) | set(recorded))]
    budget_commit(
        actor=actor,
        section=section,
        source=commitment,
        reference=commitment.contract.file_number,
        label=f"Contrat {commitment.contract.file_number}",
        movements=[(month, amount) for month, amount in movements if amount],
        allow_overrun=allow_overrun,
    )


# --- Accept, refuse, implicit refusal -------------------------------------------------------------
def contract_accept(
    *,
    actor,
    contract_id: int,
    warnings_acknowledged: bool = False,
    implicit: bool = False,
    today: date | None = None,
    budget_overrun_acknowledged: bool = False,
) -> Commitment:
    """Accept the funding: the checks must show no error (and warnings must be acknowledged); the
    commitment snapshots the NPEC (or the hourly forfait) and its origin, and the schedule is stored
    as rows, and drawn on the section's dotation (refused past it unless the overrun is acknowledged).
    `implicit` is D6325-2's silence on a professionalisation contract: the funding is deemed accepted
    and the contract deemed deposited, whatever the checks or the dotation say (both kept for review)."""
    from contracts.alternance.check_runs import contract_check

    with transaction.atomic():
        contract, action = CONTRACTS.lock(contract_id, "accept_implicit" if implicit else "accept", actor=actor)
        professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
        if implicit:
            # Re-checked under the lock: the file may have been decided, declared incomplete (the
            # clock stops) or completed again (a new deadline) since the job listed it.
            today = today or timezone.localdate()
            overdue = contract.decision_due_on is not None and contract.decision_due_on < today
            if not professionalisation or not overdue:
                raise TransitionRefused(f"Le dossier {contract.file_number} n'est plus en attente de décision au-delà du délai.")
            contract_check(contract=contract, actor=actor)
        else:
            report = contract_check(contract=contract, actor=actor)
            errors = [c for c in report.checks if c.status == "error"]
            warnings = [c for c in report.checks if c.status == "warning"]
            if errors:
                raise TransitionRefused(f"Acceptation impossible : contrôles bloquants {', '.join(c.code for c in errors)}.")
            if warnings and not warnings_acknowledged:
                raise TransitionRefused(
                    f"Des contrôles sont à examiner ({', '.join(c.code for c in warnings)}) : confirmez l'acceptation."
                )
        if professionalisation:
            commitment, summary = _professionalisation_commitment(contract, actor)
            # D6325-2: the OPCO's acceptance deposits the contract (no DECA step).
            to_status = ContractStatus.DEPOSITED
        else:
            commitment, summary = _apprenticeship_commitment(contract, actor)
            to_status = None
        # The law decides on silence: the dotation is then overrun knowingly, and the dashboard says so.
        commitment_budget_sync(commitment, actor=actor, allow_overrun=implicit or budget_overrun_acknowledged)
        if implicit:
            summary = f"Acceptation implicite (D6325-2) : pas de décision dans les 20 jours. {summary}"
        CONTRACTS.apply(
            contract,
            action,
            actor=actor,
            to_status=to_status,
            decided_on=today if implicit else timezone.localdate(),
            implicit_acceptance=implicit,
            summary=summary,
        )
    return commitment


def _apprenticeship_commitment(contract: ApprenticeshipContract, actor) -> tuple[Commitment, str]:
    aid = master_aid_decided(contract)
    schedule, origin = schedule_for(contract, aid=aid)
    engine_input = simulation_payload(contract)
    if aid:
        engine_input["aide_maitre"] = aid
    commitment = Commitment(
        contract=contract,
        regime=schedule.regime.value,
        npec=schedule.npec,
        npec_source=schedule.npec_source.value,
        npec_origin=origin[:500],
        npec_entry=_npec_entry(contract) if schedule.npec_source.value == "referentiel" else None,
        annual_amount=schedule.annual_amount,
        employer_participation=schedule.employer_participation,
        engine_input=engine_input,
        created_by=actor,
    )
    commitment.full_clean(exclude=["contract", "created_by"])  # None when the silence decides (D6325-2)
    commitment.save()
    Instalment.objects.bulk_create(_rows(commitment, schedule.instalments, InstalmentOrigin.DECISION))
    summary = f"Prise en charge acceptée : {euros(schedule.annual_amount)} par an, NPEC {euros(schedule.npec)} ({origin})"
    if aid:
        summary += f" ; aide au maître d'apprentissage {euros(aid['monthly'])}/mois (D6332-93 2°)"
    return commitment, summary


def _professionalisation_commitment(contract: ApprenticeshipContract, actor) -> tuple[Commitment, str]:
    schedule, origin = schedule_for(contract)
    financing = schedule.financing
    commitment = Commitment(
        contract=contract,
        regime=schedule.regime,
        npec=financing.forfait_horaire,
        npec_source=financing.forfait_source.value,
        npec_origin=origin[:500],
        annual_amount=financing.total,
        engine_input=professionalisation_payload(contract),
        created_by=actor,
    )
    commitment.full_clean(exclude=["contract", "created_by"])  # None when the silence decides (D6325-2)
    commitment.save()
    Instalment.objects.bulk_create(_rows(commitment, schedule.instalments, InstalmentOrigin.DECISION))
    summary = (
        f"Prise en charge acceptée : formation {euros(financing.formation)} ({origin}), tutorat {euros(financing.tutorat)}, "
        f"formation du tuteur {euros(financing.formation_tuteur)} ; total {euros(financing.total)}"
    )
    return commitment, summary


def contract_refuse(
    *, actor, contract_id: int, codes: list[str], text: str, implicit: bool = False, today: date | None = None
) -> ApprenticeshipContract:
    """Refuse with reasons (check codes and free text); the decision letter is sent to the
    depositor once the refusal is committed."""
    if not implicit and not (codes or text.strip()):
        raise ValidationError({"text": "Un refus est motivé : indiquez des contrôles en cause ou un motif."})
    with transaction.atomic():
        contract, action = CONTRACTS.lock(contract_id, "refuse", actor=actor)
        if implicit:
            # R6224-3, re-checked under the lock: the file may have been declared incomplete (the
            # clock stops) or completed again (a new deadline) since the job listed it.
            today = today or timezone.localdate()
            overdue = contract.decision_due_on is not None and contract.decision_due_on < today
            apprenticeship = contract.contract_kind == ContractKind.APPRENTISSAGE
            if (
                contract.status not in (ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION)
                or not overdue
                or not apprenticeship
            ):
                raise TransitionRefused(f"Le dossier {contract.file_number} n'est plus en attente de décision au-delà du délai.")
        contract = CONTRACTS.apply(
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
    return contract


def _overdue(kind: str, today: date):
    return ApprenticeshipContract.objects.filter(
        contract_kind=kind, status__in=(ContractStatus.RECEIVED, ContractStatus.UNDER_INSTRUCTION), decision_due_on__lt=today
    ).values_list("pk", flat=True)


def contracts_record_implicit_acceptances(*, today: date | None = None) -> list[int]:
    """D6325-2: 20 days after the contract and its annex are received without a decision, the funding
    of a professionalisation contract is deemed accepted and the contract deemed deposited. Each file
    is accepted at most once: the status and the deadline are re-checked under lock."""
    today = today or timezone.localdate()
    accepted = []
    for contract_id in _overdue(ContractKind.PROFESSIONNALISATION, today):
        try:
            contract_accept(actor=None, contract_id=contract_id, implicit=True, today=today)
        except TransitionRefused:
            continue  # decided meanwhile
        accepted.append(contract_id)
    return accepted


def contracts_record_implicit_refusals(*, today: date | None = None) -> list[int]:
    """R6224-3: 20 days after the complete file without a decision, the silence is a refusal (for an
    apprenticeship contract; D6325-2 says the opposite for a professionalisation contract).
    Each file is refused at most once: the status is re-checked under lock."""
    today = today or timezone.localdate()
    overdue = _overdue(ContractKind.APPRENTISSAGE, today)
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


# --- Recomputation: rupture, amendment, NPEC regularisation --------------------------------------
@dataclass(frozen=True)
class Reconciliation:
    superseded: int
    added: list[Instalment]


def _kind(line) -> str:
    return line.kind if isinstance(line.kind, str) else line.kind.value


def payee_of(kind: str) -> str:
    """Who a line pays: the employer for the tutoring, tutor-training and master aids, else the CFA or
    training body. A regularisation keeps its payee (a CFA's trop-perçu is never netted on an aid)."""
    return "employer" if kind in EMPLOYER_KINDS else "provider"


def _rows(commitment: Commitment, lines, origin: str) -> list[Instalment]:
    return [
        Instalment(
            commitment=commitment,
            year=line.year,
            kind=_kind(line),
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
    handed_over = list(commitment.instalments.filter(status=ScheduleStatus.PAYABLE).values_list("id", flat=True))
    payable_lines_cancel(source_model=Instalment, source_ids=handed_over)
    stored = list(commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED))
    settled = [line for line in stored if line.status in SETTLED]
    superseded = commitment.instalments.filter(status__in=OPEN).update(status=ScheduleStatus.SUPERSEDED)

    def signature(line) -> tuple:
        return (line.year, _kind(line), line.due_date, line.gross, line.deduction)

    # Per contract year and per payee: an employer's aid and a CFA's instalments are two accounts.
    settled_by_year: dict[tuple[int, str], list[Instalment]] = defaultdict(list)
    for line in settled:
        settled_by_year[(line.year, payee_of(line.kind))].append(line)
    new_by_year = defaultdict(list)
    for line in schedule.instalments:
        new_by_year[(line.year, payee_of(_kind(line)))].append(line)

    added: list[Instalment] = []
    for year, payee in sorted(set(settled_by_year) | set(new_by_year)):
        key = (year, payee)
        unmatched_settled = list(settled_by_year[key])
        candidates = []
        for line in new_by_year[key]:
            match = next((s for s in unmatched_settled if signature(s) == signature(line)), None)
            if match is not None:
                unmatched_settled.remove(match)
            else:
                candidates.append(line)
        last_settled = max((s.due_date for s in settled_by_year[key]), default=None)
        future = [line for line in candidates if last_settled is None or line.due_date > last_settled]
        rows = _rows(commitment, future, origin)
        target = sum((line.net for line in new_by_year[key]), ZERO)
        covered = sum((s.net for s in settled_by_year[key]), ZERO) + sum((row.net for row in rows), ZERO)
        if target != covered:
            rows.append(
                Instalment(
                    commitment=commitment,
                    year=year,
                    kind="regul_employeur" if payee == "employer" else "regularisation",
                    due_date=effective_on + timedelta(days=1),
                    gross=target - covered,
                    deduction=ZERO,
                    net=target - covered,
                    origin=origin,
                )
            )
        added.extend(rows)
    Instalment.objects.bulk_create(added)
    # A recomputation follows a commitment already decided: its difference is recorded even past the
    # dotation (and shown as an overrun on the dashboard), never refused.
    commitment_budget_sync(commitment, actor=None, allow_overrun=True)
    return Reconciliation(superseded, added)


def contract_rupture(*, actor, contract_id: int, rupture_date: date, cause: str, during_probation: bool = False) -> Rupture:
    with transaction.atomic():
        contract, action = CONTRACTS.lock(contract_id, "rupture", actor=actor)
        if not contract.start_date <= rupture_date <= contract.end_date:
            raise ValidationError({"date": "La date de rupture doit être comprise entre le début et la fin prévue du contrat."})
        rupture = Rupture(contract=contract, date=rupture_date, cause=cause, during_probation=during_probation, recorded_by=actor)
        rupture.full_clean(exclude=["contract"])
        rupture.save()
        summary = f"Rupture au {rupture_date:%d/%m/%Y}"
        if hasattr(contract, "commitment"):
            commitment = Commitment.objects.select_for_update().get(contract=contract)
            schedule, _ = schedule_for(contract, rupture=rupture, npec=commitment.npec, aid=commitment_aid(commitment))
            result = reconcile(
                commitment=contract.commitment, schedule=schedule, origin=InstalmentOrigin.RUPTURE, effective_on=rupture_date
            )
            summary += f" : {result.superseded} échéance(s) remplacée(s), {len(result.added)} ajoutée(s)"
        CONTRACTS.apply(contract, action, actor=actor, summary=summary)
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
            # A professionalisation contract keeps its committed hourly forfait whatever its qualification.
            certification_changed = contract.contract_kind == ContractKind.APPRENTISSAGE and bool(
                {"rncp", "level"} & set(changes)
            )
            # A new certification (type 35) takes its own level; otherwise the committed NPEC stays.
            schedule, origin = schedule_for(
                contract, npec=None if certification_changed else commitment.npec, aid=commitment_aid(commitment)
            )
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
        schedule, origin = schedule_for(contract, rupture=rupture, aid=commitment_aid(commitment))
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
