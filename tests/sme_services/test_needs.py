"""Needs: states and who moves them, the 9/21/45-day reminders each sent once, the public form refusing
abuse and storing nothing, another OPCO's company answered politely, the API."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.deadlines import reminders_daily
from notifications.models import Reminder
from referentials.models import Company, Idcc
from sme_services.enums import NeedStatus
from sme_services.models import AdvisorTeam, Need, SatisfactionAnswer
from sme_services.services import needs as services
from tests.referentials.factories import IdccFactory, valid_siret
from tests.sme_services.factories import portfolio_company, received_need

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 2, 2)


@pytest.fixture
def advisor(make_user):
    return make_user(advisor=True)


def test_a_need_is_routed_to_the_companys_advisor_and_numbered(advisor):
    company = portfolio_company(advisor)
    need = received_need(company, on=DAY0)
    assert need.assigned_to == advisor and need.status == NeedStatus.PENDING
    assert need.file_number == f"BE2026{need.pk:06d}"


def test_the_states_and_dates_kept(advisor):
    company = portfolio_company(advisor)
    need = received_need(company, on=DAY0)
    need = services.need_take(actor=advisor, need_id=need.pk, today=DAY0 + timedelta(days=3))
    assert need.taken_on == date(2026, 2, 5)
    need = services.need_close(actor=advisor, need_id=need.pk, outcome="aide_proposee", today=date(2026, 2, 28))
    assert (need.status, need.closed_on, need.outcome) == (NeedStatus.CLOSED, date(2026, 2, 28), "aide_proposee")
    need = services.need_reopen(actor=advisor, need_id=need.pk, today=date(2026, 3, 1))
    assert (need.status, need.closed_on, need.outcome, need.taken_on, need.reopened_count) == (
        NeedStatus.TAKEN,
        None,
        "",
        date(2026, 2, 5),
        1,
    )


def test_another_advisor_may_not_move_a_need_and_nothing_changes(advisor, make_user):
    need = received_need(portfolio_company(advisor), on=DAY0)
    with pytest.raises(ValidationError):
        services.need_take(actor=make_user(advisor=True), need_id=need.pk)
    need.refresh_from_db()
    assert need.status == NeedStatus.PENDING and need.taken_on is None


def test_a_refusal_needs_a_reason_and_closing_an_outcome(advisor):
    need = received_need(portfolio_company(advisor), on=DAY0)
    with pytest.raises(ValidationError):
        services.need_refuse(actor=advisor, need_id=need.pk, reason="")
    with pytest.raises(ValidationError):  # close from « en attente » is not an action of the workflow
        services.need_close(actor=advisor, need_id=need.pk, outcome="aide_proposee")
    need = services.need_refuse(actor=advisor, need_id=need.pk, reason="doublon", today=DAY0)
    assert need.status == NeedStatus.REFUSED and need.refusal_codes == ["doublon"]


def test_reminders_at_9_21_and_45_days_each_sent_once(advisor, make_user, time_machine):
    manager = make_user(responsable=True)
    team = AdvisorTeam.objects.create(name="Rhône", manager=manager)
    team.members.add(advisor)
    need = received_need(portfolio_company(advisor), on=DAY0)
    sent = {}
    for offset in range(0, 50):
        today = DAY0 + timedelta(days=offset)
        time_machine.move_to(today)
        mail.outbox.clear()
        reminders_daily(today=today)
        for message in mail.outbox:
            sent.setdefault(offset, []).append(message.to[0])
    assert sent == {9: [advisor.email], 21: [manager.email], 45: ["claire@example.fr"]}
    need.refresh_from_db()
    assert need.status == NeedStatus.ABANDONED and need.abandoned_on == date(2026, 3, 19)
    assert Reminder.objects.filter(target_id=str(need.pk)).count() == 3


def test_taking_in_charge_cancels_the_reminders(advisor):
    need = received_need(portfolio_company(advisor), on=DAY0)
    reminders_daily(today=DAY0 + timedelta(days=9))
    services.need_take(actor=advisor, need_id=need.pk, today=DAY0 + timedelta(days=10))
    mail.outbox.clear()
    for offset in (21, 45, 46):
        reminders_daily(today=DAY0 + timedelta(days=offset))
    assert mail.outbox == []
    need.refresh_from_db()
    assert need.status == NeedStatus.TAKEN


def test_closing_sends_the_survey_ten_days_later_and_one_answer_is_kept(advisor, client):
    need = received_need(portfolio_company(advisor), on=DAY0)
    services.need_take(actor=advisor, need_id=need.pk, today=DAY0)
    services.need_close(actor=advisor, need_id=need.pk, outcome="aide_proposee", today=date(2026, 2, 20))
    mail.outbox.clear()
    reminders_daily(today=date(2026, 3, 1))
    assert mail.outbox == []
    reminders_daily(today=date(2026, 3, 2))
    assert [m.to for m in mail.outbox] == [["claire@example.fr"]]
    url = services.survey_link(need)
    assert client.post(url, {"recontacted": "1", "useful": "1", "comment": "Merci"}).status_code == 200
    client.post(url, {"recontacted": "0", "useful": "0"})
    answer = SatisfactionAnswer.objects.get(need=need)
    assert (answer.recontacted, answer.useful) == (True, True)
    assert client.get(url[:-3] + "xyz/").status_code == 404


# --- The public form ------------------------------------------------------------------------------------------
def form_data(siret, **extra):
    data = {
        "siret": siret,
        "subject": "afest",
        "description": "Nous voulons former en situation de travail.",
        "contact_name": "Paul",
        "contact_email": "paul@example.fr",
        "company_name": "Garage Paul",
        "consent": "on",
        "headcount": "8",
        "idcc_code": "",
        "website": "",
    }
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_the_public_form_needs_no_account_and_creates_the_company(client):
    siret = valid_siret(777)
    response = client.post(reverse("sme_services:public_need"), form_data(siret))
    assert response.status_code == 200 and "bien reçue" in response.content.decode()
    need = Need.objects.get()
    assert need.company.siret == siret and need.channel == "formulaire" and need.company.headcount == 8


def test_the_public_form_is_embeddable(client):
    response = client.get(reverse("sme_services:public_need"))
    assert "X-Frame-Options" not in response and "frame-ancestors 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("abuse", ["honeypot", "bad_siret", "too_long", "no_consent"])
def test_the_public_form_refuses_abuse_and_stores_nothing(client, abuse):
    siret = valid_siret(778)
    data = form_data(siret)
    if abuse == "honeypot":
        data["website"] = "http://spam.example"
    elif abuse == "bad_siret":
        data["siret"] = "12345678901234"
    elif abuse == "too_long":
        data["description"] = "x" * 25_000
    elif abuse == "no_consent":
        data.pop("consent")
    response = client.post(reverse("sme_services:public_need"), data)
    assert response.status_code in (200, 400, 413)
    assert Need.objects.count() == 0 and not Company.objects.filter(siret=siret).exists()


def test_the_public_form_is_rate_limited_per_ip(client, settings):
    settings.SME_NEED_FORM_RATE = 2
    for n in range(2):
        assert client.post(reverse("sme_services:public_need"), form_data(valid_siret(800 + n))).status_code == 200
    response = client.post(reverse("sme_services:public_need"), form_data(valid_siret(802)))
    assert response.status_code == 429 and Need.objects.count() == 2
    other_ip = client.post(reverse("sme_services:public_need"), form_data(valid_siret(803)), REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200 and Need.objects.count() == 3


def test_a_company_of_another_opco_is_answered_politely_naming_it_and_nothing_stored(client):
    idcc = IdccFactory(code="0016")
    Idcc.objects.filter(pk=idcc.pk).update(opco_name="OPCO Mobilités", title="Transports routiers")
    siret = valid_siret(900)
    response = client.post(reverse("sme_services:public_need"), form_data(siret, idcc_code="0016"))
    assert "OPCO Mobilités" in response.content.decode()
    assert Need.objects.count() == 0 and not Company.objects.filter(siret=siret).exists()


# --- The API --------------------------------------------------------------------------------------------------
def test_api_post_and_get_needs_scoped(advisor, make_user, client_for):
    company = portfolio_company(advisor)
    other = portfolio_company(make_user(advisor=True))
    received_need(other, on=DAY0)
    manager = make_user(responsable=True)
    client = client_for(manager)
    payload = {
        "siret": company.siret,
        "subject": "alternance",
        "description": "Un apprenti en CAP.",
        "contact_name": "Léa",
        "contact_email": "lea@example.fr",
    }
    response = client.post("/api/v1/needs/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["advisor"] == advisor.email
    bad = client.post("/api/v1/needs/", {**payload, "siret": "1"}, content_type="application/json")
    assert bad.status_code == 400 and "siret" in bad.json()["errors"] and Need.objects.count() == 2
    assert len(client.get("/api/v1/needs/").json()["results"]) == 2
    mine = client_for(advisor).get("/api/v1/needs/").json()["results"]
    assert [n["siret"] for n in mine] == [company.siret]
