"""Every write on the certification projects: keyword-only, one transaction, full_clean before save,
an audit entry (opco.audit). Representatives write by their CPNE role (access.require_write); the
workflow engine moves the statuses (workflow.PROJECT_WORKFLOW)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from stdnum.fr import nir as stdnum_nir

from accounts import roles
from branches.certifications import access
from branches.certifications.criteria import EMPLOYMENT_SURVEY, criteria_for, registration_limit
from branches.certifications.enums import CandidateResult, CriterionState, ProjectKind, ProjectStatus, Repertoire
from branches.certifications.models import (
    Bloc,
    Candidate,
    CertificationProject,
    CpneSeat,
    CriterionAnswer,
    EmploymentSurvey,
    Habilitation,
    Review,
    Session,
)
from branches.certifications.workflow import PROJECT_WORKFLOW
from notifications.services import reminder_schedule, reminders_cancel
from opco import audit
from opco.checks import fr_date

EDITABLE = (ProjectStatus.OPPORTUNITY, ProjectStatus.WRITING, ProjectStatus.CREATED)
PROJECT_FIELDS = (
    "title",
    "repertoire",
    "simplified",
    "level",
    "need",
    "evidence",
    "rome_codes",
    "cpne_decision_on",
    "cpne_decision",
    "activities_framework",
    "skills_framework",
    "assessment_framework",
    "rights_holder",
    "rights_holder_siren",
    "cohorts",
    "honour_check_on",
)
REVIEW_REMINDER = "certification_review"
SURVEY_REMINDER = "certification_survey"


def _save(instance, exclude=()) -> None:
    instance.full_clean(exclude=list(exclude))
    instance.save()


def _editable(project) -> None:
    if project.status not in EDITABLE:
        raise ValidationError(
            f"Le projet {project.file_number} est « {project.get_status_display()} » : il n'est plus modifiable."
        )


def _locked(project) -> CertificationProject:
    return CertificationProject.objects.select_for_update(of=("self",)).get(pk=project.pk)


# --- CPNE seats ---------------------------------------------------------------------------------------
@transaction.atomic
def seat_set(*, actor, branch, user, role: str, college: str = "") -> CpneSeat:
    """Staff name a representative's role in the CPNE of a branch they are a member of."""
    if actor is not None and not roles.STAFF(actor):
        raise PermissionDenied("Seul le personnel de l'OPCO nomme les membres de la CPNE.")
    if not (roles.BRANCH_REP(user) and branch.memberships.filter(user=user).exists()):
        raise ValidationError({"user": "Seul un représentant membre de la branche siège à sa CPNE."})
    seat, _ = CpneSeat.objects.get_or_create(branch=branch, user=user, defaults={"role": role, "college": college})
    seat.role, seat.college = role, college
    _save(seat, exclude=["branch", "user"])
    audit.record(actor=actor, action="cpne_seat_set", target=seat, changes={"role": [None, role]}, summary=str(seat))
    return seat


# --- Projects ------------------------------------------------------------------------------------------
def _next_number(today: date) -> str:
    prefix = f"CQ{today:%Y}"
    last = CertificationProject.objects.filter(file_number__startswith=prefix).aggregate(n=Max("file_number"))["n"]
    return f"{prefix}{(int(last[len(prefix) :]) + 1 if last else 1):05d}"


@transaction.atomic
def project_create(
    *,
    actor,
    branch,
    title: str,
    kind: str = ProjectKind.CREATE,
    repertoire: str = "",
    simplified: bool = False,
    level: int | None = None,
    today: date | None = None,
    **fields,
) -> CertificationProject:
    access.require_write(actor, branch)
    today = today or timezone.localdate()
    project = CertificationProject(
        branch=branch,
        title=title,
        kind=kind,
        repertoire=repertoire,
        simplified=simplified,
        level=level,
        received_on=today,
        file_number=_next_number(today),
        status=ProjectStatus.OPPORTUNITY,
        **{k: v for k, v in fields.items() if k in PROJECT_FIELDS},
    )
    _save(project, exclude=["branch", "renews"])
    audit.record(
        actor=actor,
        action="certification_project_create",
        target=project,
        summary=f"Projet {project.file_number} ouvert : {title}",
    )
    return project


