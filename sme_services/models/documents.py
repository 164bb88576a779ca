"""Documents of the proximity service: a diagnostic's deliverable, the evidence of an AFEST project's
four elements (D6313-3-2) and of a FOAD action's three (D6313-3-1), uploaded besides the text. Stored
under a random name (opco.files.storage_name), checked by their first bytes (opco.files), and served
only through the scoping of the file they hang off (a diagnostic, a project, an action)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

# The element a document evidences, per file it hangs off.
DIAGNOSTIC_ELEMENTS = {"livrable": "Livrable remis à l'entreprise"}
AFEST_ELEMENTS = {
    "analyse": "Analyse de l'activité de travail (D6313-3-2 1°)",
    "formateur": "Désignation préalable du formateur (D6313-3-2 2°)",
    "reflexif": "Phases réflexives distinctes de la production (D6313-3-2 3°)",
    "evaluations": "Évaluations spécifiques des acquis (D6313-3-2 4°)",
}
FOAD_ELEMENTS = {
    "assistance": "Assistance technique et pédagogique (D6313-3-1 1°)",
    "information": "Information sur les activités à distance et leur durée (D6313-3-1 2°)",
    "evaluations": "Évaluations qui jalonnent ou concluent l'action (D6313-3-1 3°)",
}
ELEMENT_CHOICES = sorted({**DIAGNOSTIC_ELEMENTS, **AFEST_ELEMENTS, **FOAD_ELEMENTS}.items())


class ServiceDocument(models.Model):
    diagnostic = models.ForeignKey(
        "sme_services.Diagnostic", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    afest_project = models.ForeignKey(
        "sme_services.AfestProject", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    foad_action = models.ForeignKey(
        "sme_services.FoadAction", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    element = models.CharField("élément justifié", max_length=16, choices=ELEMENT_CHOICES)
    title = models.CharField("intitulé", max_length=255)
    file = models.FileField("fichier", upload_to="proximite/")
    original_name = models.CharField("nom d'origine", max_length=255)
    content_type = models.CharField("type", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document du service de proximité"
        verbose_name_plural = "documents du service de proximité"
        ordering = ["element", "-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(diagnostic__isnull=False, afest_project__isnull=True, foad_action__isnull=True)
                    | Q(diagnostic__isnull=True, afest_project__isnull=False, foad_action__isnull=True)
                    | Q(diagnostic__isnull=True, afest_project__isnull=True, foad_action__isnull=False)
                ),
                name="service_document_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title
