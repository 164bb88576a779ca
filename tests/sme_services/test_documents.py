"""Deliverables of diagnostics and AFEST / FOAD evidence as uploaded documents, besides the text:
opco.files' checks (type from the first bytes, extension agreeing), a random name on disk, served only
through the scoping of the diagnostic, project or action they hang off; a refusal stores nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opco.models import AuditEntry
from sme_services.enums import DiagnosticKind
from sme_services.models import AfestProject, Diagnostic, FoadAction, ServiceDocument
from sme_services.services import diagnostics

from .factories import portfolio_company, questionnaire

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def files(make_user):
    advisor = make_user(advisor=True)
    company = portfolio_company(advisor, name="Garage des Alpes", headcount=9)
    questionnaire(DiagnosticKind.PRE)
    d = diagnostics.diagnostic_open(actor=advisor, company=company, kind=DiagnosticKind.PRE, opened_on=date(2026, 1, 6))
    project = AfestProject.objects.create(company=company, advisor=advisor, title="Tourier", created_on=date(2026, 1, 7))
    action = FoadAction.objects.create(company=company, advisor=advisor, title="Tableur", created_on=date(2026, 1, 7))
    return {"advisor": advisor, "d": d, "afest": project, "foad": action}


def upload(client, kind, owner, element, content=PDF, name="synthese.pdf"):
    return client.post(
        reverse("sme_services:document_upload", args=[kind, owner.pk]),
        {"element": element, "title": "Pièce", "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


@pytest.mark.parametrize(
    "kind,element,page",
    [
        ("diagnostic", "livrable", "sme_services:diagnostic"),
        ("afest", "reflexif", "sme_services:afest"),
        ("foad", "assistance", "sme_services:foad"),
    ],
)
def test_a_document_is_uploaded_shown_and_served_through_its_file(files, client_for, make_user, media_root, kind, element, page):
    owner = files["d" if kind == "diagnostic" else kind]
    client = client_for(files["advisor"])
    assert upload(client, kind, owner, element).status_code == 302
    document = ServiceDocument.objects.get()
    assert (document.element, document.original_name, document.content_type) == (element, "synthese.pdf", "application/pdf")
    assert "synthese" not in document.file.name and document.file.name.endswith(".pdf")  # a random name on disk
    assert AuditEntry.objects.filter(action="sme_document_add").count() == 1
    url = reverse("sme_services:document", args=[kind, owner.pk, document.pk])
    assert url in client.get(reverse(page, args=[owner.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    stranger = client_for(make_user(advisor=True))
    assert stranger.get(url).status_code == 404  # not their portfolio: the file is not reached
    assert upload(stranger, kind, owner, element).status_code == 404 and ServiceDocument.objects.count() == 1
    other_kind = "foad" if kind != "foad" else "afest"
    assert client.get(reverse("sme_services:document", args=[other_kind, owner.pk, document.pk])).status_code == 404


def test_refusals_store_nothing(files, client_for, media_root):
    client = client_for(files["advisor"])
    cases = [
        ("afest", files["afest"], "reflexif", b"MZ\x90\x00 not a pdf", "preuve.pdf"),  # content is not PDF/JPEG/PNG
        ("afest", files["afest"], "reflexif", PDF, "preuve.png"),  # extension disagrees with the content
        ("afest", files["afest"], "livrable", PDF, "preuve.pdf"),  # not an element of D6313-3-2
        ("foad", files["foad"], "analyse", PDF, "preuve.pdf"),  # not an element of D6313-3-1
    ]
    for kind, owner, element, content, name in cases:
        response = upload(client, kind, owner, element, content, name)
        assert response.status_code == 302
    assert not ServiceDocument.objects.exists() and not AuditEntry.objects.filter(action="sme_document_add").exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
    assert client.post(reverse("sme_services:document_upload", args=["contrat", 1]), {}).status_code == 404


def test_an_uploaded_deliverable_lets_the_diagnostic_complete_without_the_text(files, client_for):
    d, advisor = files["d"], files["advisor"]
    diagnostics.plan_item_add(actor=advisor, diagnostic_id=d.pk, title="Recruter", kind="alternance")
    with pytest.raises(Exception, match="livrable"):
        diagnostics.diagnostic_complete(actor=advisor, diagnostic_id=d.pk, completed_on=date(2026, 2, 1))
    upload(client_for(advisor), "diagnostic", d, "livrable")
    diagnostics.diagnostic_complete(actor=advisor, diagnostic_id=d.pk, completed_on=date(2026, 2, 1))
    assert Diagnostic.objects.get(pk=d.pk).status == "termine"
