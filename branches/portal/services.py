"""Writes of the portal itself: which dashboard a person opened, and their feedback on a page."""

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.portal.models import DashboardVisit, PageFeedback
from opco import audit


def visit_log(*, user, page: str, branch=None) -> DashboardVisit:
    return DashboardVisit.objects.create(user=user, page=page[:64], branch=branch)


PAGES = {
    "chiffres": "Chiffres de la branche",
    "comptage_cpne": "Contrats par certification et CPNE",
    "campagnes_npec": "Campagnes NPEC",
    "proposition_npec": "Proposition de NPEC",
    "observatoire": "Observatoire GPEC",
    "etudes": "Études GPEC",
    "membres": "Membres de la branche",
}


def feedback_record(*, actor, page: str, useful: int, comment: str = "") -> PageFeedback:
    if page not in PAGES:
        raise ValidationError({"page": "Page inconnue."})
    with transaction.atomic():
        feedback = PageFeedback(user=actor, page=page, useful=useful, comment=comment.strip())
        feedback.full_clean()
        feedback.save()
        audit.record(actor=actor, action="portal_feedback", target=feedback, summary=f"Avis sur « {PAGES[page]} » : {useful}/5")
    return feedback
