"""Diagnostics from versioned questionnaires, their funding split and their action plans."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from opco import audit
from opco.calendar import add_months
from opco.money import round_money
from referentials.validators import is_valid_siret
from sme_services.enums import DiagnosticKind, DiagnosticStatus, PlanItemKind, PlanItemStatus, ProviderKind
from sme_services.models import ActionPlanItem, Diagnostic, Questionnaire
from sme_services.services.interactions import follow_ups_schedule

# D5121-6: the State takes at most 50 % of the costs (« prestation de conseil RH »);
# D5121-7: at most 15 000 € for a convention with one company.
STATE_SHARE_MAX = Decimal("0.50")
STATE_AMOUNT_MAX = Decimal("15000.00")
QUESTION_TYPES = ("text", "yes_no", "scale", "rome")


def questionnaire_publish(*, actor, kind: str, questions: list[dict]) -> Questionnaire:
    """A new version of a kind's questionnaire (the previous versions stay, used by past diagnostics)."""
    if kind not in DiagnosticKind.values:
        raise ValidationError({"kind": "Type de diagnostic inconnu."})
    codes = [q.get("code", "") for q in questions]
    if not questions or any(not c for c in codes) or len(set(codes)) != len(codes):
        raise ValidationError({"questions": "Chaque question a un code unique et un libellé."})
    if any(not q.get("label") or q.get("type") not in QUESTION_TYPES for q in questions):
        raise ValidationError({"questions": f"Chaque question a un libellé et un type parmi {', '.join(QUESTION_TYPES)}."})
    with transaction.atomic():
        last = Questionnaire.objects.select_for_update().filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
        q = Questionnaire(kind=kind, version=last + 1, questions=questions, published=True, created_by=actor)
        q.full_clean()
        q.save()
        audit.record(actor=actor, action="questionnaire_publish", target=q, summary=f"{q} publiée ({len(questions)} questions)")
    return q


