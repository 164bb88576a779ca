"""The certification project's workflow on the spine's engine (opco.workflow): from the opportunity to
the registration and its end (RULES §7 stages 1 to 8). Representatives act through the services, which
add their CPNE role to the engine's role check (branches.certifications.access)."""

from django.urls import reverse

from accounts import roles
from branches.certifications.enums import ProjectStatus as S
from branches.certifications.models import CertificationProject
from opco import workflow
from opco.workflow import Action, Workflow

WRITERS = (roles.STAFF, roles.BRANCH_REP)


def _opportunity_decided(project) -> str:
    # RULES §7 stage 1: the need, the observatory's evidence and the CPNE's decision come first.
    missing = [
        label
        for label, value in (
            ("le besoin", project.need),
            ("les éléments de l'observatoire", project.evidence),
            ("les métiers visés (ROME)", project.rome_codes),
            ("la date de la décision de la CPNE", project.cpne_decision_on),
        )
        if not value
    ]
    return f"Étude d'opportunité incomplète : {', '.join(missing)}." if missing else ""


def _frameworks_written(project) -> str:
    # L6113-1: three frameworks split into blocs; L6113-4: the CPNE names the rights holder.
    missing = [
        label
        for label, value in (
            ("le référentiel d'activités", project.activities_framework),
            ("le référentiel de compétences", project.skills_framework),
            ("le référentiel d'évaluation", project.assessment_framework),
            ("le détenteur des droits (L6113-4)", project.rights_holder),
        )
        if not value
    ]
    if not project.blocs.exists():
        missing.append("au moins un bloc de compétences")
    return f"Le CQP ne peut pas être créé : il manque {', '.join(missing)}." if missing else ""


def _filing_complete(project) -> str:
    from django.utils import timezone

    from branches.certifications.filing import filing_report

    report = filing_report(project, filed_on=timezone.localdate())
    if report.eligible:
        return ""
    return "Dépôt refusé, critères manquants : " + " ".join(f"[{c.code}] {c.message}" for c in report.errors)


ACTIONS = (
    Action(
        "decide_opportunity",
        "Valider l'opportunité (décision de la CPNE)",
        (S.OPPORTUNITY,),
        S.WRITING,
        roles=WRITERS,
        precondition=_opportunity_decided,
    ),
    Action("create_cqp", "Créer le CQP (L6113-4)", (S.WRITING,), S.CREATED, roles=WRITERS, precondition=_frameworks_written),
    Action("file", "Déposer à France compétences (R6113-8)", (S.CREATED,), S.FILED, roles=WRITERS, precondition=_filing_complete),
    Action(
        "register",
        "Enregistrer la décision de France compétences (R6113-12)",
        (S.FILED,),
        S.REGISTERED,
        roles=(roles.STAFF,),
        decides=True,
    ),
    Action("refuse", "Enregistrer un refus de France compétences", (S.FILED,), S.REFUSED, roles=(roles.STAFF,), decides=True),
    Action("withdraw", "Retrait du répertoire (L6113-7)", (S.REGISTERED,), S.WITHDRAWN, roles=(roles.STAFF,)),
    Action("abandon", "Abandonner le projet", (S.OPPORTUNITY, S.WRITING, S.CREATED), S.ABANDONED, roles=WRITERS),
)

PROJECT_WORKFLOW = workflow.register(
    Workflow(
        code="certification_project",
        model=CertificationProject,
        actions=ACTIONS,
        noun=lambda project: f"le projet {project.file_number}",
        default_roles=(roles.STAFF,),
        clean_exclude=("branch", "renews", "decided_by", "assigned_to"),
        label="Projets de certification",
        detail_url=lambda project: reverse("branches:certifications:project", args=[project.pk]),
    )
)
