"""The company's space: a company's contact, without an account, reaches the company's year, the
simulator (every worked example to the cent through this door) and the filing of a request through a
signed, expiring, revocable link sent by staff or the company's advisor — that company only; a
tampered, expired or revoked link answers 404 and stores nothing."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opco.models import AuditEntry
from opco.money import euros
from referentials.models import Company
from sme_services.funding import company_space as space
from sme_services.funding.models import TrainingRequest
from sme_services.funding.services import training_request_file
from sme_services.models import CompanyContact, CompanySpaceLink
from tests.referentials.factories import IdccFactory

from .conftest import EXAMPLES
from .factories import company, in_portfolio, plan_data

pytestmark = pytest.mark.django_db
FIELDS = {  # the filing form as a person fills it (the plan example, teaching and pay)
    "dispositif": "plan50",
    "title": "Tableur : fonctions avancées",
    "theme": "bureautique",
    "modality": "presentiel",
    "start": "2026-03-16",
    "end": "2026-03-17",
    "hours_per_trainee": "14",
    "trainees": 2,
    "pedagogical_cost": "900.00",
    "hourly_pay": "14.50",
}


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


def contact_of(of: Company, email: str = "dirigeante@example.org") -> CompanyContact:
    return CompanyContact.objects.create(company=of, full_name="Claire Martin", role="Gérante", email=email)


def sent_path(staff, of: Company, **kwargs) -> str:
    """Send a link through the service and read it back from the e-mail, as the contact would."""
    mail.outbox.clear()
    space.company_space_link_send(actor=staff, contact_id=contact_of(of, **kwargs).pk)
    assert len(mail.outbox) == 1
    return re.search(r"(/espace-entreprise/\S+/)", mail.outbox[0].body).group(1)


@pytest.mark.parametrize("case", EXAMPLES, ids=[e["title"][:40] for e in EXAMPLES])
def test_every_example_through_the_company_space(case, funding_rules, staff):
    given = case["input"]["company"]
    of = Company.objects.create(
        siret=given["siret"],
        siren=given["siret"][:9],
        name="Exemple",
        idcc=IdccFactory(code=given["idcc"]),
        headcount=given["headcount"],
    )
    path = sent_path(staff, of)
    body = dict(case["input"], company={"siret": "00000000000000", "idcc": "9999", "headcount": 1})  # ignored
    response = Client().post(f"{path}simuler/", {"json": json.dumps(body)})
    assert response.status_code == 200
    assert json.loads(response.context["result_json"]) == case["output"]
    assert euros(Decimal(case["output"]["total_funded"])).encode() in response.content  # « 998,56 € » on screen


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_the_simulator_without_json_uses_the_companys_year(funding_rules, staff):
    of = company(1)
    path = sent_path(staff, of)
    page = Client().get(path)
    assert page.status_code == 200 and b"Combien me reste-t-il en 2026" in page.content
    response = Client().post(f"{path}simuler/", {**FIELDS, "frais_amount": "150.00", "frais_km": 200, "frais_meals": 2})
    result = json.loads(response.context["result_json"])
    # 560 + 336.56 + 102 (the first example's lines), nothing yet consumed: 3 000 − 998.56 remain.
    assert result["total_funded"] == "998.56" and result["consumed_this_year"] == "0.00"
    assert result["remaining_cap"] == "2001.44" and result["latest_filing_date"] == "2026-03-15"


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_a_filing_through_the_link_is_a_request_of_that_company(funding_rules, staff):
    mine, other = company(1), company(2)
    path = sent_path(staff, mine)
    response = Client().post(f"{path}deposer/", {**FIELDS, "siret": other.siret})  # the posted SIRET is not a field
    assert response.status_code == 302 and "depose=FP-2026-" in response["Location"]
    filed = TrainingRequest.objects.get()
    assert filed.company == mine and filed.channel == "form" and filed.filed_by is None
    assert filed.decision_due_on == date(2026, 5, 2)  # two months (R6332-24)
    assert AuditEntry.objects.filter(action="company_space_file").count() == 1
    page = Client().get(response["Location"])
    assert filed.file_number.encode() in page.content and "Reçue".encode() in page.content


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_a_refused_filing_stores_nothing_and_says_why_in_french(funding_rules, staff):
    path = sent_path(staff, company(1))
    for wrong, why in (
        ({"hours_per_trainee": ""}, "clé obligatoire absente"),
        ({"title": ""}, "clé obligatoire absente"),
        ({"end": "2026-03-10"}, "la fin de la formation précède son début"),
    ):
        response = Client().post(f"{path}deposer/", {**FIELDS, **wrong})
        assert response.status_code == 400 and TrainingRequest.objects.count() == 0
        assert why in response.context["request_form"].errors.as_text() and why in response.content.decode()


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_a_link_of_company_a_never_shows_b(funding_rules, staff):
    a, b = company(1), company(2, name="Boulangerie Secrète")
    theirs = training_request_file(actor=staff, data=plan_data(b, title="Formation de B"))
    contact_of(b, email="b@example.org")
    path = sent_path(staff, a)
    page = Client().get(path).content.decode()
    assert "Boulangerie Secrète" not in page and theirs.file_number not in page and "Formation de B" not in page
    assert "b@example.org" not in page and "Aucune demande" in page


@time_machine.travel(date(2026, 3, 2), tick=False)
@pytest.mark.parametrize("how", ["tampered", "expired", "revoked", "garbage"])
def test_a_bad_link_is_a_french_404_and_stores_nothing(how, funding_rules, staff):
    path = sent_path(staff, company(1))
    link = CompanySpaceLink.objects.get()
    if how == "tampered":
        token = path.split("/")[-2]
        forged = signing.loads(token, salt=space.SALT)
        path = path.replace(token, signing.dumps({**forged, "link": forged["link"] + 1}, salt="autre"))
    elif how == "expired":
        link.expires_at = timezone.now() - timedelta(seconds=1)
        link.save()
    elif how == "revoked":
        space.company_space_link_revoke(actor=staff, pk=link.pk)
    else:
        path = "/espace-entreprise/abc/"
    for response in (Client().get(path), Client().post(f"{path}deposer/", FIELDS), Client().post(f"{path}simuler/", FIELDS)):
        assert response.status_code == 404 and "n'est pas (ou plus) valable" in response.content.decode()
    assert TrainingRequest.objects.count() == 0


def test_expiry_is_thirty_days_by_default(funding_rules, staff):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = sent_path(staff, company(1))
        traveller.shift(timedelta(days=29, hours=23))
        assert Client().get(path).status_code == 200
        traveller.shift(timedelta(hours=2))
        assert Client().get(path).status_code == 404


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_abuse_honeypot_size_and_rate(funding_rules, staff):
    path = sent_path(staff, company(1))
    client = Client()
    response = client.post(f"{path}deposer/", {**FIELDS, "website": "http://spam"})
    assert response.status_code == 302 and TrainingRequest.objects.count() == 0
    response = client.post(f"{path}deposer/", {**FIELDS, "title": "x" * 40_000})
    assert response.status_code == 413 and TrainingRequest.objects.count() == 0
    cache.clear()
    codes = [client.post(f"{path}deposer/", {**FIELDS, "title": ""}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429
    assert client.post(f"{path}deposer/", FIELDS).status_code == 429 and TrainingRequest.objects.count() == 0


def test_who_may_send_and_refusals_store_nothing(funding_rules, staff, make_user):
    of = company(1)
    advisor, stranger = make_user(advisor=True), make_user(advisor=True)
    in_portfolio(advisor, of)
    assert space.company_space_link_send(actor=advisor, contact_id=contact_of(of).pk).created_by == advisor
    with pytest.raises(PermissionDenied):
        space.company_space_link_send(actor=stranger, contact_id=contact_of(of).pk)
    with pytest.raises(PermissionDenied):
        space.company_space_link_send(actor=make_user(branch_rep=True), contact_id=contact_of(of).pk)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="adresse électronique"):
        space.company_space_link_send(actor=staff, contact_id=contact_of(of, email="").pk)
    assert CompanySpaceLink.objects.count() == 1 and mail.outbox == []
    link = CompanySpaceLink.objects.get()
    with pytest.raises(PermissionDenied):
        space.company_space_link_revoke(actor=stranger, pk=link.pk)
    assert CompanySpaceLink.objects.get().revoked_at is None
    assert AuditEntry.objects.filter(action="company_space_link_send").count() == 1


def test_the_company_page_sends_and_revokes(funding_rules, staff, client_for):
    of = company(1)
    contact = contact_of(of)
    client = client_for(staff)
    page = client.get(reverse("sme_services:company", args=[of.pk]))
    assert b"company-space-panel" in page.content
    response = client.post(reverse("company_space:send", args=[of.pk]), {"contact": contact.pk, "days": 10})
    assert response.status_code == 302 and len(mail.outbox) == 1 and "Claire Martin" in mail.outbox[0].body
    link = CompanySpaceLink.objects.get()
    assert (link.expires_at - link.created_at).days in (9, 10)
    client.post(reverse("company_space:revoke", args=[link.pk]))
    assert CompanySpaceLink.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(action="company_space_link_revoke").count() == 1
