"""The needs' workflow on the spine's engine (opco.workflow): en attente → pris en charge or refusé
(with a reason) → clôturé with an outcome; reopening allowed; abandoned by the daily round after 45
days untaken. Who may act on a given need (its advisor, or OPCO staff) is checked by the services,
which see the actor; the table says which roles may at all."""

from django.urls import reverse

from accounts import roles
from opco import workflow
from opco.workflow import Action, Workflow
from sme_services.enums import NeedStatus as S
from sme_services.models import Need

ACTORS = (roles.ADVISOR, roles.STAFF)

NEED_WORKFLOW = workflow.register(
    Workflow(
        code="need",
        model=Need,
        label="Besoins des entreprises",
        noun=lambda need: f"le besoin {need.file_number}",
        default_roles=ACTORS,
        clean_exclude=("company", "assigned_to", "decided_by", "campaign"),
        audit_skip=("outcome_comment", "refusal_text"),
        detail_url=lambda need: reverse("sme_services:need", args=[need.pk]),
        actions=(
            Action("take", "Prendre en charge", (S.PENDING,), S.TAKEN),
            Action("refuse", "Refuser", (S.PENDING,), S.REFUSED, decides=True),
            Action("close", "Clôturer", (S.TAKEN,), S.CLOSED, decides=True),
            Action("reopen", "Rouvrir", (S.CLOSED, S.REFUSED, S.ABANDONED), S.TAKEN),
            Action("abandon", "Abandonner (45 jours sans prise en charge)", (S.PENDING,), S.ABANDONED, automatic=True),
        ),
    )
)
