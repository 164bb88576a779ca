"""The funding request's workflow on the one engine (opco.workflow) and its decision clock: a reasoned
decision within two months (C. trav. R6332-24)."""

from django.urls import reverse

from accounts import roles
from opco.calendar import MONTHS, Deadline, SilenceMeans
from opco.workflow import Action, Workflow, register
from sme_services.funding.enums import RequestStatus as S
from sme_services.funding.models import TrainingRequest

# R6332-24: a refusal, total or partial, is reasoned and notified within two months; the texts give
# silence no meaning, so an undecided request stays overdue on the deadline lists.
DECISION = Deadline(
    2,
    MONTHS,
    "R6332-24",
    SilenceMeans.NOTHING,
    label="Décision de prise en charge",
    starts_from="à compter de la demande complète",
)
AWAITING = (S.RECEIVED, S.UNDER_INSTRUCTION)
COUNTED = (S.ACCEPTED, S.SERVICE_FAIT, S.PAID)  # what counts against the company's annual cap
DECIDERS = (roles.STAFF,)
FILERS = (roles.STAFF, roles.ADVISOR)

REQUESTS = register(
    Workflow(
        code="training_request",
        model=TrainingRequest,
        label="Demande de financement de formation (< 50)",
        awaiting_decision=AWAITING,
        deadline=lambda request: DECISION,
        detail_url=lambda request: reverse("funding:request-detail", args=[request.pk]),
        noun=lambda request: f"la demande {request.file_number}",
        default_roles=DECIDERS,
        clean_exclude=("company", "branch", "provider", "afest_project", "rule_set", "assigned_to", "decided_by", "filed_by"),
        audit_skip=("result", "payload", "conditions"),
        actions=(
            Action("instruct", "Prendre en instruction", (S.RECEIVED,), S.UNDER_INSTRUCTION),
            Action("request_documents", "Déclarer incomplète", (S.RECEIVED, S.UNDER_INSTRUCTION), S.INCOMPLETE),
            Action("documents_received", "Pièces reçues : demande complète", (S.INCOMPLETE,), S.UNDER_INSTRUCTION),
            Action("accept", "Décider selon les règles", (S.RECEIVED, S.UNDER_INSTRUCTION), S.ACCEPTED, decides=True),
            Action("wait", "Mettre en file d'attente", (S.RECEIVED, S.UNDER_INSTRUCTION), S.WAITING, decides=True),
            Action(
                "release_waiting", "Accorder depuis la file d'attente", (S.WAITING,), S.ACCEPTED, decides=True, automatic=True
            ),
            Action("refuse", "Refuser", (S.RECEIVED, S.UNDER_INSTRUCTION, S.INCOMPLETE, S.WAITING), S.REFUSED, decides=True),
            Action("service_fait", "Constater le service fait", (S.ACCEPTED,), S.SERVICE_FAIT),
            Action("paid", "Payée", (S.SERVICE_FAIT,), S.PAID, automatic=True),
            Action("withdraw", "Enregistrer un désistement ou une rupture", (S.ACCEPTED, S.WAITING), S.WITHDRAWN),
        ),
    )
)