@transaction.atomic
def project_update(*, actor, project: CertificationProject, **fields) -> CertificationProject:
    """The opportunity, frameworks, rights holder and filing data, while the project is being written."""
    access.require_write(actor, project.branch)
    project = _locked(project)
    _editable(project)
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.")
    before = audit.snapshot(project, fields)
    for name, value in fields.items():
        setattr(project, name, value)
    _save(project, exclude=["branch", "renews", "decided_by", "assigned_to"])
    changes = audit.diff(before, audit.snapshot(project, fields))
    if changes:
        audit.record(
            actor=actor, action="certification_project_update", target=project, changes=changes, summary="Projet modifié"
        )
    return project


def project_transition(*, actor, project: CertificationProject, code: str, **fields) -> CertificationProject:
    """A plain move of the workflow (opportunity decided, CQP created, filed, abandoned, withdrawn)."""
    access.require_write(actor, project.branch)
    today = timezone.localdate()
    extra = {
        "decide_opportunity": {},
        "create_cqp": {"created_on": today},
        "file": {"filed_on": today},
        "abandon": {},
        "withdraw": {},
    }
    if code not in extra:
        raise ValidationError(f"Action inconnue : « {code} ».")
    return PROJECT_WORKFLOW.transition(actor=actor, pk=project.pk, code=code, **extra[code], **fields)


def project_register(
    *,
    actor,
    project: CertificationProject,
    rncp_code: str,
    decided_on: date,
    registered_from: date,
    registration_ends_on: date,
    publication_reference: str,
) -> CertificationProject:
    """France compétences' decision, published in the JO (R6113-12): the fiche, its start and end; at most
    five years, three under the simplified procedure (L6113-5, R6113-10)."""
    rncp_code = rncp_code.strip().upper()
    prefix = "RNCP" if project.repertoire == Repertoire.RNCP else "RS"
    errors = {}
    if not (rncp_code.startswith(prefix) and rncp_code[len(prefix) :].isdigit()):
        errors["rncp_code"] = f"Le code de la fiche commence par « {prefix} » suivi de chiffres."
    limit = registration_limit(registered_from, simplified=project.simplified)
    if registration_ends_on > limit:
        years = "trois" if project.simplified else "cinq"
        basis = "R6113-10" if project.simplified else "L6113-5, L6113-6"
        errors["registration_ends_on"] = (
            f"Un enregistrement dure au plus {years} ans ({basis}) : échéance au plus tard le {fr_date(limit)}."
        )
    if registration_ends_on <= registered_from:
        errors["registration_ends_on"] = "L'échéance suit la date d'enregistrement."
    if not publication_reference.strip():
        errors["publication_reference"] = "La décision est publiée au Journal officiel (R6113-12) : indiquez sa référence."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        file, action = PROJECT_WORKFLOW.lock(project.pk, "register", actor=actor)
        file = PROJECT_WORKFLOW.apply(
            file,
            action,
            actor=actor,
            rncp_code=rncp_code,
            decided_on=decided_on,
            registered_from=registered_from,
            registration_ends_on=registration_ends_on,
            publication_reference=publication_reference.strip(),
        )
        # R6113-15: the first employment data are due two years after the registration.
        _survey_reminder(file, after=registered_from, actor=actor)
    return file


def project_refuse(*, actor, project: CertificationProject, decided_on: date, refusal_text: str) -> CertificationProject:
    if not refusal_text.strip():
        raise ValidationError({"refusal_text": "Indiquez le motif de refus de France compétences."})
    return PROJECT_WORKFLOW.transition(
        actor=actor, pk=project.pk, code="refuse", decided_on=decided_on, refusal_text=refusal_text
    )


@transaction.atomic
def project_publish(*, actor, project: CertificationProject, published: bool) -> CertificationProject:
    """The branch shows (or hides) a registered certification on its public page."""
    access.require_write(actor, project.branch)
    project = _locked(project)
    if published and project.status != ProjectStatus.REGISTERED:
        raise ValidationError("Seule une certification enregistrée se publie.")
    project.published = published
    project.save(update_fields=["published"])
    audit.record(
        actor=actor,
        action="certification_project_publish",
        target=project,
        changes={"published": [not published, published]},
        summary="Publiée sur la page publique" if published else "Retirée de la page publique",
    )
    return project


