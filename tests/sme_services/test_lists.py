"""The proximity service's and the funding's lists page by keyset on (sort key, id) (opco.lists): the
needs inbox (its tabs and counts kept), the portfolio (« jamais accompagnées » first kept), the funding
requests, the rule-set versions and the waiting list. Walking every page by its « Suivante » link shows
each row once, in the order of the sort, ties included."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from sme_services.enums import InteractionKind, InteractionOutcome, NeedStatus
from sme_services.funding.enums import RequestStatus
from sme_services.funding.models import TrainingRequest
from sme_services.models import Interaction, Need, PortfolioCompany
from tests.referentials.factories import CompanyFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
OUTCOME = InteractionOutcome.values[0]


def walk(client, url: str, query: str = "") -> tuple[list[int], list]:
    """The ids of every page, following the « Suivante » links; and the pages' contexts."""
    ids, contexts = [], []
    while True:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        page = response.context["page_obj"]
        ids += [row.pk for row in page]
        contexts.append(response.context)
        if not page.has_next:
            return ids, contexts
        query = page.next_query


@pytest.fixture
def manager(make_user):
    return make_user(kind="staff", groups=["responsable"])


def test_the_inbox_pages_every_need_once_keeps_its_tabs_and_sorts_by_a_header(client_for, manager):
    companies = CompanyFactory.create_batch(3)
    Need.objects.bulk_create(
        Need(
            file_number=f"BE-2026-{n:06d}",
            company=companies[n % 3],
            subject="plan",
            description="Former",
            contact_name="Claire",
            contact_email="c@example.fr",
            channel="saisie",
            status=NeedStatus.PENDING if n < 120 else NeedStatus.TAKEN,
            received_on=DAY + timedelta(days=n % 4),  # 30 needs a day: ties broken by id
        )
        for n in range(130)
    )
    client = client_for(manager)
    url = reverse("sme_services:inbox")
    ids, contexts = walk(client, url, "onglet=a_traiter")
    pending = Need.objects.filter(status=NeedStatus.PENDING)
    assert len(contexts) == 3 and len(ids) == len(set(ids)) == 120
    assert ids == list(pending.order_by("received_on", "id").values_list("pk", flat=True))
    assert [(code, n) for code, _, n in contexts[-1]["tabs"]][:2] == [("a_traiter", 120), ("en_cours", 10)]
    assert all(c["tab"] == "a_traiter" for c in contexts) and contexts[0]["page_obj"].count == 120
    html = client.get(url, {"onglet": "a_traiter", "sort": "-entreprise"}).content.decode()
    assert 'data-sort="entreprise"' in html and 'aria-sort="descending"' in html
    ids, _ = walk(client, url, "onglet=a_traiter&sort=-entreprise")
    assert ids == list(pending.order_by("-company__name", "-id").values_list("pk", flat=True))
    ids, _ = walk(client, url, "onglet=en_cours")
    assert ids == list(Need.objects.filter(status=NeedStatus.TAKEN).order_by("received_on", "id").values_list("pk", flat=True))


def test_the_portfolio_keeps_never_accompanied_first_across_pages_and_sorts_by_name(client_for, make_user):
    advisor = make_user(kind="advisor")
    companies = [CompanyFactory(name=f"Société {n % 7:02d}") for n in range(75)]  # duplicated names: ties
    PortfolioCompany.objects.bulk_create(PortfolioCompany(advisor=advisor, company=c) for c in companies)
    followed = companies[::3]
    for company in followed:
        Interaction.objects.create(company=company, kind=InteractionKind.VISIT, occurred_on=DAY, advisor=advisor, outcome=OUTCOME)
    client = client_for(advisor)
    url = reverse("sme_services:portfolio")
    ids, contexts = walk(client, url)
    assert len(contexts) == 2 and len(ids) == len(set(ids)) == 75
    never = sorted((c for c in companies if c not in followed), key=lambda c: (c.name, c.pk))
    assert ids == [c.pk for c in never] + [c.pk for c in sorted(followed, key=lambda c: (c.name, c.pk))]
    ids, _ = walk(client, url, "sort=-nom")
    assert ids == [c.pk for c in sorted(companies, key=lambda c: (c.name, c.pk), reverse=True)]


