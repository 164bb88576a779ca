"""Finding things (opco.search): accents and case aside on every list's search, every identifier
matched exactly (file, DECA, NIR, SIRET of the employer and of the CFA, UAI), payable lines by file
number, and the header's one box grouping its answers by kind, each scoped to the user."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from branches.models import Branch, BranchMembership
from contracts.models import ApprenticeshipContract
from opco.search import unaccent, words
from payments.models import PayableLine
from referentials.models import Company
from sme_services.models import PortfolioCompany
from tests.contracts.factories import CFA_SIRET, VALID_NIR, deposit_contract
from tests.payments.factories import make_account
from tests.referentials.factories import valid_siret

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/"
MINE_SIRET, THEIRS_SIRET = valid_siret(7101), valid_siret(7102)


@pytest.fixture
def world(make_user, load):
    load("idcc", "branches", "certifications", "holidays", "providers")
    staff = make_user(kind="staff", groups=["gestionnaire"])
    mine = deposit_contract(staff, 1, idcc="843", siret=MINE_SIRET, **{"apprenti.nir": VALID_NIR, "apprenti.prenom": "Léa"})
    theirs = deposit_contract(staff, 2, idcc="2596", siret=THEIRS_SIRET, **{"apprenti.prenom": "Léa"})
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=Branch.objects.get(code="IDCC-0843"))
    advisor = make_user(kind="advisor")
    PortfolioCompany.objects.create(advisor=advisor, company=mine.employer)
    return {"staff": staff, "mine": mine, "theirs": theirs, "representative": representative, "advisor": advisor}


def test_unaccent_reads_like_postgresql():
    assert unaccent("Léa Œuvré Ægir Straße ç") == "Lea OEuvre AEgir Strasse c"


def test_the_unaccented_lookup_finds_lea_for_lea_on_this_database(world):
    found = set(ApprenticeshipContract.objects.filter(words("lea", ("apprentice_first_name",))).values_list("pk", flat=True))
    assert found == {world["mine"].pk, world["theirs"].pk}, connection.vendor
    assert not ApprenticeshipContract.objects.filter(words("léo", ("apprentice_first_name",))).exists()


def test_the_contract_list_finds_lea_by_lea_and_by_every_identifier(client, world):
    client.force_login(world["staff"])
    mine, theirs = world["mine"], world["theirs"]

    def found(q):
        return {c.pk for c in client.get(reverse("contracts:list"), {"q": q}).context["object_list"]}

    assert found("Lea") == found("LÉA") == {mine.pk, theirs.pk}
    assert found("apprenti001 lea") == {mine.pk}
    assert found(mine.file_number) == {mine.pk}
    assert found(MINE_SIRET) == {mine.pk}  # the employer's SIRET
    assert found(CFA_SIRET) == {mine.pk, theirs.pk}  # the CFA's SIRET
    assert found("0142321x") == {mine.pk, theirs.pk}  # the CFA's UAI, as typed
    ApprenticeshipContract.objects.filter(pk=theirs.pk).update(deca_number="034202512000123")
    assert found("034202512000123") == {theirs.pk}
    # A NIR in a list's address finds nothing (it belongs to the header's box, which posts).
    assert found(VALID_NIR) == set()


def test_the_header_box_posts_and_finds_a_nir_exactly_without_writing_it_back(client, world):
    client.force_login(world["staff"])
    response = client.post(SEARCH, {"q": "2 95 10 99 126 111 93"})
    groups = {g.kind.key: [h.title for h in g.hits] for g in response.context["groups"]}
    assert groups == {"contracts": [f"{world['mine'].file_number} — Apprenti001 Léa"]}
    html = response.content.decode()
    assert VALID_NIR not in html and "2 95 10 99" not in html and "Recherche par NIR" in html
    assert "Voir tous les résultats" not in html
    # A NIR in an address is not searched.
    refused = client.get(SEARCH, {"q": VALID_NIR})
    assert refused.context["groups"] == [] and "ne se recherche pas depuis une adresse" in refused.content.decode()
    # A NIR a digit away finds nothing: exact match only.
    assert client.post(SEARCH, {"q": VALID_NIR[:-1] + "4"}).context["groups"] == []


def test_the_header_box_groups_by_kind_and_each_kind_is_scoped_to_the_user(client, world):
    client.force_login(world["staff"])
    groups = client.post(SEARCH, {"q": "lea"}).context["groups"]
    assert groups[0].kind.key == "contracts" and len(groups[0].hits) == 2  # then the referentials' « lea »
    by_siret = {g.kind.key: g for g in client.post(SEARCH, {"q": CFA_SIRET}).context["groups"]}
    assert set(by_siret) >= {"contracts", "providers"} and len(by_siret["contracts"].hits) == 2
    # The advisor following the first employer finds that file only.
    client.force_login(world["advisor"])
    groups = {g.kind.key: g for g in client.post(SEARCH, {"q": "Léa"}).context["groups"]}
    assert [h.url for h in groups["contracts"].hits] == [reverse("contracts:detail", args=[world["mine"].pk])]
    assert client.post(SEARCH, {"q": world["theirs"].file_number}).context["groups"] == []
    # A branch representative sees figures, not people (issue 16): no contract file, not even their branch's.
    client.force_login(world["representative"])
    groups = {g.kind.key for g in client.post(SEARCH, {"q": "Léa"}).context["groups"]}
    assert "contracts" not in groups
    assert client.post(SEARCH, {"q": world["mine"].file_number}).context["groups"] == []
    assert "payable_lines" not in {g.kind.key for g in client.post(SEARCH, {"q": "AP"}).context["groups"]}


def test_the_header_has_one_search_box_on_every_page(client, world):
    client.force_login(world["staff"])
    html = client.get(reverse("home")).content.decode()
    assert html.count('role="search"') == 1 and f'action="{SEARCH}"' in html and 'id="header-search"' in html
    assert 'name="recherche"' in html  # not « q »: the lists' own filter has that name on the same page
    found = client.post(SEARCH, {"recherche": world["mine"].file_number}).context["groups"]
    assert [g.kind.key for g in found] == ["contracts"]


def test_payable_lines_are_found_by_file_number(client, world, make_user):
    finance = make_user(kind="staff", groups=["finance"], email="finance-search@opco.test")
    mine = world["mine"]
    account = make_account()
    common = {"account": account, "source_type": ContentType.objects.get_for_model(Company), "label": "Échéance"}
    line = PayableLine.objects.create(
        **common, source_id=1, amount=Decimal("2188.00"), due_date=date(2026, 1, 5), reference=f"{mine.file_number} DL A1 AV"
    )
    PayableLine.objects.create(**common, source_id=2, amount=Decimal("10.00"), due_date=date(2026, 1, 5), reference="AUTRE-1")
    client.force_login(finance)
    listed = client.get(reverse("payments:lines"), {"reference": mine.file_number}).context["object_list"]
    assert [row.pk for row in listed] == [line.pk]
    groups = {g.kind.key: g for g in client.post(SEARCH, {"q": mine.file_number}).context["groups"]}
    assert groups["payable_lines"].hits[0].title == f"{mine.file_number} DL A1 AV — 2\u202f188,00 €"