@transaction.atomic
def project_renew(*, actor, project: CertificationProject, today: date | None = None) -> CertificationProject:
    """Open the renewal of a registered certification (RULES §7 stage 8): a new project that takes over its
    frameworks and blocs, to be filed before the registration ends."""
    access.require_write(actor, project.branch)
    today = today or timezone.localdate()
    project = _locked(project)
    if project.status != ProjectStatus.REGISTERED:
        raise ValidationError("Seule une certification enregistrée se renouvelle.")
    if project.renewals.exclude(status__in=(ProjectStatus.ABANDONED, ProjectStatus.REFUSED)).exists():
        raise ValidationError("Un renouvellement de cette certification est déjà en cours.")
    # The renewal's own filing data (cohorts, bulletin n° 3, CPNE decision) start afresh.
    fields = {
        name: getattr(project, name) for name in PROJECT_FIELDS if name not in ("cohorts", "honour_check_on", "cpne_decision_on")
    }
    renewal = CertificationProject(
        **fields,
        branch=project.branch,
        kind=ProjectKind.RENEW,
        renews=project,
        received_on=today,
        file_number=_next_number(today),
        status=ProjectStatus.WRITING,
    )
    _save(renewal, exclude=["branch", "renews"])
    for bloc in project.blocs.all():
        Bloc.objects.create(
            project=renewal, code=bloc.code, title=bloc.title, level=bloc.level, skills=bloc.skills, assessment=bloc.assessment
        )
    audit.record(
        actor=actor,
        action="certification_project_renew",
        target=renewal,
        summary=f"Renouvellement de {project.rncp_code or project.file_number}",
    )
    return renewal


# --- Blocs and checklist ---------------------------------------------------------------------------------
@transaction.atomic
def bloc_add(*, actor, project, code: str, title: str, level: int | None = None, skills: str = "", assessment: str = "") -> Bloc:
    access.require_write(actor, project.branch)
    project = _locked(project)
    _editable(project)
    code = code.strip().upper()
    if project.blocs.filter(code=code).exists():
        raise ValidationError({"code": f"Le bloc {code} existe déjà dans ce projet."})
    if level is not None and project.level is not None and level > project.level:
        raise ValidationError({"level": f"Un bloc ne dépasse pas le niveau de la certification ({project.level})."})
    bloc = Bloc(project=project, code=code, title=title, level=level, skills=skills, assessment=assessment)
    _save(bloc, exclude=["project"])
    audit.record(actor=actor, action="certification_bloc_add", target=project, summary=f"Bloc {code} – {title} ajouté")
    return bloc


@transaction.atomic
def bloc_remove(*, actor, bloc: Bloc) -> None:
    project = _locked(bloc.project)
    access.require_write(actor, project.branch)
    _editable(project)
    if bloc.holders.exists():
        raise ValidationError("Ce bloc a été validé par des candidats : il ne peut plus être retiré.")
    audit.record(actor=actor, action="certification_bloc_remove", target=project, summary=f"Bloc {bloc.code} retiré")
    bloc.delete()


@transaction.atomic
def criterion_answer(*, actor, project, code: str, state: str, evidence: str = "") -> CriterionAnswer:
    """One line of the filing checklist, with its evidence (R6113-9 / R6113-11)."""
    access.require_write(actor, project.branch)
    project = _locked(project)
    _editable(project)
    today = timezone.localdate()
    criterion = {c.code: c for c in criteria_for(project.repertoire, simplified=project.simplified, filed_on=today)}.get(code)
    if criterion is None:
        raise ValidationError({"code": f"Critère « {code} » inconnu pour ce répertoire."})
    if state == CriterionState.MET and not evidence.strip():
        raise ValidationError({"evidence": "Un critère satisfait s'appuie sur un justificatif."})
    if state == CriterionState.NOT_APPLICABLE and not criterion.optional:
        raise ValidationError({"state": f"« {criterion.label} » ne peut pas être sans objet ({criterion.article})."})
    answer, _ = CriterionAnswer.objects.get_or_create(project=project, code=code)
    before = audit.snapshot(answer, ["state", "evidence"])
    answer.state, answer.evidence = state, evidence.strip()
    answer.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    answer.updated_on = today
    _save(answer, exclude=["project", "updated_by"])
    audit.record(
        actor=actor,
        action="certification_criterion_answer",
        target=project,
        changes=audit.diff(before, audit.snapshot(answer, ["state", "evidence"])),
        summary=f"Critère {code} : {answer.get_state_display()}",
    )
    return answer


