"""Reviews (question, recommendation, confidential note for staff only, due date, reminders), the
habilitated bodies, sessions and holders, the CPF export (L6113-8, R6113-17-1) and its NIR handling,
and the employment data due every two years (R6113-15)."""

import csv
import io
import logging
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.certifications import cpf_export, services
from branches.certifications.enums import CandidateResult, CpneRole, ProjectStatus
from branches.certifications.models import Candidate, Habilitation
from notifications.models import Reminder
from opco.models import AuditEntry
from tests.branches.certifications.factories import complete_checklist, member, project_at, staff_user

pytestmark = pytest.mark.django_db
NIR = "295109912611193"
NIR_2 = "188057512345623"


def _registered():
    with time_machine.travel(date(2026, 2, 2), tick=False):
        project = project_at(ProjectStatus.CREATED)
        actor = staff_user()
        services.project_update(actor=actor, project=project, cohorts=3, honour_check_on=date(2026, 1, 20))
        complete_checklist(project, actor=actor, filed_on=date(2026, 2, 2))
        services.project_transition(actor=actor, project=project, code="file")
    return services.project_register(
        actor=staff_user(),
        project=project,
        rncp_code="RNCP41234",
        decided_on=date(2026, 3, 1),
        registered_from=date(2026, 3, 1),
        registration_ends_on=date(2031, 3, 1),
        publication_reference="JO du 01/03/2026",
    )


# --- Reviews ----------------------------------------------------------------------------------------------
@time_machine.travel(date(2026, 1, 12), tick=False)
def test_a_review_gets_two_reminders_and_the_answer_cancels_them():
    project = project_at(ProjectStatus.WRITING)
    reviewer = member(project.branch, CpneRole.SUBSTITUTE)
    review = services.review_request(
        actor=staff_user(),
        project=project,
        reviewer=reviewer,
        question="Les blocs sont-ils cohérents ?",
        due_on=date(2026, 1, 30),
    )
    planned = Reminder.objects.filter(kind=services.REVIEW_REMINDER, target_id=str(review.pk)).order_by("due_on")
    assert [(r.due_on, r.recipient_id, r.status) for r in planned] == [
        (date(2026, 1, 27), reviewer.pk, "planned"),
        (date(2026, 1, 30), reviewer.pk, "planned"),
    ]
    services.review_answer(actor=reviewer, review=review, recommendation="reserved", opinion="Réserve sur le bloc 2.")
    assert set(planned.values_list("status", flat=True)) == {"cancelled"}


@time_machine.travel(date(2026, 1, 12), tick=False)
def test_only_staff_write_a_confidential_note_and_only_staff_read_it(client_for):
    project = project_at(ProjectStatus.WRITING)
    president = member(project.branch, CpneRole.PRESIDENT)
    review = services.review_request(
        actor=president, project=project, reviewer=president, question="Avis ?", due_on=date(2026, 2, 1)
    )
    with pytest.raises(ValidationError, match="réservée au personnel"):
        services.review_answer(
            actor=president, review=review, recommendation="favourable", opinion="Bien.", confidential_note="x"
        )
    review.refresh_from_db()
    assert review.answered_on is None
    staff_review = services.review_request(
        actor=staff_user(), project=project, reviewer=staff_user(), question="Financement ?", due_on=date(2026, 2, 1)
    )
    services.review_answer(
        actor=staff_user(),
        review=staff_review,
        recommendation="favourable",
        opinion="Avis public.",
        confidential_note="Budget serré cette année",
    )
    url = reverse("branches:certifications:project", args=[project.pk])
    assert "Budget serré cette année" in client_for(staff_user()).get(url).content.decode()
    page = client_for(president).get(url).content.decode()
    assert "Avis public." in page and "Budget serré cette année" not in page
    assert not AuditEntry.objects.filter(changes__icontains="Budget serré").exists()


def test_an_opinion_is_asked_of_a_cpne_member_or_staff_only():
    project = project_at(ProjectStatus.WRITING)
    observer = member(project.branch, CpneRole.OBSERVER)
    with pytest.raises(ValidationError, match="membre de la CPNE"):
        services.review_request(actor=staff_user(), project=project, reviewer=observer, question="?", due_on=date(2099, 1, 1))


# --- Habilitations, sessions, holders and the CPF file --------------------------------------------------------
def _with_holders():
    project = _registered()
    actor = staff_user()
    body = services.habilitation_add(
        actor=actor,
        project=project,
        siret="732 829 320 00074",
        name="Centre de formation Nord",
        scope="both",
        starts_on=date(2026, 3, 1),
        ends_on=date(2029, 2, 28),
    )
    session = services.session_add(
        actor=actor, project=project, label="Session juin 2026", jury_on=date(2026, 6, 20), habilitation=body
    )
    full = services.candidate_add(
        actor=actor, session=session, last_name="Martin", first_name="Léa", birth_date=date(1995, 10, 3), sex="F", nir=NIR
    )
    partial = services.candidate_add(
        actor=actor, session=session, last_name="=Durand", first_name="Paul", birth_date=date(1988, 5, 7), sex="M", nir=NIR_2
    )
    failed = services.candidate_add(
        actor=actor, session=session, last_name="Petit", first_name="Hugo", birth_date=date(1990, 1, 1), sex="M"
    )
    services.candidate_result(actor=actor, candidate=full, result=CandidateResult.CERTIFIED)
    services.candidate_result(
        actor=actor, candidate=partial, result=CandidateResult.PARTIAL, blocs=project.blocs.filter(code="BC02")
    )
    services.candidate_result(actor=actor, candidate=failed, result=CandidateResult.FAILED)
    return project


