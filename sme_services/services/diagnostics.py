"""Diagnostics from versioned questionnaires, their funding split and their action plans."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from opco import audit
from opco.calendar import add_months
from opco.money import round_money
from referentials.linked_files import file_lookup
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
        if not d.deliverable.strip() and not d.documents.filter(element="livrable").exists():
            raise ValidationError(
                {"deliverable": "Rédigez la synthèse remise à l'entreprise ou déposez le livrable avant de terminer."}
            )
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
    """An action's progress. A `request_reference` given here is linked as `plan_item_link` does (checked)."""
    if status not in PlanItemStatus.values:
        raise ValidationError({"status": "Statut inconnu."})
    if status == PlanItemStatus.DONE and done_on is None:
        raise ValidationError({"done_on": "Indiquez la date de réalisation."})
    with transaction.atomic():
        item = ActionPlanItem.objects.select_for_update().get(pk=item_id)
        before = audit.snapshot(item)
        if request_reference.strip():
            _link(item, actor=actor, reference=request_reference)
        item.status = status
        item.done_on = done_on if status == PlanItemStatus.DONE else None
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


def _link(item: ActionPlanItem, *, actor, reference: str = "", afest_project_id: int | None = None) -> None:
    """Point `item` at the request it led to, of its diagnostic's company, as `actor` may see it:
    a funding request or an AFEST project of this app (foreign keys), an alternance contract by its file
    number through referentials.linked_files (the contracts mission registers its lookup there).
    Refused in French, `item` unchanged, when the request is unknown, hidden or of another company."""
    from sme_services.funding.selectors import requests_visible_to
    from sme_services.selectors import afest_visible_to

    company_id = item.diagnostic.company_id
    reference = (reference or "").strip()
    if not reference and item.kind in (PlanItemKind.FUNDING, PlanItemKind.ALTERNANCE):
        raise ValidationError({"request_reference": "Indiquez le numéro de dossier de la demande."})
    if item.kind == PlanItemKind.FUNDING:
        found = requests_visible_to(actor).filter(file_number__iexact=reference, company_id=company_id).first()
        if found is None:
            raise ValidationError({"request_reference": f"Aucune demande de financement n° « {reference} » de cette entreprise."})
        item.funding_request, item.request_reference = found, found.file_number
    elif item.kind == PlanItemKind.ALTERNANCE:
        found = file_lookup("alternance", actor, reference)
        if found is None or found.company_id != company_id:
            raise ValidationError({"request_reference": f"Aucun contrat en alternance n° « {reference} » de cette entreprise."})
        item.request_reference = found.number
    elif item.kind == PlanItemKind.AFEST:
        project = afest_visible_to(actor).filter(pk=afest_project_id, company_id=company_id).first() if afest_project_id else None
        if project is None:
            raise ValidationError({"afest_project": "Choisissez un projet AFEST de cette entreprise."})
        item.afest_project = project
    elif reference:
        item.request_reference = reference[:32]  # a FOAD action or another action: a free reference
    else:
        raise ValidationError({"request_reference": "Indiquez la référence de la suite donnée."})


def plan_item_link(*, actor, item_id: int, reference: str = "", afest_project_id: int | None = None) -> ActionPlanItem:
    """Link an action of the plan to the request it led to (see `_link`); audited."""
    with transaction.atomic():
        item = ActionPlanItem.objects.select_for_update().select_related("diagnostic").get(pk=item_id)
        before = audit.snapshot(item, ["request_reference", "funding_request", "afest_project"])
        _link(item, actor=actor, reference=reference, afest_project_id=afest_project_id)
        item.full_clean()
        item.save()
        audit.record(
            actor=actor,
            action="plan_item_link",
            target=item.diagnostic,
            changes=audit.diff(before, audit.snapshot(item, ["request_reference", "funding_request", "afest_project"])),
            summary=f"Action « {item.title} » liée à {item.request_reference or item.afest_project}",
        )
    return item


def plan_item_links(item: ActionPlanItem, user) -> list[dict]:
    """What an action led to, as `user` may open it: (label, number, status, url) rows for the screens."""
    from django.urls import reverse

    rows = []
    if item.funding_request_id:
        r = item.funding_request
        rows.append(
            {
                "label": "Demande de financement",
                "number": r.file_number,
                "status": r.get_status_display(),
                "url": reverse("funding:request-detail", args=[r.pk]),
            }
        )
    if item.afest_project_id:
        p = item.afest_project
        rows.append(
            {
                "label": "Projet AFEST",
                "number": p.title,
                "status": p.get_status_display(),
                "url": reverse("sme_services:afest", args=[p.pk]),
            }
        )
    if item.kind == PlanItemKind.ALTERNANCE and item.request_reference:
        found = file_lookup("alternance", user, item.request_reference)
        if found is not None:
            rows.append({"label": found.label, "number": found.number, "status": found.status, "url": found.url})
    return rows
