"""Writes on training funding requests: filing, instruction, decision by the rules under the envelope's
lock with a waiting list, service fait (R6332-26), payment after the action (R6332-25 I), corrections.

Every door (the form, the API, the advisor's screen, the demo) calls these functions; who may is
checked here."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from branches.models import Branch
from notifications.services import notification_notify
from opco import audit
from opco.checks import fr_date
from opco.money import euros, round_money
from payments.budgets import BudgetExceeded, branch_key, envelope_commit, section_key
from payments.enums import BeneficiaryKind, FinancialSection, ScheduleStatus
from referentials.models import Company, Idcc, TrainingProvider
from referentials.services import company_for_siret
from sme_services.funding.engine import compute, parse_request
from sme_services.funding.enums import Channel, EvidenceKind, Modality, PaymentKind
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.models import Evidence, FundingPayment, FundingRuleSet, TrainingRequest
from sme_services.funding.rules import SSCT
from sme_services.funding.rulesets import parsed_rule_sets
from sme_services.funding.simulation import smic_table
from sme_services.funding.workflow import COUNTED, DECISION, FILERS, REQUESTS
from sme_services.models import PortfolioCompany

ZERO = Decimal("0.00")
EXTRA_KEYS = {"provider_siret", "subrogation", "trainee_name", "provider_approved", "afest_project"}
CONDITIONS = (
    "Paiement après la réalisation de l'action (C. trav. R6332-25 I), sur présentation des pièces de service fait "
    "(R6332-26) : la facture de l'organisme de formation, le certificat de réalisation et, pour la rémunération et "
    "les frais annexes, l'état des frais de l'employeur. Le montant dû est réduit au prorata des heures réalisées ; "
    "il ne dépasse jamais le montant accordé."
)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def consumed_this_year(company: Company, dispositif: str, year: int, *, exclude: int | None = None) -> Decimal:
    """§2 house rule: Σ counted_against_cap of the company's accepted requests of the dispositif whose
    training starts in `year` (SSCT has its own cap)."""
    rows = TrainingRequest.objects.filter(company=company, dispositif=dispositif, status__in=COUNTED, start__year=year)
    if exclude:
        rows = rows.exclude(pk=exclude)
    return round_money(rows.aggregate(total=Sum("counted_against_cap"))["total"] or ZERO)


def branch_of(company: Company) -> Branch | None:
    if company.idcc_id is None:
        return None
    return Branch.objects.filter(idccs=company.idcc_id).first()


def _errors(error: InvalidInput) -> ValidationError:
    return ValidationError({error.path: str(error)})


def _may_file_for(actor, company: Company | None) -> None:
    """Staff file for any company, an advisor for the companies of their portfolio."""
    if actor is None:
        return
    if not any(role(actor) for role in FILERS):
        raise PermissionDenied("Votre rôle ne permet pas de déposer une demande de financement.")
    if roles.STAFF(actor):
        return
    if company is None or not PortfolioCompany.objects.filter(advisor=actor, company=company).exists():
        raise PermissionDenied("Cette entreprise n'est pas dans votre portefeuille.")


def _simulate(request: TrainingRequest):
    payload = dict(request.payload)
    payload["filed_on"] = request.received_on.isoformat()
    payload["consumed_this_year"] = str(
        consumed_this_year(request.company, request.dispositif, request.start.year, exclude=request.pk)
    )
    try:
        return compute(parse_request(payload), parsed_rule_sets(), smic_table()), payload
    except LookupError as error:  # no SMIC in force: the legal parameters are not loaded
        raise ValidationError({"training.start": str(error)}) from None


def training_request_file(*, actor, data: dict, channel: str = Channel.STAFF, received_on: date | None = None) -> TrainingRequest:
    """File a request: `data` is the simulator's request (§2; `filed_on` and `consumed_this_year` are the
    OPCO's) with the request's own keys (`provider_siret`, `subrogation`, and for SSCT `trainee_name`
    and `provider_approved`, for an AFEST `afest_project`). Refused (ValidationError naming the field,
    nothing stored) when invalid; the decision is due within two months (R6332-24)."""
    if not isinstance(data, dict):
        raise ValidationError({"payload": "Un objet JSON est attendu."})
    received = _today(received_on)
    extra = {key: data[key] for key in EXTRA_KEYS if key in data}
    payload = {key: value for key, value in data.items() if key not in EXTRA_KEYS | {"filed_on", "consumed_this_year"}}
    payload["filed_on"] = received.isoformat()
    try:
        parsed = parse_request(payload)
    except InvalidInput as error:
        raise _errors(error) from None
    idcc = Idcc.objects.filter(code=parsed.idcc).first()
    company = Company.objects.filter(siret=parsed.siret).select_related("idcc").first()
    _may_file_for(actor, company)
    if company is None:
        company = company_for_siret(siret=parsed.siret, name=f"Entreprise {parsed.siret}", idcc=idcc, headcount=parsed.headcount)
    provider = None
    provider_siret = extra.get("provider_siret") or ""
    if not isinstance(provider_siret, str):
        raise ValidationError({"provider_siret": "Un SIRET (14 chiffres) est attendu."})
    provider_siret = provider_siret.replace(" ", "").replace(".", "")
    if provider_siret:
        provider = TrainingProvider.objects.filter(siret=provider_siret).first()
        if provider is None:
            raise ValidationError({"provider_siret": "Organisme de formation inconnu du référentiel."})
    subrogation = extra.get("subrogation") is True
    if subrogation and provider is None:
        raise ValidationError({"subrogation": "La subrogation demande l'organisme de formation qui sera payé."})
    fields = {}
    if parsed.dispositif == SSCT:
        trainee = (extra.get("trainee_name") or "").strip() if isinstance(extra.get("trainee_name"), str) else ""
        if not trainee:
            raise ValidationError({"trainee_name": "Indiquez le membre du CSE formé."})
        if extra.get("provider_approved") is not True:
            # L2315-17, R2315-8: the SSCT training is given by a certified or approved body.
            raise ValidationError(
                {
                    "provider_approved": "La formation SSCT est dispensée par un organisme certifié ou agréé (L2315-17) : "
                    "confirmez-le."
                }
            )
        fields.update(trainee_name=trainee[:150], mandate=parsed.mandate, days=parsed.days, provider_approved=True)
    else:
        for key in ("trainee_name", "provider_approved"):
            if key in extra:
                raise ValidationError({key: "Champ réservé à la formation SSCT des membres du CSE."})
    if parsed.modality == Modality.AFEST:
        from sme_services.models import AfestProject

        project = AfestProject.objects.filter(
            pk=extra.get("afest_project") if isinstance(extra.get("afest_project"), int) else None
        )
        project = project.filter(company=company).first()
        if project is None:
            raise ValidationError(
                {"afest_project": "Une AFEST financée se rattache à un projet AFEST de l'entreprise (D6313-3-2)."}
            )
        fields["afest_project"] = project
    elif "afest_project" in extra:
        raise ValidationError({"afest_project": "Seule une action en AFEST se rattache à un projet AFEST."})
    request = TrainingRequest(
        file_number="FP-provisoire",
        company=company,
        branch=branch_of(company),
        dispositif=parsed.dispositif,
        channel=channel,
        title=parsed.title[:200],
        theme=parsed.theme[:80],
        modality=parsed.modality,
        start=parsed.start,
        end=parsed.end,
        trainees=parsed.trainees,
        provider=provider,
        subrogation=subrogation,
        payload=payload,
        received_on=received,
        complete_on=received,
        decision_due_on=DECISION.due_on(received),
        filed_by=_user(actor),
        **fields,
    )
    with transaction.atomic():
        result, _ = _simulate(request)
        request.result = result.as_dict()
        request.asked_total = sum((line["asked"] for line in result.lines), ZERO)
        request.full_clean(exclude=["file_number", *REQUESTS.clean_exclude])
        request.save()
        request.file_number = f"FP-{received.year}-{request.pk:06d}"
        request.save(update_fields=["file_number"])
        audit.record(
            actor=actor,
            action="training_request_file",
            target=request,
            changes={"status": [None, request.status], "company": [None, company.siret]},
            summary=f"Demande reçue le {fr_date(received)} : décision due le {fr_date(request.decision_due_on)} (R6332-24)",
        )
    return request


def training_request_instruct(*, actor, pk: int) -> TrainingRequest:
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "instruct", actor=actor)
        fields = {"assigned_to": actor} if request.assigned_to_id is None and _user(actor) else {}
        return REQUESTS.apply(request, action, actor=actor, **fields)


def training_request_incomplete(*, actor, pk: int, message: str) -> TrainingRequest:
    if not (message or "").strip():
        raise ValidationError({"message": "Indiquez les pièces ou informations demandées."})
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "request_documents", actor=actor)
        return REQUESTS.apply(
            request, action, actor=actor, incomplete_message=message.strip(), complete_on=None, decision_due_on=None
        )


def training_request_complete(*, actor, pk: int, today: date | None = None) -> TrainingRequest:
    day = _today(today)
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "documents_received", actor=actor)
        return REQUESTS.apply(request, action, actor=actor, complete_on=day, decision_due_on=DECISION.due_on(day))


def _keys(request: TrainingRequest) -> list:
    keys = [section_key(FinancialSection.PLAN_UNDER_50)]
    if request.branch_id:
        keys.append(branch_key(request.branch))
    return keys


def _tell_company(request: TrainingRequest, title: str) -> None:
    """The company is told: its contacts by e-mail when h14's contacts carry one, the filer in the app."""
    link = reverse("funding:request-detail", args=[request.pk])
    if request.filed_by_id:
        transaction.on_commit(
            lambda: notification_notify(users=[request.filed_by], title=title[:200], link=link, kind="training_request")
        )
    emails = [email for email in request.company.contacts.exclude(email="").values_list("email", flat=True)]
    if emails:
        from notifications.services import email_send

        context = {"request": request, "title": title}
        transaction.on_commit(lambda: email_send(to=emails, template="sme_services/emails/training_request", context=context))


