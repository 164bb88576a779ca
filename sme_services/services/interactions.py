"""Interactions (visits, calls, e-mails, webinars, events) and their next step's reminder."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from notifications.services import reminder_schedule
from opco import audit
from sme_services.enums import NeedSubject
from sme_services.models import Interaction

KIND_NEXT_STEP = "sme_next_step"
KIND_FOLLOW_UP = "sme_plan_follow_up"


def interaction_record(*, actor, interaction: Interaction) -> Interaction:
    """Record an exchange with a company; a next step with its date becomes a reminder to the advisor."""
    unknown = [tag for tag in interaction.tags if tag not in NeedSubject.values]
    if unknown:
        raise ValidationError({"tags": f"Sujets inconnus : {', '.join(unknown)}."})
    if interaction.next_step_on and not interaction.next_step.strip():
        raise ValidationError({"next_step": "Décrivez la prochaine étape prévue à cette date."})
    interaction.full_clean()
    with transaction.atomic():
        interaction.save()
        audit.record(
            actor=actor,
            action="interaction_record",
            target=interaction.company,
            summary=f"{interaction.get_kind_display()} du {interaction.occurred_on:%d/%m/%Y} "
            f"({interaction.get_outcome_display()})",
        )
        if interaction.next_step_on:
            reminder_schedule(
                target=interaction,
                kind=KIND_NEXT_STEP,
                due_on=interaction.next_step_on,
                recipient=interaction.advisor,
                subject=f"Prochaine étape avec {interaction.company.name} : {interaction.next_step}"[:255],
                context={"message": interaction.next_step},
                link=reverse("sme_services:company", args=[interaction.company_id]),
                actor=actor,
            )
    return interaction


def follow_ups_schedule(*, item, completed_on: date, actor=None) -> None:
    """An action-plan item is followed up at +3 and +6 months after its diagnostic (reminders)."""
    for due, label in ((item.follow_up_3_on, "3 mois"), (item.follow_up_6_on, "6 mois")):
        reminder_schedule(
            target=item,
            kind=KIND_FOLLOW_UP,
            due_on=due,
            recipient=item.diagnostic.advisor,
            subject=f"Suivi à {label} : {item.title} ({item.diagnostic.company.name})"[:255],
            context={"message": f"Où en est l'action « {item.title} » décidée le {completed_on:%d/%m/%Y} ?"},
            link=reverse("sme_services:diagnostic", args=[item.diagnostic_id]),
            actor=actor,
        )
