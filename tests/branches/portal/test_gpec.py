"""The GPEC observatory's library: money rules of a study, uploads checked by their content (a
refused file stores nothing), and the portrait read from the embarked open data."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.gpec import portrait
from branches.gpec.models import GpecDocument, GpecStudy
from branches.gpec.services import study_document_add, study_save
from opco.models import AuditEntry
from tests.branches.factories import branch_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_funding_above_the_budget_and_a_publication_without_date_are_refused(make_user):
    staff, branch = make_user(kind="staff"), branch_with("0843")
    data = {
        "title": "Étude",
        "study_type": "portrait",
        "budget": Decimal("1000"),
        "opco_funding": Decimal("800"),
        "branch_funding": Decimal("300"),
    }
    with pytest.raises(ValidationError, match="dépassent le budget"):
        study_save(actor=staff, branch=branch, data=data)
    with pytest.raises(ValidationError):
        study_save(actor=staff, branch=branch, data={**data, "branch_funding": Decimal("200"), "status": "publiee"})
    assert not GpecStudy.objects.exists() and not AuditEntry.objects.filter(action="gpec_study_save").exists()
    study = study_save(actor=staff, branch=branch, data={**data, "branch_funding": Decimal("200")})
    assert study.funded == Decimal("1000")


def test_a_document_is_checked_by_its_content_and_a_refusal_stores_nothing(make_user):
    staff, branch = make_user(kind="staff"), branch_with("0843")
    study = study_save(actor=staff, branch=branch, data={"title": "Étude", "study_type": "portrait"})
    with pytest.raises(ValidationError, match="PDF, JPEG et PNG"):
        study_document_add(
            actor=staff, study=study, title="Faux", upload=SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 not a pdf")
        )
    with pytest.raises(ValidationError, match="extension"):
        study_document_add(actor=staff, study=study, title="Mal nommé", upload=SimpleUploadedFile("rapport.png", b"%PDF-1.4 x"))
    assert not GpecDocument.objects.exists()
    document = study_document_add(
        actor=staff, study=study, title="Rapport", upload=SimpleUploadedFile("Rapport final.pdf", b"%PDF-1.4 x")
    )
    assert document.original_name == "Rapport final.pdf" and "Rapport" not in document.file.name  # stored under a random name


def test_another_branchs_representative_cannot_write_its_library(make_user):
    from branches.models import BranchMembership

    branch, other = branch_with("0843"), branch_with("2596")
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=other)
    with pytest.raises(ValidationError):
        study_save(actor=representative, branch=branch, data={"title": "Intrusion", "study_type": "portrait"})
    assert not GpecStudy.objects.exists()


def test_the_portrait_reads_the_dares_key_figures_and_the_jobs_of_a_certification():
    [bakery] = portrait.key_figures(["0843"])
    assert (bakery["title"], bakery["employees"], bakery["average_pay"]) == (
        "Boulangeries pâtisseries artisanales",
        163400.0,
        1620.0,
    )
    jobs = {job.rome: job for job in portrait.jobs_of("RNCP19166")}
    assert jobs["H2503"].ecological == "Emploi stratégique pour la Transition écologique"
    assert jobs["H2503"].tension == "très forte" and jobs["H2503"].hiring_projects == 623
