"""Who sees which contract, on every URL of the contract screens: staff see every file; an advisor the
files of their portfolio's companies; an advisor without a portfolio nothing; a branch representative
no file at all — not even their branch's (figures, not people: RGPD art. 5 1 c) — every file screen,
export and document answers them 403. A file out of scope is a 404 and never appears in a list or an
export; a read-only role gets 403 on every POST and nothing changes."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Branch, BranchMembership
from contracts.alternance.documents import contract_document_add
from contracts.models import ApprenticeshipContract, CheckRun, ContractDocument
from opco.models import AuditEntry
from referentials.models import Company
from sme_services.models import PortfolioCompany
from tests.contracts.factories import PDF, VALID_NIR, deposit_contract
from tests.referentials.factories import valid_siret

pytestmark = pytest.mark.django_db

ROLES = ["staff", "branch_rep", "advisor", "advisor_without_portfolio"]
MINE_SIRET, THEIRS_SIRET = valid_siret(7001), valid_siret(7002)
ACTION_POSTS = {
    "instruct": {},
    "request_documents": {"request_documents-message": "Pièces"},
    "documents_received": {},
    "accept": {"accept-warnings_acknowledged": "on"},
    "refuse": {"refuse-codes": ["AGE"], "refuse-text": "motif"},
    "deposit": {"deposit-deca_number": "075202609000009"},
    "start": {},
    "end": {},
    "rupture": {"rupture-rupture_date": "2026-01-01", "rupture-cause": "autre"},
    "amend": {"amend-amendment_type": "36", "amend-effective_on": "2026-01-01"},
    "regularise": {},
    "recheck": {},
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(make_user, load):
    """Two files: « mine » in branch IDCC-0843 (the representative's) whose employer is in the
    advisor's portfolio, « theirs » in branch IDCC-2596; each with a document."""
    load("idcc", "branches", "certifications", "holidays", "legal_parameters")
    staff = make_user(kind="staff")
    mine = deposit_contract(staff, 1, idcc="843", siret=MINE_SIRET, **{"apprenti.nir": VALID_NIR})
    theirs = deposit_contract(staff, 2, idcc="2596", siret=THEIRS_SIRET, **{"apprenti.nir": VALID_NIR})
    documents = {
        contract.pk: contract_document_add(
            actor=staff, contract_id=contract.pk, kind="cerfa", upload=SimpleUploadedFile("cerfa.pdf", PDF)
        )
        for contract in (mine, theirs)
    }
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=Branch.objects.get(code="IDCC-0843"))
    advisor = make_user(kind="advisor")
    PortfolioCompany.objects.create(advisor=advisor, company=Company.objects.get(siret=MINE_SIRET))
    PortfolioCompany.objects.create(advisor=make_user(kind="advisor"), company=Company.objects.get(siret=THEIRS_SIRET))
    users = {
        "staff": staff,
        "branch_rep": representative,
        "advisor": advisor,
        "advisor_without_portfolio": make_user(kind="advisor"),
    }
    visible = {
        "staff": {mine.pk, theirs.pk},
        "branch_rep": set(),
        "advisor": {mine.pk},
        "advisor_without_portfolio": set(),
    }
    return {"mine": mine, "theirs": theirs, "documents": documents, "users": users, "visible": visible}