def test_a_habilitation_stays_within_the_registration_and_a_siret_is_checked():
    project = _registered()
    with pytest.raises(ValidationError, match="échéance de l'enregistrement"):
        services.habilitation_add(
            actor=staff_user(),
            project=project,
            siret="73282932000074",
            name="X",
            scope="train",
            starts_on=date(2026, 3, 1),
            ends_on=date(2031, 3, 2),
        )
    with pytest.raises(ValidationError):
        services.habilitation_add(
            actor=staff_user(),
            project=project,
            siret="73282932000075",
            name="X",
            scope="train",
            starts_on=date(2026, 3, 1),
            ends_on=date(2027, 3, 1),
        )
    assert not Habilitation.objects.exists()


def test_an_invalid_nir_is_refused_without_echoing_it():
    project = _registered()
    session = services.session_add(actor=staff_user(), project=project, label="S1", jury_on=date(2026, 6, 1))
    with pytest.raises(ValidationError) as refusal:
        services.candidate_add(
            actor=staff_user(),
            session=session,
            last_name="A",
            first_name="B",
            birth_date=date(2000, 1, 1),
            sex="F",
            nir="295109912611194",
        )
    assert "295109912611194" not in str(refusal.value)
    assert not Candidate.objects.exists()


def test_the_cpf_export_has_its_documented_columns_and_the_nir_of_holders_only(client_for):
    project = _with_holders()
    response = client_for(staff_user()).get(reverse("branches:certifications:cpf_export", args=[project.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert (
        rows[0]
        == [name for name, _ in cpf_export.COLUMNS]
        == [
            "nir",
            "nom_naissance",
            "prenom",
            "date_naissance",
            "sexe",
            "code_certification",
            "intitule_certification",
            "resultat",
            "blocs_obtenus",
            "date_obtention",
            "siret_organisme",
            "session",
        ]
    )
    assert rows[1:] == [
        [
            NIR_2,
            "'=DURAND",
            "Paul",
            "1988-05-07",
            "M",
            "RNCP41234",
            "CQP Technicien de maintenance",
            "PARTIELLE",
            "BC02",
            "2026-06-20",
            "73282932000074",
            "Session juin 2026",
        ],
        [
            NIR,
            "MARTIN",
            "Léa",
            "1995-10-03",
            "F",
            "RNCP41234",
            "CQP Technicien de maintenance",
            "TOTALE",
            "BC01|BC02",
            "2026-06-20",
            "73282932000074",
            "Session juin 2026",
        ],
    ]


def test_every_documented_column_is_in_the_docs_note():
    from pathlib import Path

    note = (Path(__file__).resolve().parents[3] / "docs" / "certifications-cpf-export.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in note for name, _ in cpf_export.COLUMNS)


def test_the_nir_is_never_in_a_page_a_url_the_audit_or_the_logs(client_for, caplog):
    caplog.set_level(logging.DEBUG)
    project = _with_holders()
    client = client_for(staff_user())
    page = client.get(reverse("branches:certifications:project", args=[project.pk])).content.decode()
    assert "MARTIN" in page and NIR not in page and NIR_2 not in page and "•••" in page
    audit_text = " ".join(str(v) for v in AuditEntry.objects.values_list("changes", "summary"))
    assert NIR not in audit_text and NIR_2 not in audit_text
    assert NIR not in caplog.text and NIR_2 not in caplog.text
    export = client.get(reverse("branches:certifications:cpf_export", args=[project.pk]))
    assert NIR in b"".join(export.streaming_content).decode("utf-8-sig")  # the one place it goes out
    assert NIR not in export.request["PATH_INFO"] + export.request.get("QUERY_STRING", "")
    # The export's own audit entry says who took the file, without its content.
    entry = AuditEntry.objects.get(action="certification_cpf_export")
    assert (entry.actor, NIR in entry.summary + str(entry.changes)) == (staff_user(), False)
    assert NIR not in caplog.text


def test_an_observer_cannot_download_the_cpf_file(client_for):
    project = _with_holders()
    observer = member(project.branch, CpneRole.OBSERVER)
    assert client_for(observer).get(reverse("branches:certifications:cpf_export", args=[project.pk])).status_code == 403


# --- Employment data (R6113-15) ---------------------------------------------------------------------------
def test_employment_data_are_due_two_years_after_registration_then_after_each_sending():
    project = _registered()
    member(project.branch, CpneRole.PRESIDENT)
    reminders = Reminder.objects.filter(kind=services.SURVEY_REMINDER, target_id=str(project.pk))
    assert [(r.due_on, r.status) for r in reminders.order_by("due_on")] == [(date(2028, 3, 1), "planned")]
    services.survey_record(
        actor=staff_user(), project=project, sent_on=date(2027, 12, 15), holders_surveyed=40, holders_employed=31
    )
    assert [(r.due_on, r.status) for r in reminders.order_by("due_on")] == [
        (date(2028, 3, 1), "cancelled"),
        (date(2029, 12, 15), "planned"),
    ]
    with pytest.raises(ValidationError, match="ne dépassent pas"):
        services.survey_record(
            actor=staff_user(), project=project, sent_on=date(2028, 1, 1), holders_surveyed=3, holders_employed=4
        )


def test_the_admin_shows_candidates_without_their_nir(client, make_user):
    project = _with_holders()
    client.force_login(make_user(administrateur=True))
    candidate = Candidate.objects.get(last_name="MARTIN")
    listing = client.get("/admin/branches/candidate/").content.decode()
    detail = client.get(f"/admin/branches/candidate/{candidate.pk}/change/").content.decode()
    assert "MARTIN" in listing and NIR not in listing and NIR not in detail and str(project.pk)
