"""AFEST projects (D6313-3-2) and FOAD actions (D6313-3-1): a project is « conforme » only when every
element the article lists has its evidence."""

from django.core.exceptions import ValidationError
from django.db import transaction

from opco import audit
from sme_services.enums import ProjectStatus
from sme_services.models import AfestProject, FoadAction

AFEST_ELEMENTS = (
    ("activity_analysis", "l'analyse de l'activité de travail (D6313-3-2 1°)"),
    ("trainer_name", "le formateur désigné au préalable (D6313-3-2 2°)"),
    ("reflective_phases", "les phases réflexives distinctes des mises en situation (D6313-3-2 3°)"),
    ("assessments", "les évaluations spécifiques des acquis (D6313-3-2 4°)"),
)
FOAD_ELEMENTS = (
    ("assistance", "l'assistance technique et pédagogique (D6313-3-1 1°)"),
    ("activities_information", "l'information sur les activités à distance et leur durée moyenne (D6313-3-1 2°)"),
    ("assessments", "les évaluations qui jalonnent ou concluent l'action (D6313-3-1 3°)"),
)
ORDER = (ProjectStatus.DRAFT, ProjectStatus.READY, ProjectStatus.RUNNING, ProjectStatus.DONE)


def missing_elements(project) -> list[str]:
    elements = AFEST_ELEMENTS if isinstance(project, AfestProject) else FOAD_ELEMENTS
    missing = [label for name, label in elements if not str(getattr(project, name) or "").strip()]
    if isinstance(project, AfestProject) and project.trainer_name and not project.trainer_named_on:
        missing.append("la date de désignation du formateur (D6313-3-2 2° : « préalable »)")
    if isinstance(project, FoadAction) and not project.average_hours:
        missing.append("la durée moyenne des activités à distance (D6313-3-1 2°)")
    return missing


def project_save(*, actor, project) -> AfestProject | FoadAction:
    creating = project.pk is None
    before = {} if creating else audit.snapshot(type(project).objects.get(pk=project.pk))
    if project.status in (ProjectStatus.READY, ProjectStatus.RUNNING, ProjectStatus.DONE):
        missing = missing_elements(project)
        if missing:
            raise ValidationError({"status": "Il manque : " + " ; ".join(missing) + "."})
    project.full_clean()
    with transaction.atomic():
        project.save()
        audit.record(
            actor=actor,
            action=f"{project._meta.model_name}_{'create' if creating else 'update'}",
            target=project,
            changes=audit.diff(before, audit.snapshot(project)),
            summary=str(project),
        )
    return project