def _earlier_waiting(request: TrainingRequest) -> bool:
    """Whether requests filed before this one wait on the same branch quarter: the waiting list is
    served in filing order."""
    quarter_months = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}[(request.start.month - 1) // 3 + 1]
    return (
        TrainingRequest.objects.filter(
            status=S.WAITING,
            branch_id=request.branch_id,
            start__year=request.start.year,
            start__month__gte=quarter_months[0],
            start__month__lte=quarter_months[1],
        )
        .filter(received_on__lte=request.received_on)
        .exclude(received_on=request.received_on, pk__gt=request.pk)
        .exclude(pk=request.pk)
        .exists()
    )


class _Queued(Exception):
    """Requests filed earlier wait on the same quarter: this one goes behind them."""


def _commit(request: TrainingRequest, amount: Decimal, actor) -> None:
    envelope_commit(
        actor=actor,
        envelopes=_keys(request),
        source=request,
        reference=request.file_number,
        movements=[(request.start, amount)],
        label=f"Demande {request.file_number} – {request.company.name}"[:200],
    )


def training_request_decide(*, actor, pk: int, today: date | None = None, from_waiting: bool = False) -> TrainingRequest:
    """Decide by the rules (the simulator's service): refused with the codes and French reasons
    (R6332-24), or accepted and committed on the plan < 50 section and the branch's quarter under the
    envelopes' lock; when they cannot cover it, the request joins the waiting list in filing order.
    The decision records the rule-set version applied."""
    day = _today(today)
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "release_waiting" if from_waiting else "accept", actor=actor)
        result, payload = _simulate(request)
        version = FundingRuleSet.objects.filter(reference=result.rule_set.reference).first() if result.rule_set else None
        common = {"result": result.as_dict(), "rule_set": version, "payload": payload}
        if result.refusals:
            return REQUESTS.apply(
                request,
                REQUESTS.action("refuse"),
                actor=actor,
                decided_on=day,
                refusal_codes=[r.code for r in result.refusals],
                refusal_text="\n".join(r.message for r in result.refusals),
                summary=f"Refusée : {', '.join(r.code for r in result.refusals)}",
                **common,
            )
        amounts = {
            "funded_total": result.total,
            "counted_against_cap": result.counted,
            "hors_plafond": result.hors_plafond,
            "asked_total": sum((line["asked"] for line in result.lines), ZERO),
        }
        try:
            if not from_waiting and _earlier_waiting(request):
                raise _Queued
            with transaction.atomic():
                if result.total > 0:
                    _commit(request, result.total, actor)
        except (BudgetExceeded, _Queued):
            if from_waiting:
                raise
            waited = REQUESTS.apply(
                request,
                REQUESTS.action("wait"),
                actor=actor,
                waiting_since=timezone.now(),
                summary="Enveloppe de la branche insuffisante : demande en file d'attente",
                **common,
                **amounts,
            )
            _tell_company(
                waited,
                f"Demande {waited.file_number} : éligible, en file d'attente faute d'enveloppe disponible pour le trimestre.",
            )
            return waited
        accepted = REQUESTS.apply(
            request,
            REQUESTS.action("accept") if not from_waiting else action,
            actor=actor,
            decided_on=day,
            committed=result.total,
            conditions=CONDITIONS,
            refusal_codes=[],
            refusal_text="",
            summary=f"Accordée : {euros(result.total)} (règles {result.rule_set.reference})",
            **common,
            **amounts,
        )
        _tell_company(accepted, f"Demande {accepted.file_number} accordée : {euros(result.total)}.")
        return accepted


