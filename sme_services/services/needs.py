"""Needs: received (public form, staff, API), routed to the company's advisor, taken in charge or
refused, closed with an outcome, reopened; reminded at 9 days (the advisor), 21 (their manager) and
abandoned at 45 (the company told), each once; surveyed 10 days after closing."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from notifications.services import reminder_schedule, reminders_cancel
from opco import audit
from opco.workflow import TransitionRefused
from referentials.models import Company, Idcc
from referentials.validators import is_valid_siret
from sme_services.enums import NeedChannel, NeedOutcome, NeedRefusal, NeedStatus, NeedSubject
from sme_services.models import AdvisorTeam, Campaign, Need, SatisfactionAnswer
from sme_services.services.company import company_create_from_siret
from sme_services.services.portfolio import advisor_of, portfolio_route
from sme_services.workflow import NEED_WORKFLOW

ADVISOR_REMINDER_DAYS = 9
MANAGER_REMINDER_DAYS = 21
ABANDON_DAYS = 45
SURVEY_DAYS = 10
TAKEN_FAST_DAYS = 5  # the dashboard's « pris en charge sous 5 jours »

KIND_ADVISOR = "need_untaken_advisor"
KIND_MANAGER = "need_untaken_manager"
KIND_ABANDONED = "need_abandoned_company"
KIND_SURVEY = "need_survey"
SURVEY_SALT = "sme_services.survey"
SURVEY_MAX_AGE = 60 * 60 * 24 * 90  # a survey link works 90 days


class OtherOpco(ValidationError):
    """The company belongs to another OPCO (R6332-23-1): a polite answer naming it, nothing stored."""

    def __init__(self, opco_name: str, idcc: Idcc):
        self.opco_name = opco_name
        super().__init__(
            f"Votre entreprise relève de la convention collective {idcc.code} ({idcc.title}), rattachée à "
            f"l'opérateur de compétences « {opco_name} ». Nous vous invitons à le contacter : c'est lui qui "
            "accompagne votre entreprise. Merci de votre démarche."
        )


@dataclass(frozen=True)
class NeedInput:
    siret: str
    subject: str
    description: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    company_name: str = ""
    idcc_code: str = ""
    headcount: int | None = None
    postal_code: str = ""
    city: str = ""
    campaign_id: int | None = None


def _check_input(data: NeedInput) -> dict[str, str]:
    errors = {}
    if not is_valid_siret("".join(data.siret.split())):
        errors["siret"] = "Ce SIRET n'est pas valide (14 chiffres, clé de Luhn)."
    if data.subject not in NeedSubject.values:
        errors["subject"] = "Choisissez un sujet dans la liste."
    if not data.description.strip():
        errors["description"] = "Décrivez votre besoin en quelques lignes."
    if not data.contact_name.strip():
        errors["contact_name"] = "Indiquez le nom de la personne à recontacter."
    if data.headcount is not None and data.headcount < 0:
        errors["headcount"] = "Un effectif est positif."
    return errors


def other_opco_of(*, siret: str, idcc_code: str = "") -> OtherOpco | None:
    """The refusal for a company attached to another OPCO by its IDCC (the referential's company first,
    else the IDCC declared), from the IDCC → OPCO table (referentials.Idcc.opco_name)."""
    company = Company.objects.filter(siret="".join(siret.split())).select_related("idcc").first()
    idcc = company.idcc if company and company.idcc_id else None
    if idcc is None and idcc_code:
        idcc = Idcc.objects.filter(code=idcc_code.strip().zfill(4)).first()
    if idcc is not None and idcc.opco_name and idcc.opco_name != settings.OPCO_NAME:
        return OtherOpco(idcc.opco_name, idcc)
    return None


def need_receive(*, actor, data: NeedInput, channel: str, today: date | None = None) -> Need:
    """Record a need and route it to the company's advisor. Refused (nothing stored) when a field is
    wrong or the company belongs to another OPCO (OtherOpco, naming it)."""
    today = today or timezone.localdate()
    errors = _check_input(data)
    if errors:
        raise ValidationError(errors)
    refusal = other_opco_of(siret=data.siret, idcc_code=data.idcc_code)
    if refusal is not None:
        raise refusal
    campaign = Campaign.objects.filter(pk=data.campaign_id).first() if data.campaign_id else None
    with transaction.atomic():
        company = company_create_from_siret(
            actor=actor,
            siret=data.siret,
            name=data.company_name or data.siret,
            idcc_code=data.idcc_code,
            headcount=data.headcount,
            postal_code=data.postal_code,
            city=data.city,
        )
        advisor = advisor_of(company)
        if advisor is None:
            portfolio_route(company=company, actor=actor)
            advisor = advisor_of(company)
        need = Need(
            file_number=uuid.uuid4().hex[:20],
            status=NeedStatus.PENDING,
            received_on=today,
            company=company,
            subject=data.subject,
            description=data.description.strip(),
            contact_name=data.contact_name.strip(),
            contact_email=data.contact_email.strip(),
            contact_phone=data.contact_phone.strip(),
            channel=channel,
            campaign=campaign,
            assigned_to=advisor,
        )
        need.full_clean(exclude=["file_number"])
        need.save()
        need.file_number = f"BE{today.year}{need.pk:06d}"
        need.save(update_fields=["file_number"])
        audit.record(
            actor=actor,
            action="need_receive",
            target=need,
            summary=f"Besoin reçu ({NeedChannel(channel).label}) : {need.get_subject_display()}, "
            f"routé vers {advisor or 'personne'}",
        )
    return need


def may_act(user, need: Need) -> bool:
    """OPCO staff act on any need; an advisor on the needs routed to them."""
    return roles.STAFF(user) or (roles.ADVISOR(user) and need.assigned_to_id == user.pk)


def _transition(*, actor, need_id: int, code: str, today: date | None = None, **fields) -> Need:
    today = today or timezone.localdate()
    with transaction.atomic():
        need, action = NEED_WORKFLOW.lock(need_id, code, actor=actor)
        if actor is not None and not may_act(actor, need):
            raise TransitionRefused(f"Le besoin {need.file_number} est suivi par un autre conseiller.")
        need = NEED_WORKFLOW.apply(need, action, actor=actor, **fields)
        if need.status != NeedStatus.PENDING:
            for kind in (KIND_ADVISOR, KIND_MANAGER):
                reminders_cancel(target=need, kind=kind, actor=actor)
    return need


def need_take(*, actor, need_id: int, today: date | None = None) -> Need:
    today = today or timezone.localdate()
    fields = {"taken_on": today}
    if roles.ADVISOR(actor):
        fields["assigned_to"] = actor
    return _transition(actor=actor, need_id=need_id, code="take", today=today, **fields)


def need_refuse(*, actor, need_id: int, reason: str, text: str = "", today: date | None = None) -> Need:
    if reason not in NeedRefusal.values:
        raise ValidationError({"reason": "Choisissez le motif du refus."})
    today = today or timezone.localdate()
    return _transition(
        actor=actor,
        need_id=need_id,
        code="refuse",
        today=today,
        refusal_codes=[reason],
        refusal_text=text.strip(),
        decided_on=today,
    )


def need_close(*, actor, need_id: int, outcome: str, comment: str = "", today: date | None = None) -> Need:
    """Close with an outcome; the company gets the satisfaction survey 10 days later (signed link)."""
    if outcome not in NeedOutcome.values:
        raise ValidationError({"outcome": "Choisissez l'issue du besoin."})
    today = today or timezone.localdate()
    with transaction.atomic():
        need = _transition(
            actor=actor,
            need_id=need_id,
            code="close",
            today=today,
            outcome=outcome,
            outcome_comment=comment.strip(),
            closed_on=today,
            decided_on=today,
        )
        if outcome != NeedOutcome.UNREACHABLE and need.contact_email:
            reminder_schedule(
                target=need,
                kind=KIND_SURVEY,
                due_on=today + timedelta(days=SURVEY_DAYS),
                email=need.contact_email,
                subject=f"Votre avis sur notre accompagnement (besoin {need.file_number})",
                context={"message": "Deux questions suffisent : avez-vous été recontacté ? l'échange a-t-il été utile ?"},
                link=survey_link(need),
                actor=actor,
            )
    return need


def need_reopen(*, actor, need_id: int, today: date | None = None) -> Need:
    """Back to « pris en charge »: the outcome and closing date go (the first taking in charge stays)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        current = Need.objects.get(pk=need_id)
        need = _transition(
            actor=actor,
            need_id=need_id,
            code="reopen",
            today=today,
            outcome="",
            outcome_comment="",
            closed_on=None,
            decided_on=None,
            abandoned_on=None,
            refusal_codes=[],
            refusal_text="",
            taken_on=current.taken_on or today,
            reopened_count=current.reopened_count + 1,
        )
        reminders_cancel(target=need, kind=KIND_SURVEY, actor=actor)
    return need