def current_questionnaire(kind: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(kind=kind, published=True).order_by("-version").first()


def diagnostic_open(*, actor, company, kind: str, opened_on: date, need=None) -> Diagnostic:
    questionnaire = current_questionnaire(kind)
    if questionnaire is None:
        raise ValidationError(
            {"kind": "Aucun questionnaire publié pour ce type de diagnostic : un responsable doit en publier un."}
        )
    with transaction.atomic():
        d = Diagnostic(company=company, kind=kind, questionnaire=questionnaire, advisor=actor, opened_on=opened_on, need=need)
        d.full_clean()
        d.save()
        audit.record(actor=actor, action="diagnostic_open", target=d, summary=f"Diagnostic ouvert ({d.get_kind_display()})")
    return d


def funding_split_check(*, cost: Decimal, opco: Decimal, state: Decimal, company: Decimal) -> dict[str, str]:
    errors = {}
    if min(cost, opco, state, company) < 0:
        errors["cost"] = "Les montants sont positifs."
    if round_money(opco + state + company) != round_money(cost):
        errors["company_amount"] = f"Les parts (OPCO, État, entreprise) doivent faire le coût total de {cost} €."
    if state > round_money(cost * STATE_SHARE_MAX):
        errors["state_amount"] = "La part de l'État est de 50 % du coût au plus (D5121-6)."
    if state > STATE_AMOUNT_MAX:
        errors["state_amount"] = "La part de l'État est de 15 000 € au plus pour une entreprise (D5121-7)."
    return errors


def diagnostic_update(
    *,
    actor,
    diagnostic_id: int,
    answers: dict,
    rome_codes: list[str] | None = None,
    provider_kind: str,
    consultant_name: str = "",
    consultant_siret: str = "",
    day_rate: Decimal | None = None,
    days: Decimal | None = None,
    opco_amount: Decimal = Decimal(0),
    state_amount: Decimal = Decimal(0),
    deliverable: str = "",
) -> Diagnostic:
    """Answers, provider and funding split. An external consultant's cost is day rate × days; the split
    must add up to it, the State's part within D5121-6/-7. A refusal changes nothing."""
    with transaction.atomic():
        d = Diagnostic.objects.select_for_update().get(pk=diagnostic_id)
        if d.status != DiagnosticStatus.OPEN:
            raise ValidationError("Un diagnostic terminé ne se modifie plus.")
        codes = {q["code"] for q in d.questionnaire.questions}
        errors = {}
        if set(answers) - codes:
            errors["answers"] = "Réponses à des questions absentes du questionnaire."
        cost = Decimal(0)
        if provider_kind == ProviderKind.EXTERNAL:
            if not is_valid_siret(consultant_siret or ""):
                errors["consultant_siret"] = "Le SIRET du consultant n'est pas valide."
            if not day_rate or not days or day_rate <= 0 or days <= 0:
                errors["day_rate"] = "Indiquez le prix de la journée et le nombre de jours du consultant."
            else:
                cost = round_money(day_rate * days)
        elif provider_kind != ProviderKind.INTERNAL:
            errors["provider_kind"] = "Choisissez qui réalise le diagnostic."
        if not errors:
            company_amount = round_money(cost - opco_amount - state_amount)
            errors.update(funding_split_check(cost=cost, opco=opco_amount, state=state_amount, company=company_amount))
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(d)
        d.answers, d.provider_kind = answers, provider_kind
        if rome_codes is not None:
            from sme_services.rome import unknown_codes

            bad = unknown_codes(rome_codes)
            if bad:
                raise ValidationError({"rome_codes": f"Codes ROME inconnus : {', '.join(bad)}."})
            d.rome_codes = rome_codes
        d.consultant_name, d.consultant_siret = consultant_name.strip(), consultant_siret.strip()
        d.day_rate, d.days, d.cost = day_rate, days, cost
        d.opco_amount, d.state_amount, d.company_amount = opco_amount, state_amount, company_amount
        d.deliverable = deliverable.strip()
        d.full_clean()
        d.save()
        audit.record(
            actor=actor,
            action="diagnostic_update",
            target=d,
            changes=audit.diff(before, audit.snapshot(d)),
            summary="Diagnostic mis à jour",
        )
    return d


def plan_item_add(*, actor, diagnostic_id: int, title: str, kind: str, due_on: date | None = None) -> ActionPlanItem:
    if kind not in PlanItemKind.values:
        raise ValidationError({"kind": "Choisissez à quoi mène l'action."})
    with transaction.atomic():
        d = Diagnostic.objects.select_for_update().get(pk=diagnostic_id)
        item = ActionPlanItem(diagnostic=d, title=title.strip(), kind=kind, due_on=due_on)
        if d.status == DiagnosticStatus.COMPLETED:
            item.follow_up_3_on, item.follow_up_6_on = add_months(d.completed_on, 3), add_months(d.completed_on, 6)
        item.full_clean()
        item.save()
        if d.status == DiagnosticStatus.COMPLETED:
            follow_ups_schedule(item=item, completed_on=d.completed_on, actor=actor)
        audit.record(actor=actor, action="plan_item_add", target=d, summary=f"Action du plan : {item.title}")
    return item


def diagnostic_complete(*, actor, diagnostic_id: int, completed_on: date) -> Diagnostic:
    """Close the diagnostic: a deliverable and an action plan are required; each item gets its follow-ups
    at +3 and +6 months (reminders to the advisor)."""
    with transaction.atomic():
        d = Diagnostic.objects.select_for_update().get(pk=diagnostic_id)
        if d.status != DiagnosticStatus.OPEN:
            raise ValidationError("Ce diagnostic est déjà terminé.")
        if not d.deliverable:
            raise ValidationError({"deliverable": "Rédigez la synthèse remise à l'entreprise avant de terminer."})
        items = list(d.plan_items.all())
        if not items:
            raise ValidationError({"plan": "Le plan d'action compte au moins une action."})
        if completed_on < d.opened_on:
            raise ValidationError({"completed_on": "Un diagnostic se termine après son ouverture."})
        d.status, d.completed_on = DiagnosticStatus.COMPLETED, completed_on
        d.save(update_fields=["status", "completed_on"])
        for item in items:
            item.follow_up_3_on, item.follow_up_6_on = add_months(completed_on, 3), add_months(completed_on, 6)
            item.save(update_fields=["follow_up_3_on", "follow_up_6_on"])
            follow_ups_schedule(item=item, completed_on=completed_on, actor=actor)
        audit.record(
            actor=actor,
            action="diagnostic_complete",
            target=d,
            changes={"status": ["ouvert", "termine"]},
            summary=f"Diagnostic terminé le {completed_on:%d/%m/%Y} ({len(items)} actions)",
        )
    return d


def plan_item_set_status(
    *, actor, item_id: int, status: str, request_reference: str = "", done_on: date | None = None
) -> ActionPlanItem:
    if status not in PlanItemStatus.values:
        raise ValidationError({"status": "Statut inconnu."})
    with transaction.atomic():
        item = ActionPlanItem.objects.select_for_update().get(pk=item_id)
        before = audit.snapshot(item)
        item.status = status
        item.request_reference = request_reference.strip() or item.request_reference
        item.done_on = done_on if status == PlanItemStatus.DONE else None
        if status == PlanItemStatus.DONE and done_on is None:
            raise ValidationError({"done_on": "Indiquez la date de réalisation."})
        item.full_clean()
        item.save()
        audit.record(
            actor=actor,
            action="plan_item_status",
            target=item.diagnostic,
            changes=audit.diff(before, audit.snapshot(item)),
            summary=f"Action « {item.title} » : {item.get_status_display()}",
        )
    return item