def training_request_refuse(*, actor, pk: int, reason: str, today: date | None = None) -> TrainingRequest:
    """A refusal decided by the instructor, reasoned (R6332-24)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Un refus est motivé (R6332-24) : indiquez le motif."})
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "refuse", actor=actor)
        refused = REQUESTS.apply(
            request,
            action,
            actor=actor,
            decided_on=_today(today),
            refusal_codes=["INSTRUCTION"],
            refusal_text=reason.strip(),
            waiting_since=None,
            summary=f"Refusée : {reason.strip()[:200]}",
        )
        _tell_company(refused, f"Demande {refused.file_number} refusée.")
        return refused


def waiting_list_review(
    *, actor, branch_id: int | None, year: int, quarter: int, today: date | None = None
) -> list[TrainingRequest]:
    """Decide the waiting requests of a branch quarter in filing order while the envelope covers them,
    stopping at the first it cannot cover (money freed by a rupture, a pull-forward, a new dotation).
    Returns the requests accepted."""
    months = range(3 * quarter - 2, 3 * quarter + 1)
    waiting = TrainingRequest.objects.filter(status=S.WAITING, branch_id=branch_id, start__year=year, start__month__in=months)
    accepted = []
    for pk in waiting.order_by("received_on", "id").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                accepted.append(training_request_decide(actor=None, pk=pk, today=today, from_waiting=True))
        except BudgetExceeded:
            break
    if accepted:
        audit.record(
            actor=actor,
            action="training_request_waiting_review",
            target=accepted[0],
            changes={"accepted": [None, [r.file_number for r in accepted]]},
            summary=f"File d'attente T{quarter} {year} : {len(accepted)} demande(s) accordée(s)",
        )
    return accepted


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


def training_request_withdraw(*, actor, pk: int, reason: str, today: date | None = None) -> TrainingRequest:
    """A withdrawal or rupture: the commitment is given back (a negative movement on the ledger) and
    the waiting list of the quarter is reviewed."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Indiquez le motif du désistement ou de la rupture."})
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "withdraw", actor=actor)
        if request.committed > 0:
            _commit(request, -request.committed, actor)
        withdrawn = REQUESTS.apply(
            request,
            action,
            actor=actor,
            committed=ZERO,
            counted_against_cap=ZERO,
            waiting_since=None,
            summary=reason.strip()[:200],
        )
        waiting_list_review(
            actor=actor, branch_id=withdrawn.branch_id, year=withdrawn.start.year, quarter=_quarter(withdrawn.start)
        )
        return withdrawn


