"""Certification projects on the spine: states and who moves them, the filing checklist (R6113-9,
R6113-11, R6113-14), the registration's length at its boundary (L6113-5, R6113-10) and the renewal."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from branches.certifications import services
from branches.certifications.criteria import criteria_for, honour_check_valid, registration_limit
from branches.certifications.enums import CpneRole, CriterionState, ProjectStatus
from branches.certifications.models import Bloc, CertificationProject, CriterionAnswer
from opco.models import AuditEntry, TransitionLog
from tests.branches.certifications.factories import (
    branch_with_cpne,
    complete_checklist,
    member,
    project_at,
    staff_user,
)

pytestmark = pytest.mark.django_db
FILING_DAY = date(2026, 2, 2)


def _filed(**kwargs):
    with time_machine.travel(FILING_DAY, tick=False):
        project = project_at(ProjectStatus.CREATED, **kwargs)
        actor = staff_user()
        services.project_update(actor=actor, project=project, cohorts=2, honour_check_on=date(2026, 1, 15))
        complete_checklist(project, actor=actor, filed_on=FILING_DAY)
        return services.project_transition(actor=actor, project=project, code="file")


def test_a_project_goes_from_opportunity_to_filed_with_a_transition_log():
    project = _filed()
    assert (project.status, project.filed_on, project.created_on) == (ProjectStatus.FILED, FILING_DAY, FILING_DAY)
    steps = list(
        TransitionLog.objects.filter(workflow="certification_project", target_id=project.pk).values_list("action", flat=True)
    )
    assert steps == ["decide_opportunity", "create_cqp", "file"]


def test_the_opportunity_needs_the_cpne_decision_and_changes_nothing_when_refused():
    project = project_at(ProjectStatus.OPPORTUNITY)
    with pytest.raises(ValidationError, match="la date de la décision de la CPNE"):
        services.project_transition(actor=staff_user(), project=project, code="decide_opportunity")
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.OPPORTUNITY


def test_the_cqp_is_created_only_with_frameworks_blocs_and_a_rights_holder():
    project = project_at(ProjectStatus.WRITING)
    with pytest.raises(ValidationError) as refusal:
        services.project_transition(actor=staff_user(), project=project, code="create_cqp")
    assert "le détenteur des droits (L6113-4)" in str(refusal.value) and "au moins un bloc" in str(refusal.value)
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.WRITING


def test_filing_is_refused_while_one_criterion_is_missing_and_nothing_changes():
    with time_machine.travel(FILING_DAY, tick=False):
        project = project_at(ProjectStatus.CREATED)
        actor = staff_user()
        services.project_update(actor=actor, project=project, cohorts=2, honour_check_on=date(2026, 1, 15))
        complete_checklist(project, actor=actor, filed_on=FILING_DAY)
        CriterionAnswer.objects.filter(project=project, code="vae").update(state=CriterionState.PENDING)
        before = (
            CertificationProject.objects.filter(pk=project.pk).values().get(),
            AuditEntry.objects.count(),
            TransitionLog.objects.count(),
        )
        with pytest.raises(ValidationError, match=r"\[vae\].*R6113-9 I 6°.*non renseigné"):
            services.project_transition(actor=actor, project=project, code="file")
        after = (
            CertificationProject.objects.filter(pk=project.pk).values().get(),
            AuditEntry.objects.count(),
            TransitionLog.objects.count(),
        )
    assert after == before


@pytest.mark.parametrize(
    ("cohorts", "bulletin", "message"),
    [
        (1, date(2026, 1, 15), "1 promotion"),
        (2, date(2025, 11, 2), "bulletin n° 3 du 02/11/2025"),  # exactly three months before the filing: too old
        (2, None, "non renseigné : il doit dater"),
    ],
)
def test_filing_needs_two_cohorts_and_a_bulletin_less_than_three_months_old(cohorts, bulletin, message):
    with time_machine.travel(FILING_DAY, tick=False):
        project = project_at(ProjectStatus.CREATED)
        actor = staff_user()
        services.project_update(actor=actor, project=project, cohorts=cohorts, honour_check_on=bulletin)
        complete_checklist(project, actor=actor, filed_on=FILING_DAY)
        with pytest.raises(ValidationError, match=message):
            services.project_transition(actor=actor, project=project, code="file")
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.CREATED


def test_the_honour_check_is_valid_until_the_day_before_three_months():
    assert honour_check_valid(date(2025, 11, 3), FILING_DAY)
    assert not honour_check_valid(date(2025, 11, 2), FILING_DAY)
    assert not honour_check_valid(date(2026, 2, 3), FILING_DAY)  # a bulletin dated after the filing is a typo
    # 30 November + 3 months is 28 February (29 in a leap year): valid on the 27th / 28th, not after.
    assert honour_check_valid(date(2027, 11, 30), date(2028, 2, 28)) and not honour_check_valid(
        date(2027, 11, 30), date(2028, 2, 29)
    )


def test_transition_items_are_required_for_requests_filed_from_1_october_2025():
    before = {c.code for c in criteria_for("rncp", filed_on=date(2025, 9, 30))}
    after = {c.code for c in criteria_for("rncp", filed_on=date(2025, 10, 1))}
    assert after - before == {"ecological_digital", "health_safety", "disability"}
    assert {"ecological_digital", "health_safety", "disability"} <= {
        c.code for c in criteria_for("rs", filed_on=date(2025, 10, 1))
    }


def test_the_simplified_procedure_waives_r6113_9_1_to_2_ter_only_for_the_rncp():
    codes = {c.code for c in criteria_for("rncp", simplified=True, filed_on=FILING_DAY)}
    assert not codes & {"job_fit", "employment_impact", "means", "actions_fit"}
    assert {"vae", "honour", "frameworks"} <= codes


def test_a_criterion_met_needs_evidence_and_only_optional_ones_may_be_not_applicable():
    project = project_at(ProjectStatus.CREATED)
    with pytest.raises(ValidationError, match="justificatif"):
        services.criterion_answer(actor=staff_user(), project=project, code="vae", state=CriterionState.MET, evidence=" ")
    with pytest.raises(ValidationError, match="sans objet"):
        services.criterion_answer(actor=staff_user(), project=project, code="vae", state=CriterionState.NOT_APPLICABLE)
    services.criterion_answer(actor=staff_user(), project=project, code="correspondences", state=CriterionState.NOT_APPLICABLE)
    assert list(CriterionAnswer.objects.filter(project=project).values_list("code", flat=True)) == ["correspondences"]


@pytest.mark.parametrize(
    ("start", "simplified", "limit"),
    [
        (date(2026, 3, 15), False, date(2031, 3, 15)),
        (date(2026, 3, 15), True, date(2029, 3, 15)),
        (date(2028, 2, 29), False, date(2033, 2, 28)),  # 29 February + 5 years: the 28th
        (date(2028, 2, 29), True, date(2031, 2, 28)),
    ],
)
def test_registration_lasts_five_years_at_most_three_when_simplified(start, simplified, limit):
    assert registration_limit(start, simplified=simplified) == limit


@pytest.mark.parametrize("simplified", [False, True])
def test_registration_one_day_beyond_the_limit_is_refused_and_the_limit_accepted(simplified):
    project = _filed(simplified=simplified)
    start = date(2026, 3, 15)
    limit = date(2029, 3, 15) if simplified else date(2031, 3, 15)
    args = {
        "actor": staff_user(),
        "project": project,
        "rncp_code": "RNCP41234",
        "decided_on": start,
        "registered_from": start,
        "publication_reference": "JO du 15/03/2026",
    }
    with pytest.raises(ValidationError, match="au plus (trois|cinq) ans"):
        services.project_register(**args, registration_ends_on=date.fromordinal(limit.toordinal() + 1))
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.FILED
    registered = services.project_register(**args, registration_ends_on=limit)
    assert (registered.status, registered.registration_ends_on, registered.decided_by) == (
        ProjectStatus.REGISTERED,
        limit,
        staff_user(),
    )


def test_only_staff_record_france_competences_decision():
    project = _filed()
    writer = member(project.branch, CpneRole.PRESIDENT)
    with pytest.raises(ValidationError, match="Votre rôle ne permet pas"):
        services.project_register(
            actor=writer,
            project=project,
            rncp_code="RNCP41234",
            decided_on=date(2026, 3, 1),
            registered_from=date(2026, 3, 1),
            registration_ends_on=date(2031, 3, 1),
            publication_reference="JO",
        )
    assert CertificationProject.objects.get(pk=project.pk).status == ProjectStatus.FILED


def test_cpne_members_write_by_their_role_and_observers_only_read():
    branch = branch_with_cpne()
    titular, substitute, observer = (
        member(branch, CpneRole.TITULAR),
        member(branch, CpneRole.SUBSTITUTE),
        member(branch, CpneRole.OBSERVER),
    )
    project = services.project_create(actor=titular, branch=branch, title="CQP Soudeur", today=date(2026, 1, 5))
    services.bloc_add(actor=titular, project=project, code="bc01", title="Souder")
    for reader in (substitute, observer):
        with pytest.raises(PermissionDenied):
            services.bloc_add(actor=reader, project=project, code="BC02", title="Contrôler")
    assert list(Bloc.objects.filter(project=project).values_list("code", flat=True)) == ["BC01"]
    outsider = member(branch_with_cpne("0843"), CpneRole.PRESIDENT)
    with pytest.raises(PermissionDenied):
        services.project_update(actor=outsider, project=project, title="Autre")
    assert CertificationProject.objects.get(pk=project.pk).title == "CQP Soudeur"


def test_a_bloc_cannot_exceed_the_certification_level():
    project = project_at(ProjectStatus.WRITING)
    with pytest.raises(ValidationError, match="niveau de la certification"):
        services.bloc_add(actor=staff_user(), project=project, code="BC09", title="Encadrer", level=5)


def test_renewal_opens_a_new_project_with_the_blocs_and_refuses_a_second_one():
    project = _filed()
    services.project_register(
        actor=staff_user(),
        project=project,
        rncp_code="RNCP41234",
        decided_on=date(2026, 3, 1),
        registered_from=date(2026, 3, 1),
        registration_ends_on=date(2031, 3, 1),
        publication_reference="JO",
    )
    renewal = services.project_renew(actor=staff_user(), project=project, today=date(2030, 3, 1))
    assert (renewal.kind, renewal.status, renewal.renews_id) == ("renew", ProjectStatus.WRITING, project.pk)
    assert list(renewal.blocs.values_list("code", flat=True)) == ["BC01", "BC02"]
    with pytest.raises(ValidationError, match="déjà en cours"):
        services.project_renew(actor=staff_user(), project=project)