# --- Reviews ---------------------------------------------------------------------------------------------
@transaction.atomic
def review_request(*, actor, project, reviewer, question: str, due_on: date) -> Review:
    """Ask a CPNE member of the branch or a staff member for an opinion by `due_on`; reminders 3 days
    before and on the day (notifications.reminder_schedule, sent once each)."""
    access.require_write(actor, project.branch)
    if not access.can_review(reviewer, project.branch):
        raise ValidationError({"reviewer": "L'avis se demande à un membre de la CPNE de la branche ou au personnel de l'OPCO."})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "La date attendue de l'avis est passée."})
    review = Review(project=project, reviewer=reviewer, requested_by=actor, question=question, due_on=due_on)
    _save(review, exclude=["project", "reviewer", "requested_by"])
    from django.urls import reverse

    link = reverse("branches:certifications:project", args=[project.pk])
    for days_before in (3, 0):
        reminder_schedule(
            target=review,
            kind=REVIEW_REMINDER,
            due_on=max(timezone.localdate(), date.fromordinal(due_on.toordinal() - days_before)),
            recipient=reviewer,
            subject=f"Avis attendu le {fr_date(due_on)} — {project.file_number}",
            context={
                "message": f"Votre avis sur le projet {project.file_number} ({project.title}) est attendu le {fr_date(due_on)}."
            },
            link=link,
            actor=actor,
        )
    audit.record(
        actor=actor,
        action="certification_review_request",
        target=project,
        summary=f"Avis demandé à {reviewer} pour le {fr_date(due_on)}",
    )
    return review


@transaction.atomic
def review_answer(*, actor, review: Review, recommendation: str, opinion: str, confidential_note: str = "") -> Review:
    review = Review.objects.select_for_update().select_related("project__branch").get(pk=review.pk)
    if actor != review.reviewer and not roles.STAFF(actor):
        raise PermissionDenied("Seule la personne sollicitée rend cet avis.")
    if review.answered_on:
        raise ValidationError("Cet avis a déjà été rendu.")
    if confidential_note and not roles.STAFF(actor):
        raise ValidationError({"confidential_note": "La note confidentielle est réservée au personnel de l'OPCO."})
    if not opinion.strip():
        raise ValidationError({"opinion": "Rédigez l'avis."})
    review.recommendation, review.opinion, review.confidential_note = recommendation, opinion.strip(), confidential_note.strip()
    review.answered_on = timezone.localdate()
    _save(review, exclude=["project", "reviewer", "requested_by"])
    reminders_cancel(target=review, kind=REVIEW_REMINDER, actor=actor)
    # The confidential note stays out of the audit's changes: the trail is read by more people than staff.
    audit.record(
        actor=actor,
        action="certification_review_answer",
        target=review.project,
        changes={"recommendation": [None, recommendation]},
        summary=f"Avis {review.get_recommendation_display().lower()} rendu",
    )
    return review


# --- Habilitations, sessions, holders --------------------------------------------------------------------
def _registered(project) -> None:
    if project.status != ProjectStatus.REGISTERED:
        raise ValidationError("Les habilitations et les sessions portent sur une certification enregistrée.")


@transaction.atomic
def habilitation_add(*, actor, project, siret: str, name: str, scope: str, starts_on: date, ends_on: date) -> Habilitation:
    """A body habilitated to prepare or assess the candidates (R6113-16), within the registration."""
    access.require_write(actor, project.branch)
    _registered(project)
    if project.registration_ends_on and ends_on > project.registration_ends_on:
        end = fr_date(project.registration_ends_on)
        raise ValidationError({"ends_on": f"L'habilitation ne dépasse pas l'échéance de l'enregistrement ({end})."})
    habilitation = Habilitation(
        project=project, siret=siret.replace(" ", ""), name=name, scope=scope, starts_on=starts_on, ends_on=ends_on
    )
    _save(habilitation, exclude=["project"])
    audit.record(
        actor=actor,
        action="certification_habilitation_add",
        target=project,
        summary=f"Habilitation de {name} ({habilitation.siret})",
    )
    return habilitation


@transaction.atomic
def session_add(*, actor, project, label: str, jury_on: date, habilitation: Habilitation | None = None) -> Session:
    access.require_write(actor, project.branch)
    _registered(project)
    if habilitation is not None:
        if habilitation.project_id != project.pk:
            raise ValidationError({"habilitation": "Cet organisme n'est pas habilité pour cette certification."})
        if not habilitation.starts_on <= jury_on <= habilitation.ends_on:
            raise ValidationError({"jury_on": "Le jury se tient pendant l'habilitation de l'organisme."})
    session = Session(project=project, habilitation=habilitation, label=label, jury_on=jury_on)
    _save(session, exclude=["project", "habilitation"])
    audit.record(actor=actor, action="certification_session_add", target=project, summary=f"Session {label} ({fr_date(jury_on)})")
    return session