# --- Service fait and payment -------------------------------------------------------------------------
def evidence_record(
    *,
    actor,
    pk: int,
    kind: str,
    received_on: date,
    amount: Decimal | None = None,
    hours_attended: Decimal | None = None,
    trainees_attended: int | None = None,
    reference: str = "",
) -> Evidence:
    """A document of the closed list of R6332-26 received for an accepted request."""
    if kind not in EvidenceKind.values or kind == EvidenceKind.AFEST_EVIDENCE:
        raise ValidationError({"kind": "Pièce hors de la liste des justificatifs de service fait (R6332-26)."})
    if not roles.STAFF(actor):
        raise PermissionDenied("Seuls les gestionnaires enregistrent les pièces de service fait.")
    with transaction.atomic():
        request = TrainingRequest.objects.select_for_update(of=("self",)).get(pk=pk)
        if request.status != S.ACCEPTED:
            raise ValidationError({"kind": f"La demande {request.file_number} n'attend pas de pièce de service fait."})
        if kind == EvidenceKind.CERTIFICAT and (hours_attended is None or trainees_attended is None):
            raise ValidationError(
                {"hours_attended": "Le certificat de réalisation indique les heures et les stagiaires présents."}
            )
        if kind in (EvidenceKind.INVOICE, EvidenceKind.EMPLOYER_STATEMENT) and amount is None:
            raise ValidationError({"amount": "Indiquez le montant de la pièce."})
        evidence = Evidence(
            request=request,
            kind=kind,
            received_on=received_on,
            amount=amount,
            hours_attended=hours_attended,
            trainees_attended=trainees_attended,
            reference=reference[:100],
            recorded_by=_user(actor),
        )
        evidence.full_clean(exclude=["request", "recorded_by"])
        evidence.save()
        audit.record(
            actor=actor,
            action="training_request_evidence",
            target=request,
            changes={"kind": [None, kind], "amount": [None, None if amount is None else str(amount)]},
            summary=f"Pièce reçue : {evidence.get_kind_display()}",
        )
    return evidence