def state() -> tuple:
    """Everything an action could change."""
    return (
        list(ApprenticeshipContract.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
        CheckRun.objects.count(),
        ContractDocument.objects.count(),
    )


def csv_numbers(response) -> set[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert VALID_NIR not in body
    return {row[0] for row in list(csv.reader(io.StringIO(body), delimiter=";"))[1:]}


def xlsx_numbers(response) -> set[str]:
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert all(VALID_NIR not in str(value) for row in rows for value in row)
    return {row[0] for row in rows[1:]}


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_exports_hold_only_the_files_in_scope(client, world, role):
    client.force_login(world["users"][role])
    numbers = {c.file_number for c in (world["mine"], world["theirs"]) if c.pk in world["visible"][role]}
    url = reverse("contracts:list")
    if role == "branch_rep":  # no list of files for a representative, not even of their own branch
        for query in ({}, {"format": "csv"}, {"format": "xlsx"}, {"branch": "IDCC-0843"}):
            assert client.get(url, query).status_code == 403, query
        return
    page = client.get(url)
    assert page.status_code == 200
    assert {c.pk for c in page.context["object_list"]} == world["visible"][role]
    html = page.content.decode()
    assert VALID_NIR not in html
    if world["theirs"].pk not in world["visible"][role]:
        assert world["theirs"].file_number not in html
    assert csv_numbers(client.get(url, {"format": "csv"})) == numbers
    assert xlsx_numbers(client.get(url, {"format": "xlsx"})) == numbers
    # A filter narrows the scope, never widens it.
    for query in ({"branch": "IDCC-2596"}, {"idcc": "2596"}, {"q": THEIRS_SIRET}, {"q": world["theirs"].file_number}):
        expected = {world["theirs"].pk} & world["visible"][role]
        assert {c.pk for c in client.get(url, query).context["object_list"]} == expected, query
        assert csv_numbers(client.get(url, {**query, "format": "csv"})) == {world["theirs"].file_number for _ in expected}, query


@pytest.mark.parametrize("role", ROLES)
def test_contract_page_and_documents_are_404_out_of_scope(client, world, role):
    client.force_login(world["users"][role])
    for key in ("mine", "theirs"):
        contract = world[key]
        document = world["documents"][contract.pk]
        expected = 200 if contract.pk in world["visible"][role] else 404
        if role == "branch_rep":
            expected = 403  # refused by the view's declared roles, before any row is read
        page = client.get(reverse("contracts:detail", args=[contract.pk]))
        assert page.status_code == expected, (key, "detail")
        download = client.get(reverse("contracts:document", args=[contract.pk, document.pk]))
        assert download.status_code == expected, (key, "document")
        if expected == 200:
            html = page.content.decode()
            assert VALID_NIR not in html
            assert ('id="decision"' in html) is (role == "staff")  # read-only roles get no form
            assert ('id="document-form"' in html) is (role == "staff")
            assert b"".join(download.streaming_content) == PDF
    # Another file's document through a visible file is no way round.
    if world["mine"].pk in world["visible"][role]:
        other_document = world["documents"][world["theirs"].pk]
        assert client.get(reverse("contracts:document", args=[world["mine"].pk, other_document.pk])).status_code == 404


@pytest.mark.parametrize("role", ["branch_rep", "advisor", "advisor_without_portfolio"])
def test_read_only_roles_cannot_change_anything(client, world, role):
    client.force_login(world["users"][role])
    before = state()
    for key in ("mine", "theirs"):
        contract = world[key]
        expected = 403 if contract.pk in world["visible"][role] or role == "branch_rep" else 404
        for code, data in ACTION_POSTS.items():
            response = client.post(reverse("contracts:action", args=[contract.pk, code]), data)
            assert response.status_code == expected, (key, code)
        upload = SimpleUploadedFile("cerfa.pdf", PDF)
        response = client.post(
            reverse("contracts:document_upload", args=[contract.pk]), {"document-kind": "cerfa", "document-file": upload}
        )
        assert response.status_code == expected, (key, "upload")
    ids = [world["mine"].pk, world["theirs"].pk]
    for action in ("assign", "accept_eligible"):
        data = {"action": action, "ids": ids, "assignee": world["users"]["staff"].pk, "confirm": "1"}
        assert client.post(reverse("contracts:bulk"), data).status_code == 403, action
    assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_staff_only_screens(client, world, role):
    client.force_login(world["users"][role])
    expected = 200 if role == "staff" else 403
    for name, params in [
        ("contracts:queue", {}),
        ("contracts:new", {}),
        ("contracts:check_siret", {"employeur__siret": MINE_SIRET}),
        ("contracts:check_uai", {"cfa__uai": "0142321X"}),
        ("contracts:check_rncp", {"formation__rncp": "RNCP37566"}),
    ]:
        assert client.get(reverse(name), params).status_code == expected, name
    if role == "staff":
        queue = client.get(reverse("contracts:queue"))
        assert {c.pk for c in queue.context["object_list"]} == {world["mine"].pk, world["theirs"].pk}
    before = state()
    response = client.post(reverse("contracts:new"), {"employeur__siret": MINE_SIRET})
    assert response.status_code == (200 if role == "staff" else 403)
    assert state() == before


def test_the_representative_opens_no_file_of_their_own_branch_nor_its_api_answer(client, world):
    client.force_login(world["users"]["branch_rep"])
    mine = world["mine"]
    assert client.get(reverse("contracts:list")).status_code == 403
    assert client.get(reverse("contracts:detail", args=[mine.pk])).status_code == 403
    assert client.get(f"/api/v1/apprenticeship-contracts/{mine.file_number}/").status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert "chiffres agrégés" in home and "RGPD" in home


def test_staff_act_on_any_file(client, world):
    client.force_login(world["users"]["staff"])
    for key in ("mine", "theirs"):
        contract = world[key]
        response = client.post(reverse("contracts:action", args=[contract.pk, "instruct"]))
        assert response.status_code == 302
        assert ApprenticeshipContract.objects.get(pk=contract.pk).status == "instruction"
