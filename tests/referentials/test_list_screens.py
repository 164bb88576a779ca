import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Branch, BranchIdcc, BranchMembership
from referentials.models import Certification, Idcc, TrainingProvider
from tests.referentials.factories import CompanyFactory, TrainingProviderFactory, valid_siret

pytestmark = pytest.mark.django_db


def make_providers(count, region="Normandie", start=0):
    TrainingProvider.objects.bulk_create(
        TrainingProvider(siret=valid_siret(500_000 + start + i), name=f"CFA {start + i:04d}", region=region, city="Caen")
        for i in range(count)
    )


def make_certifications(count, start=0):
    Certification.objects.bulk_create(
        Certification(code_diplome=f"{40000000 + i}", rncp=f"RNCP{90000 + i}", level=3 + i % 5, title=f"Titre {i}")
        for i in range(start, start + count)
    )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("referentials:providers", make_providers),
        ("referentials:certifications", make_certifications),
        ("referentials:companies", lambda n, start=0: CompanyFactory.create_batch(n)),
    ],
)
def test_list_queries_are_the_same_for_10_and_200_rows(client, make_user, url_name, make):
    client.force_login(make_user(kind="staff"))
    url = reverse(url_name)
    make(10)
    client.get(url)  # warm the per-user caches (groups, authenticator)
    with_10 = queries_for(client, url)
    make(190, start=10)
    with_200 = queries_for(client, url)
    assert with_10 == with_200
    assert with_200 <= 12


def test_csv_export_is_exactly_the_filtered_rows(client, make_user):
    make_providers(30, "Normandie")
    make_providers(20, "Bretagne", start=100)
    client.force_login(make_user(kind="advisor"))
    response = client.get(reverse("referentials:providers"), {"region": "Bretagne", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["SIRET", "UAI", "Raison sociale"]
    assert len(rows) == 21
    assert {row[10] for row in rows[1:]} == {"Bretagne"}
    expected = set(TrainingProvider.objects.filter(region="Bretagne").values_list("siret", flat=True))
    assert {row[0] for row in rows[1:]} == expected


def test_search_by_siret_uai_and_name(client, make_user, load):
    load("providers")
    client.force_login(make_user(kind="advisor"))
    url = reverse("referentials:providers")
    for query in ["44492238900036", "444 922 389 00036"]:
        page = client.get(url, {"q": query})
        assert [p.siret for p in page.context["object_list"]] == ["44492238900036"], query
    by_name = client.get(url, {"q": "aden formations"}).context["object_list"]
    assert all("ADEN FORMATIONS" in p.name for p in by_name) and "44492238900036" in {p.siret for p in by_name}
    # Three establishments share this UAI in the network lists.
    by_uai = {p.siret for p in client.get(url, {"q": "0142321x"}).context["object_list"]}
    assert by_uai == {"44492238900036", "44492238900010", "78071407700069"}


def test_certification_search_by_rncp_code_diplome_and_level(client, make_user, load):
    load("certifications")
    client.force_login(make_user(kind="advisor"))
    url = reverse("referentials:certifications")
    assert [c.code_diplome for c in client.get(url, {"q": "RNCP38962"}).context["object_list"]] == ["13511206"]
    # One code diplôme, its old and new RNCP fiches.
    assert [c.rncp for c in client.get(url, {"q": "13511206"}).context["object_list"]] == ["RNCP31847", "RNCP38962"]
    level_7 = client.get(url, {"level": "7"}).context["paginator"].count
    assert level_7 == Certification.objects.filter(level=7).count() == 2137


def test_htmx_requests_get_only_the_results(client, make_user):
    make_providers(3)
    client.force_login(make_user(kind="advisor"))
    response = client.get(reverse("referentials:providers"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="provider-table"' in html and '<nav class="navbar' not in html


def test_pagination_counts_are_capped_on_large_tables(client, make_user, monkeypatch):
    from opco.lists import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 40)
    make_providers(60)
    client.force_login(make_user(kind="advisor"))
    page = client.get(reverse("referentials:providers"))
    assert "Plus de 40 résultats" in page.content.decode()


def test_branch_representative_sees_only_the_companies_of_their_branch(client, make_user, load):
    load("idcc", "branches")
    mine, other = Branch.objects.get(code="IDCC-0843"), Branch.objects.get(code="IDCC-2596")
    bakery = CompanyFactory(name="Boulangerie visible", idcc=Idcc.objects.get(code="0843"))
    CompanyFactory(name="Coiffure cachée", idcc=Idcc.objects.get(code="2596"))
    CompanyFactory(name="Sans convention", idcc=None)
    rep = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=rep, branch=mine)
    client.force_login(rep)
    page = client.get(reverse("referentials:companies"))
    assert [c.name for c in page.context["object_list"]] == ["Boulangerie visible"]
    export = b"".join(client.get(reverse("referentials:companies"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "Boulangerie visible" in export and "Coiffure cachée" not in export and "Sans convention" not in export
    assert client.get(reverse("branches:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("branches:detail", args=[mine.pk])).status_code == 200
    assert [b.code for b in client.get(reverse("branches:list")).context["branches"]] == ["IDCC-0843"]
    assert bakery.idcc_id in BranchIdcc.objects.filter(branch=mine).values_list("idcc_id", flat=True)


def test_staff_sees_every_company(client, make_user):
    CompanyFactory.create_batch(3)
    client.force_login(make_user(kind="staff"))
    assert client.get(reverse("referentials:companies")).context["paginator"].count == 3


def test_referential_loads_screen_is_for_staff_and_only_administrators_start_one(client, make_user):
    from referentials.models import ReferentialLoad

    client.force_login(make_user(kind="branch_rep"))
    assert client.get(reverse("referentials:loads")).status_code == 403
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    assert client.get(reverse("referentials:loads")).status_code == 200
    client.post(reverse("referentials:loads"), {"kinds": ["naf"]})
    assert ReferentialLoad.objects.count() == 0


def test_csv_export_neutralises_formulas(client, make_user):
    TrainingProviderFactory(siret=valid_siret(900_001), name='=HYPERLINK("http://x")', region="Bretagne")
    client.force_login(make_user(kind="advisor"))
    body = b"".join(client.get(reverse("referentials:providers"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ";=HYPERLINK" not in body