def afest_elements_missing(request: TrainingRequest) -> list[str]:
    """D6313-3-2: the four elements of the AFEST project (the proximity service's own check), its
    service-fait evidence."""
    from sme_services.services.afest import missing_elements

    return ["projet AFEST"] if request.afest_project is None else missing_elements(request.afest_project)


def amount_due(request: TrainingRequest) -> tuple[Decimal, list[str]]:
    """What is owed after the action (R6332-25 I), and what is missing (R6332-26: no document, no
    funding). Partial attendance reduces the amount pro rata of the hours done; the teaching line never
    exceeds the invoice; the total never exceeds what was accepted."""
    evidence = {e.kind: e for e in request.evidence.order_by("received_on", "id")}
    lines = {line["kind"]: Decimal(line["funded"]) for line in request.result.get("lines", [])}
    missing = []
    teaching = lines.get("pedagogy", lines.get("afest", ZERO))
    if request.modality == Modality.AFEST:
        missing += [f"AFEST : {label}" for label in afest_elements_missing(request)]
    elif EvidenceKind.INVOICE not in evidence:
        missing.append(EvidenceKind.INVOICE.label)
    certificat = evidence.get(EvidenceKind.CERTIFICAT)
    if certificat is None:
        missing.append(EvidenceKind.CERTIFICAT.label)
    if (lines.get("pay") or lines.get("frais")) and EvidenceKind.EMPLOYER_STATEMENT not in evidence:
        missing.append(EvidenceKind.EMPLOYER_STATEMENT.label)
    if missing:
        return ZERO, missing
    planned_hours = Decimal(request.result["ssct"]["hours_per_trainee"]) if request.result.get("ssct") else None
    if planned_hours is None:
        planned_hours = Decimal(str(request.payload["training"]["hours_per_trainee"]))
    done = certificat.hours_attended * min(certificat.trainees_attended, request.trainees)
    ratio = min(Decimal(1), done / (planned_hours * request.trainees))
    invoice = evidence.get(EvidenceKind.INVOICE)
    if invoice is not None:
        teaching = min(teaching, invoice.amount)
    others = lines.get("pay", ZERO) + lines.get("frais", ZERO)
    statement = evidence.get(EvidenceKind.EMPLOYER_STATEMENT)
    if statement is not None:
        others = min(others, statement.amount)
    due = round_money((teaching + others) * ratio)
    return min(due, request.funded_total), []