def test_the_funding_requests_list_pages_every_request_once_and_sorts_by_amount(client_for, manager):
    company = CompanyFactory()
    TrainingRequest.objects.bulk_create(
        TrainingRequest(
            file_number=f"FP-2026-{n:06d}",
            company=company,
            dispositif="plan50",
            channel="advisor",
            theme="bureautique",
            modality="presentiel",
            trainees=1,
            payload={},
            title=f"Formation {n}",
            start=DAY,
            end=DAY,
            status=RequestStatus.RECEIVED,
            received_on=DAY - timedelta(days=n % 3),
            funded_total=Decimal(n % 5 * 100),
        )
        for n in range(110)
    )
    client = client_for(manager)
    url = reverse("funding:requests")
    ids, contexts = walk(client, url)
    assert len(contexts) == 3 and len(ids) == len(set(ids)) == 110
    assert ids == list(TrainingRequest.objects.order_by("-received_on", "-id").values_list("pk", flat=True))
    ids, _ = walk(client, url, "sort=-accorde")
    assert ids == list(TrainingRequest.objects.order_by("-funded_total", "-id").values_list("pk", flat=True))
    assert 'data-sort="accorde"' in client.get(url).content.decode()


def test_the_waiting_list_and_the_rule_set_versions_page_by_keyset(client_for, manager):
    company = CompanyFactory()
    TrainingRequest.objects.bulk_create(
        TrainingRequest(
            file_number=f"FP-2026-{n:06d}",
            company=company,
            dispositif="plan50",
            channel="advisor",
            theme="bureautique",
            modality="presentiel",
            trainees=1,
            payload={},
            title=f"Formation {n}",
            start=DAY,
            end=DAY,
            status=RequestStatus.WAITING,
            received_on=DAY - timedelta(days=n % 2),  # ties on the filing day: broken by id
        )
        for n in range(60)
    )
    client = client_for(manager)
    ids, contexts = walk(client, reverse("funding:envelopes"), "annee=2026")
    assert len(contexts) == 2 and ids == list(TrainingRequest.objects.order_by("received_on", "id").values_list("pk", flat=True))
    html = client.get(reverse("funding:rule-sets")).content.decode()
    assert 'data-sort="numero"' in html and 'aria-sort="descending"' in html


def test_campaigns_and_quarterly_reports_page_by_keyset_and_sort_by_a_header(client_for, manager):
    from sme_services.models import AdvisorTeam, Campaign, QuarterlyReport

    Campaign.objects.bulk_create(
        Campaign(name=f"Webinaire {n}", kind="webinaire", held_on=DAY - timedelta(days=n % 5), audience=n % 7) for n in range(60)
    )
    client = client_for(manager)
    url = reverse("sme_services:campaigns")
    ids, contexts = walk(client, url)
    assert len(contexts) == 2 and ids == list(Campaign.objects.order_by("-held_on", "-id").values_list("pk", flat=True))
    ids, _ = walk(client, url, "sort=-touchees")
    assert ids == list(Campaign.objects.order_by("-audience", "-id").values_list("pk", flat=True))
    teams = [AdvisorTeam.objects.create(name=f"Équipe {n}", manager=manager) for n in range(3)]
    years = (2024, 2025, 2026)
    QuarterlyReport.objects.bulk_create(
        QuarterlyReport(team=team, year=year, quarter=quarter) for team in teams for year in years for quarter in (1, 2, 3, 4)
    )  # 36 reports, three per quarter: ties broken by id
    ids, contexts = walk(client, reverse("sme_services:reports"))
    assert len(ids) == len(set(ids)) == 36
    assert ids == list(QuarterlyReport.objects.order_by("-year", "-quarter", "-id").values_list("pk", flat=True))
    assert 'data-sort="trimestre"' in client.get(reverse("sme_services:reports")).content.decode()
