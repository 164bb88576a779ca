"""Certification projects for the tests: a branch with a CPNE, its members by role, and projects in the
usual states built through the real services (`project_at(status)`)."""

from datetime import date

import time_machine

from accounts.totp import totp_activate
from branches.certifications import services
from branches.certifications.criteria import criteria_for
from branches.certifications.enums import CpneRole, CriterionState, ProjectStatus
from branches.models import BranchMembership
from tests.accounts.factories import UserFactory
from tests.branches.factories import BranchFactory

STAFF_EMAIL = "cert-staff@opco.test"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _with_totp(user):
    # MFA is mandatory: the pages are reached only with an authenticator (tests/conftest.py make_user).
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


def staff_user():
    from accounts.models import User

    return User.objects.filter(email=STAFF_EMAIL).first() or _with_totp(UserFactory(email=STAFF_EMAIL, gestionnaire=True))


def member(branch, role: str = CpneRole.TITULAR, **extra):
    """A representative of `branch` holding a seat in its CPNE with `role`."""
    user = _with_totp(UserFactory(branch_rep=True, **extra))
    BranchMembership.objects.create(user=user, branch=branch)
    services.seat_set(actor=staff_user(), branch=branch, user=user, role=role)
    return user


def branch_with_cpne(idcc: str = "1486"):
    return BranchFactory(idccs=[idcc])


OPPORTUNITY = {
    "need": "Pénurie de techniciens de maintenance",
    "evidence": "Étude prospective de l'observatoire 2025",
    "rome_codes": "I1304, I1310",
    "cpne_decision_on": date(2025, 11, 20),
    "cpne_decision": "La CPNE décide de créer le CQP.",
}
FRAMEWORKS = {
    "activities_framework": "Maintenance préventive et corrective",
    "skills_framework": "Diagnostiquer, réparer, contrôler",
    "assessment_framework": "Mise en situation professionnelle et entretien",
    "rights_holder": "Association paritaire de la branche",
}


def complete_checklist(project, *, actor, filed_on: date) -> None:
    for criterion in criteria_for(project.repertoire, simplified=project.simplified, filed_on=filed_on):
        services.criterion_answer(
            actor=actor, project=project, code=criterion.code, state=CriterionState.MET, evidence=f"Pièce {criterion.code}"
        )


def project_at(status: str, *, branch=None, actor=None, repertoire="rncp", simplified=False, today=date(2026, 1, 10)):
    """A project brought to `status` through the services (time is the caller's: freeze it for dates)."""
    branch = branch or branch_with_cpne()
    actor = actor or staff_user()
    project = services.project_create(
        actor=actor,
        branch=branch,
        title="CQP Technicien de maintenance",
        repertoire=repertoire,
        simplified=simplified,
        level=4,
        today=today,
    )
    if status == ProjectStatus.OPPORTUNITY:
        return project
    services.project_update(actor=actor, project=project, **OPPORTUNITY)
    services.project_transition(actor=actor, project=project, code="decide_opportunity")
    if status == ProjectStatus.WRITING:
        return project.__class__.objects.get(pk=project.pk)
    services.project_update(actor=actor, project=project, **FRAMEWORKS)
    services.bloc_add(actor=actor, project=project, code="BC01", title="Diagnostiquer une panne", level=4)
    services.bloc_add(actor=actor, project=project, code="BC02", title="Réparer et contrôler", level=4)
    services.project_transition(actor=actor, project=project, code="create_cqp")
    if status == ProjectStatus.CREATED:
        return project.__class__.objects.get(pk=project.pk)
    raise ValueError(status)


def registered_project(branch, *, rncp_code="RNCP41234", ends_on=date(2031, 3, 1), title="CQP Technicien de maintenance"):
    """A project filed on 2 February 2026 and registered by France compétences on 1 March 2026 (R6113-12)."""
    with time_machine.travel(date(2026, 2, 2), tick=False):
        project = project_at(ProjectStatus.CREATED, branch=branch)
        services.project_update(actor=staff_user(), project=project, title=title, cohorts=2, honour_check_on=date(2026, 1, 20))
        complete_checklist(project, actor=staff_user(), filed_on=date(2026, 2, 2))
        services.project_transition(actor=staff_user(), project=project, code="file")
    return services.project_register(
        actor=staff_user(),
        project=project,
        rncp_code=rncp_code,
        decided_on=date(2026, 3, 1),
        registered_from=date(2026, 3, 1),
        registration_ends_on=ends_on,
        publication_reference="JO",
    )