def _beneficiary_kind(request: TrainingRequest) -> str:
    return BeneficiaryKind.PROVIDER if request.subrogation else BeneficiaryKind.EMPLOYER


def training_request_service_fait(*, actor, pk: int, today: date | None = None) -> TrainingRequest:
    """Record service fait: the amount due becomes a planned payable row (to the training body under
    subrogation, to the company otherwise); what was committed beyond it is given back to the envelope
    and the waiting list reviewed."""
    day = _today(today)
    with transaction.atomic():
        request, action = REQUESTS.lock(pk, "service_fait", actor=actor)
        if day < request.end:  # R6332-25 I: paid after the action, so found done after its last day
            raise ValidationError(
                {"evidence": f"La formation se termine le {fr_date(request.end)} : le service fait se constate ensuite."}
            )
        due, missing = amount_due(request)
        if missing:
            raise ValidationError({"evidence": f"Service fait impossible, pièces manquantes (R6332-26) : {', '.join(missing)}."})
        FundingPayment.objects.create(request=request, beneficiary_kind=_beneficiary_kind(request), amount=due, due_on=day)
        released = request.committed - due
        if released > 0:
            _commit(request, -released, actor)
        done = REQUESTS.apply(
            request,
            action,
            actor=actor,
            committed=due,
            counted_against_cap=min(request.counted_against_cap, due),
            summary=f"Service fait : {euros(due)} dus (accordé {euros(request.funded_total)})",
        )
        if released > 0:
            waiting_list_review(actor=actor, branch_id=done.branch_id, year=done.start.year, quarter=_quarter(done.start))
        return done


def training_request_correct(*, actor, pk: int, new_due: Decimal, reason: str) -> TrainingRequest:
    """A correction lowers what is owed: a row not yet handed over is superseded by a new one; what was
    already handed over or paid is never edited, a negative regularisation row is added."""
    if not roles.STAFF(actor):
        raise PermissionDenied("Seuls les gestionnaires corrigent un montant dû.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Indiquez le motif de la correction."})
    new_due = round_money(new_due)
    with transaction.atomic():
        request = TrainingRequest.objects.select_for_update(of=("self",)).get(pk=pk)
        if request.status not in (S.SERVICE_FAIT, S.PAID):
            raise ValidationError({"new_due": "Seul un montant dû après service fait se corrige."})
        live = request.payments.exclude(status__in=(ScheduleStatus.SUPERSEDED, ScheduleStatus.NOT_DUE))
        current = round_money(live.aggregate(total=Sum("amount"))["total"] or ZERO)
        if new_due < 0 or new_due >= current:
            raise ValidationError(
                {"new_due": f"Une correction réduit le montant dû ({euros(current)}), jamais au-dessous de zéro."}
            )
        planned = live.filter(status=ScheduleStatus.PLANNED)
        kept = current - round_money(planned.aggregate(total=Sum("amount"))["total"] or ZERO)
        planned.update(status=ScheduleStatus.SUPERSEDED)
        difference = new_due - kept
        FundingPayment.objects.create(
            request=request,
            kind=PaymentKind.BALANCE if difference >= 0 and kept == 0 else PaymentKind.CORRECTION,
            beneficiary_kind=_beneficiary_kind(request),
            amount=difference,
            due_on=timezone.localdate(),
        )
        _commit(request, new_due - current, actor)
        request.committed = new_due
        request.save(update_fields=["committed"])
        audit.record(
            actor=actor,
            action="training_request_correct",
            target=request,
            changes={"due": [str(current), str(new_due)]},
            summary=f"Montant dû corrigé : {euros(current)} → {euros(new_due)} ({reason.strip()[:150]})",
        )
    waiting_list_review(actor=actor, branch_id=request.branch_id, year=request.start.year, quarter=_quarter(request.start))
    return request
