"""The advisors' tools through their doors: the weekly digest, the quarterly XLSX report built by the
Celery task with its readers notified, a next step's reminder, campaigns measured, questionnaires
versioned, the staff screens, the OpenAPI schema."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from notifications.deadlines import reminders_daily
from notifications.models import Notification
from referentials.models import Company
from sme_services.enums import DiagnosticKind, ReportStatus
from sme_services.models import AdvisorTeam, Campaign, Interaction, Need, Questionnaire
from sme_services.services import interactions, reports
from sme_services.services.diagnostics import questionnaire_publish
from tests.referentials.factories import valid_siret
from tests.sme_services.factories import portfolio_company, questionnaire, received_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    advisor = make_user(advisor=True)
    team = AdvisorTeam.objects.create(name="Équipe Ouest", manager=make_user(responsable=True))
    team.members.add(advisor)
    return team


def test_the_weekly_digest_goes_to_advisors_with_work(team, make_user):
    advisor = team.members.get()
    make_user(advisor=True)  # nothing to do: no e-mail
    company = portfolio_company(advisor, name="Menuiserie Hoarau")
    received_need(company, on=date(2026, 3, 1))
    received_need(company, on=date(2026, 3, 12))
    assert reports.weekly_digests_send(today=date(2026, 3, 16)) == 1
    (message,) = mail.outbox
    assert message.to == [advisor.email]
    assert message.subject == "Votre semaine : 2 besoins à prendre en charge, dont 1 en retard"
    assert "Menuiserie Hoarau" in message.body


def test_the_quarterly_report_is_built_by_the_task_and_its_readers_notified(team, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    advisor = team.members.get()
    received_need(portfolio_company(advisor, headcount=7), on=date(2026, 2, 10))
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.quarterly_report_request(team=team, year=2026, quarter=1)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    book = load_workbook(BytesIO(bytes(report.content)))
    assert book.sheetnames == ["Équipe", str(advisor)[:31]]
    rows = {row[0]: row[1] for row in book["Équipe"].iter_rows(min_row=2, values_only=True)}
    assert rows["Besoins reçus"] == 1 and rows["Entreprises de moins de 50 du portefeuille"] == 1
    readers = set(Notification.objects.filter(kind="sme_report_ready").values_list("user_id", flat=True))
    assert readers == {team.manager_id, advisor.pk}
    # Built once: a redelivered message finds it done and notifies nobody again.
    reports.quarterly_report_build(report_id=report.pk)
    assert Notification.objects.filter(kind="sme_report_ready").count() == 2


def test_the_previous_quarter():
    assert reports.previous_quarter(date(2026, 1, 1)) == (2025, 4)
    assert reports.previous_quarter(date(2026, 7, 1)) == (2026, 2)


def test_a_next_step_reminds_the_advisor_on_its_day(team):
    advisor = team.members.get()
    company = portfolio_company(advisor)
    interactions.interaction_record(
        actor=advisor,
        interaction=Interaction(
            company=company,
            advisor=advisor,
            kind="appel",
            occurred_on=date(2026, 4, 1),
            outcome="besoin",
            tags=["afest"],
            next_step="Envoyer la documentation AFEST",
            next_step_on=date(2026, 4, 8),
        ),
    )
    reminders_daily(today=date(2026, 4, 7))
    assert mail.outbox == []
    reminders_daily(today=date(2026, 4, 8))
    reminders_daily(today=date(2026, 4, 9))
    assert [m.to for m in mail.outbox] == [[advisor.email]]


def test_campaigns_are_measured_by_what_they_brought(team, client_for):
    advisor = team.members.get()
    campaign = Campaign.objects.create(name="Webinaire AFEST", kind="webinaire", held_on=date(2026, 1, 20))
    company = portfolio_company(advisor)
    received_need(company, on=date(2026, 2, 1), campaign_id=campaign.pk)
    received_need(company, on=date(2026, 2, 2))
    body = client_for(advisor).get(reverse("sme_services:campaigns")).content.decode()
    assert "<td>Webinaire AFEST</td><td>Webinaire</td><td>20/01/2026</td><td></td><td>0</td><td>1</td>" in body


def test_questionnaires_are_versioned(make_user, client_for):
    manager = make_user(responsable=True)
    first = questionnaire(DiagnosticKind.AFEST)
    response = client_for(manager).post(
        reverse("sme_services:questionnaires"),
        {"kind": "afest", "questions": "situation | Situations formatrices | text\nformateur | Formateur pressenti | text"},
    )
    assert response.status_code == 302
    versions = list(Questionnaire.objects.filter(kind="afest").order_by("version").values_list("version", flat=True))
    assert versions == [1, 2] and Questionnaire.objects.get(pk=first.pk).questions[0]["code"] == "effectifs"
    bad = client_for(manager).post(reverse("sme_services:questionnaires"), {"kind": "afest", "questions": "sans type"})
    assert bad.status_code == 200 and Questionnaire.objects.filter(kind="afest").count() == 2
    with pytest.raises(ValidationError):
        questionnaire_publish(actor=manager, kind="afest", questions=[{"code": "a", "label": "A", "type": "inconnu"}])


def test_staff_enter_a_need_and_create_a_company_from_its_siret(make_user, client_for):
    client = client_for(make_user(gestionnaire=True))
    siret = valid_siret(4242)
    response = client.post(reverse("sme_services:company_create"), {"siret": siret, "name": "Atelier Vélo", "headcount": "3"})
    company = Company.objects.get(siret=siret)
    assert response.status_code == 302 and company.headcount == 3 and company.headcount_history.count() == 1
    bad = client.post(reverse("sme_services:company_create"), {"siret": "12345678901234", "name": "X"})
    assert bad.status_code == 200 and "SIRET" in bad.content.decode()
    response = client.post(
        reverse("sme_services:need_new"),
        {
            "siret": siret,
            "subject": "certification",
            "description": "VAE d'un mécanicien",
            "contact_name": "Ana",
            "contact_email": "ana@example.fr",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and need.channel == "saisie" and need.company == company


def test_the_openapi_schema_documents_the_proximity_endpoints(make_user, client_for):
    schema = client_for(make_user(gestionnaire=True)).get("/api/v1/schema/").content.decode()
    assert "/api/v1/needs/" in schema and "/api/v1/companies/{siret}/" in schema


def test_the_dashboard_exports_xlsx(team, client_for):
    advisor = team.members.get()
    received_need(portfolio_company(advisor), on=date.today() - timedelta(days=1))
    response = client_for(advisor).get(reverse("sme_services:dashboard") + "?format=xlsx")
    rows = dict(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert rows["Besoins reçus"] == 1