@transaction.atomic
def candidate_add(
    *, actor, session: Session, last_name: str, first_name: str, birth_date: date, sex: str, nir: str = "", email: str = ""
) -> Candidate:
    access.require_write(actor, session.project.branch)
    nir = nir.replace(" ", "")
    # The value is never echoed back: a NIR appears in no message and no log.
    if nir and not stdnum_nir.is_valid(nir):
        raise ValidationError({"nir": "NIR invalide : 15 caractères attendus, dont une clé de contrôle exacte."})
    candidate = Candidate(
        session=session,
        last_name=last_name.strip().upper(),
        first_name=first_name.strip(),
        birth_date=birth_date,
        sex=sex,
        nir=nir,
        email=email,
    )
    _save(candidate, exclude=["session"])
    audit.record(
        actor=actor,
        action="certification_candidate_add",
        target=session.project,
        changes=audit.diff({}, {"nir": nir}) if nir else {},  # masked « ••• » by opco.audit
        summary=f"Candidat {candidate} inscrit à {session.label}",
    )
    return candidate


@transaction.atomic
def candidate_result(*, actor, candidate: Candidate, result: str, blocs=(), certified_on: date | None = None) -> Candidate:
    """The jury's result: certified (every bloc), partial (the blocs passed) or failed."""
    candidate = Candidate.objects.select_for_update().select_related("session__project__branch").get(pk=candidate.pk)
    project = candidate.session.project
    access.require_write(actor, project.branch)
    blocs = list(blocs)
    all_blocs = list(project.blocs.all())
    if any(bloc.project_id != project.pk for bloc in blocs):
        raise ValidationError({"blocs": "Un bloc validé appartient à la certification de la session."})
    if result == CandidateResult.CERTIFIED:
        blocs = all_blocs
    if result == CandidateResult.PARTIAL and not blocs:
        raise ValidationError({"blocs": "Une certification partielle valide au moins un bloc."})
    if result in (CandidateResult.FAILED, CandidateResult.PENDING):
        blocs = []
    candidate.result = result
    candidate.certified_on = (
        (certified_on or candidate.session.jury_on) if result in (CandidateResult.CERTIFIED, CandidateResult.PARTIAL) else None
    )
    _save(candidate, exclude=["session"])
    candidate.blocs_passed.set(blocs)
    audit.record(
        actor=actor,
        action="certification_candidate_result",
        target=project,
        changes={"result": [None, result], "blocs": [None, [b.code for b in blocs]]},
        summary=f"Résultat de {candidate} : {candidate.get_result_display()}",
    )
    return candidate


# --- Employment data (R6113-15) -------------------------------------------------------------------------
def _survey_reminder(project, *, after: date, actor=None) -> None:
    """R6113-15: the next employment data are due two years after `after`; the reminder goes to the CPNE's
    first writer (president first), else to the staff member who recorded the step, else to nobody."""
    from django.urls import reverse

    due = EMPLOYMENT_SURVEY.due_on(after)
    seat = _first_writer(project.branch)
    recipient = seat.user if seat else (actor if roles.STAFF(actor) else None)
    if recipient is None:
        return
    reminder_schedule(
        target=project,
        kind=SURVEY_REMINDER,
        due_on=due,
        recipient=recipient,
        subject=f"Données d'insertion à transmettre — {project.rncp_code or project.file_number}",
        context={
            "message": f"Les données d'insertion des titulaires de {project.title} sont à transmettre à France compétences "
            f"au plus tard le {fr_date(due)} (R6113-15)."
        },
        link=reverse("branches:certifications:project", args=[project.pk]),
    )


def _first_writer(branch) -> CpneSeat | None:
    from branches.certifications.enums import CPNE_WRITERS

    seats = {
        seat.role: seat
        for seat in CpneSeat.objects.filter(branch=branch, role__in=CPNE_WRITERS).select_related("user").order_by("id")
    }
    return next((seats[role] for role in CPNE_WRITERS if role in seats), None)


@transaction.atomic
def survey_record(
    *, actor, project, sent_on: date, holders_surveyed: int, holders_employed: int, notes: str = ""
) -> EmploymentSurvey:
    access.require_write(actor, project.branch)
    _registered(project)
    survey = EmploymentSurvey(
        project=project, sent_on=sent_on, holders_surveyed=holders_surveyed, holders_employed=holders_employed, notes=notes
    )
    _save(survey, exclude=["project"])
    reminders_cancel(target=project, kind=SURVEY_REMINDER, actor=actor)
    _survey_reminder(project, after=sent_on, actor=actor)
    audit.record(
        actor=actor,
        action="certification_survey_record",
        target=project,
        summary=f"Données d'insertion transmises le {fr_date(sent_on)}",
    )
    return survey