def _manager_of(advisor):
    team = AdvisorTeam.objects.filter(members=advisor).select_related("manager").order_by("pk").first() if advisor else None
    return team.manager if team else None


def need_reminders_schedule(*, today: date) -> int:
    """The daily round's producer (notifications.deadlines): untaken needs remind their advisor at 9 days,
    the advisor's manager at 21, and are abandoned at 45 with the company told. Idempotent: one reminder
    per need, kind and day (reminder_schedule), the abandonment a transition from « en attente » only."""
    done = 0
    pending = Need.objects.filter(status=NeedStatus.PENDING, received_on__lte=today - timedelta(days=ADVISOR_REMINDER_DAYS))
    for need in pending.select_related("assigned_to", "company"):
        age = (today - need.received_on).days
        link = reverse("sme_services:need", args=[need.pk])
        if age >= ABANDON_DAYS:
            with transaction.atomic():
                need = _transition(actor=None, need_id=need.pk, code="abandon", today=today, abandoned_on=today)
                reminder_schedule(
                    target=need,
                    kind=KIND_ABANDONED,
                    due_on=need.received_on + timedelta(days=ABANDON_DAYS),
                    email=need.contact_email,
                    subject=f"Votre demande {need.file_number} n'a pas pu être traitée",
                    context={
                        "message": (
                            f"Nous n'avons pas pu donner suite à votre demande du {need.received_on:%d/%m/%Y} "
                            f"({need.get_subject_display()}). Nous vous prions de nous en excuser : vous pouvez nous "
                            "écrire de nouveau, un conseiller vous répondra."
                        )
                    },
                )
            done += 1
            continue
        if need.assigned_to is not None:
            reminder_schedule(
                target=need,
                kind=KIND_ADVISOR,
                due_on=need.received_on + timedelta(days=ADVISOR_REMINDER_DAYS),
                recipient=need.assigned_to,
                link=link,
                subject=f"Besoin {need.file_number} à prendre en charge (reçu le {need.received_on:%d/%m/%Y})",
                context={"message": f"{need.company.name} attend votre appel depuis {ADVISOR_REMINDER_DAYS} jours."},
            )
            done += 1
        manager = _manager_of(need.assigned_to)
        if age >= MANAGER_REMINDER_DAYS and manager is not None:
            reminder_schedule(
                target=need,
                kind=KIND_MANAGER,
                due_on=need.received_on + timedelta(days=MANAGER_REMINDER_DAYS),
                recipient=manager,
                link=link,
                subject=f"Besoin {need.file_number} non pris en charge depuis {MANAGER_REMINDER_DAYS} jours",
                context={"message": f"Conseiller : {need.assigned_to or 'aucun'} ; entreprise : {need.company.name}."},
            )
            done += 1
    return done


# --- Satisfaction survey (signed link, no account) ---------------------------------------------------------------
def survey_token(need: Need) -> str:
    return signing.dumps({"need": need.pk}, salt=SURVEY_SALT)


def survey_link(need: Need) -> str:
    return reverse("sme_services:survey", args=[survey_token(need)])


def survey_need(token: str) -> Need | None:
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_MAX_AGE)
    except signing.BadSignature:
        return None
    return Need.objects.filter(pk=data.get("need"), status=NeedStatus.CLOSED).first()


def survey_answer(*, need: Need, recontacted: bool, useful: bool, comment: str = "") -> SatisfactionAnswer:
    """One answer per need: a second submission is refused, the first kept."""
    with transaction.atomic():
        Need.objects.select_for_update().get(pk=need.pk)
        if SatisfactionAnswer.objects.filter(need=need).exists():
            raise ValidationError("Vous avez déjà répondu à cette enquête : merci !")
        answer = SatisfactionAnswer(need=need, recontacted=recontacted, useful=useful, comment=comment.strip()[:2000])
        answer.full_clean()
        answer.save()
        audit.record(actor=None, action="need_survey_answer", target=need, summary="Réponse à l'enquête de satisfaction")
    return answer
