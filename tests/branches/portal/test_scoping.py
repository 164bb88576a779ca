"""Each representative sees 0 rows of the other branch in every list, export and chart of the portal,
404 on the other branch's objects, and no personal data in their own branch's figures; the branch's
administrator manages its people, other representatives do not; staff manage all."""

import base64
import csv
import io
import re
import zlib
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.enums import UserKind
from accounts.models import User
from accounts.totp import totp_activate
from branches.gpec.models import GpecStudy
from branches.gpec.services import study_document_add, study_save
from branches.models import BranchMembership
from branches.npec_round import services as npec
from branches.npec_round.models import NpecProposal
from opco.models import AuditEntry
from referentials.rncp_export import read_export
from tests.branches.factories import branch_with
from tests.branches.portal.factories import company, concluded, cpne_for
from tests.conftest import TEST_TOTP_SECRET

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    read_export.cache_clear()


@pytest.fixture
def world(make_user):
    staff = make_user(kind="staff")
    sides = {}
    for side, idcc, cpne_code, rncp in (("mine", "1486", "CPNE9", "RNCP11111"), ("theirs", "0843", "CPNE2", "RNCP22222")):
        branch = branch_with(idcc)
        cpne_for(idcc, code=cpne_code)
        employer = company(branch.idccs.get())
        for _ in range(6):
            concluded(employer, signed_on=date(2026, 1, 10), rncp=rncp)
        rep = make_user(kind="branch_rep")
        BranchMembership.objects.create(user=rep, branch=branch, is_admin=True)
        study = study_save(
            actor=staff,
            branch=branch,
            data={"title": f"Étude {side}", "study_type": "portrait", "visibility": "branche", "budget": Decimal("1000")},
        )
        document = study_document_add(
            actor=staff, study=study, title=f"Rapport {side}", upload=SimpleUploadedFile("rapport.pdf", PDF)
        )
        sides[side] = {"branch": branch, "rep": rep, "rncp": rncp, "study": study, "document": document}
    campaign, _ = npec.campaign_record(
        actor=staff,
        title="Campagne",
        kind="recommandation",
        published_on=date(2026, 1, 15),
        recommendations=[
            npec.Recommendation("RNCP11111", "A", "CPNE9", Decimal("9000")),
            npec.Recommendation("RNCP22222", "B", "CPNE2", Decimal("9000")),
        ],
    )
    for side in sides.values():
        side["proposal"] = NpecProposal.objects.get(campaign=campaign, branch=side["branch"])
    return {"staff": staff, "campaign": campaign, **sides}


def pdf_text(content: bytes) -> bytes:
    """The page streams of a reportlab PDF, decoded (ASCII85 then Flate)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        data = stream.strip()
        try:
            data = base64.a85decode(data, adobe=data.startswith(b"<~") or data.endswith(b"~>"))
        except ValueError:
            pass
        try:
            data = zlib.decompress(data)
        except zlib.error:
            pass
        out.append(data)
    return b"\n".join(out)


def body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8", "replace")


def test_zero_rows_of_the_other_branch_in_every_list_export_and_chart(world, client_for):
    client = client_for(world["mine"]["rep"])
    theirs = world["theirs"]
    mine = world["mine"]
    pages = [
        reverse("branches:figures", args=[mine["branch"].pk]),
        *[
            f"{reverse('branches:figures', args=[mine['branch'].pk])}?export={code}&format=csv"
            for code in ("certification", "month", "kind")
        ],
        f"{reverse('branches:cpne_counts')}?start=2026-01-01&end=2026-12-31",
        f"{reverse('branches:cpne_counts')}?start=2026-01-01&end=2026-12-31&format=csv",
        reverse("branches:round_list"),
        reverse("branches:campaign", args=[world["campaign"].pk]),
        reverse("branches:studies"),
        f"{reverse('branches:studies')}?format=csv",
        reverse("branches:observatory", args=[mine["branch"].pk]),
        f"{reverse('branches:observatory', args=[mine['branch'].pk])}?format=csv",
        reverse("branches:list"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        for leak in (theirs["rncp"], "CPNE2", theirs["branch"].name, "Étude theirs"):
            assert leak not in text, (url, leak)
    # The API answer and the PDF of their own branch: their figures only.
    api = client.get(f"/api/v1/branches/{mine['branch'].pk}/figures/", {"dimension": "certification"})
    assert api.status_code == 200 and [r["valeur"] for r in api.json()["lignes"]] == [
        f"{mine['rncp']} – Formation {mine['rncp']}"
    ]
    assert api.json()["total"]["contrats"] == 6
    pdf = client.get(reverse("branches:figures", args=[mine["branch"].pk]), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert mine["rncp"].encode() in text and theirs["rncp"].encode() not in text
    assert b"Secret" not in text and b"Personne" not in text
    # A representative cannot widen the count to the other branch.
    response = client.get(
        reverse("branches:cpne_counts"), {"start": "2026-01-01", "end": "2026-12-31", "branch": theirs["branch"].pk}
    )
    assert theirs["rncp"] not in body(response)
    # And their own branch's figures are there, without anyone's personal data.
    text = body(client.get(f"{reverse('branches:figures', args=[mine['branch'].pk])}?export=certification&format=csv"))
    assert mine["rncp"] in text and "Secret" not in text and "Personne" not in text


def test_404_on_every_object_of_the_other_branch(world, client_for):
    client = client_for(world["mine"]["rep"])
    theirs = world["theirs"]
    for url in (
        reverse("branches:figures", args=[theirs["branch"].pk]),
        f"{reverse('branches:figures', args=[theirs['branch'].pk])}?export=month&format=xlsx",
        f"{reverse('branches:figures', args=[theirs['branch'].pk])}?format=pdf",
        f"/api/v1/branches/{theirs['branch'].pk}/figures/",
        reverse("branches:observatory", args=[theirs["branch"].pk]),
        reverse("branches:members", args=[theirs["branch"].pk]),
        reverse("branches:proposal", args=[theirs["proposal"].pk]),
        reverse("branches:study", args=[theirs["study"].pk]),
        reverse("branches:study_document", args=[theirs["study"].pk, theirs["document"].pk]),
        reverse("branches:study_document", args=[world["mine"]["study"].pk, theirs["document"].pk]),
        reverse("branches:study_new", args=[theirs["branch"].pk]),
        reverse("branches:detail", args=[theirs["branch"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    before = AuditEntry.objects.count()
    line = theirs["proposal"].lines.first()
    response = client.post(
        reverse("branches:proposal", args=[theirs["proposal"].pk]), {"action": "submit", f"amount-{line.pk}": "1"}
    )
    assert response.status_code == 404 and AuditEntry.objects.count() == before
    # Their own document opens, as an attachment.
    mine = world["mine"]
    response = client.get(reverse("branches:study_document", args=[mine["study"].pk, mine["document"].pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_a_public_study_of_another_branch_is_readable_not_editable(world, client_for):
    theirs = world["theirs"]
    GpecStudy.objects.filter(pk=theirs["study"].pk).update(visibility="public")
    client = client_for(world["mine"]["rep"])
    assert client.get(reverse("branches:study", args=[theirs["study"].pk])).status_code == 200
    before = theirs["study"].documents.count()
    client.post(reverse("branches:study", args=[theirs["study"].pk]), {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert theirs["study"].documents.count() == before


def test_staff_see_every_branch(world, client_for):
    client = client_for(world["staff"])
    for side in ("mine", "theirs"):
        assert client.get(reverse("branches:figures", args=[world[side]["branch"].pk])).status_code == 200
        assert client.get(reverse("branches:proposal", args=[world[side]["proposal"].pk])).status_code == 200


def test_the_branch_administrator_invites_and_removes_colleagues_of_their_branch(world, client_for, make_user):
    mine = world["mine"]
    admin = client_for(mine["rep"])
    url = reverse("branches:members", args=[mine["branch"].pk])
    response = admin.post(url, {"email": "Collegue@Branche.test", "first_name": "Alex", "last_name": "Martin"})
    assert response.status_code == 302
    colleague = User.objects.get(email="collegue@branche.test")
    assert colleague.kind == UserKind.BRANCH_REP and colleague.requires_mfa and not colleague.has_usable_password()
    membership = BranchMembership.objects.get(user=colleague, branch=mine["branch"])
    assert not membership.is_admin
    # An administrator cannot make someone administrator: only the OPCO can.
    admin.post(url, {"email": "autre@branche.test", "is_admin": "on"})
    assert not User.objects.filter(email="autre@branche.test").exists()
    # A plain member manages nobody (once their second factor is set up, as at their first login).
    totp_activate(user=colleague, secret=TEST_TOTP_SECRET)
    member_client = client_for(colleague)
    assert member_client.get(url).status_code == 403
    admin = client_for(mine["rep"])
    assert admin.post(url, {"remove": membership.pk}).status_code == 302
    assert not BranchMembership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action__in=["branch_member_invite", "branch_member_remove"]).count() == 2
    # Staff manage any branch.
    staff_client = client_for(world["staff"])
    assert staff_client.get(reverse("branches:members", args=[world["theirs"]["branch"].pk])).status_code == 200


def test_invitation_mail_says_mfa_is_mandatory(world, django_capture_on_commit_callbacks):
    from branches.portal.people import member_invite

    with django_capture_on_commit_callbacks(execute=True):
        member_invite(actor=world["staff"], branch=world["mine"]["branch"], email="nouveau@branche.test")
    assert "double authentification" in mail.outbox[-1].body


def test_feedback_is_recorded_and_the_next_url_stays_on_the_site(world, client_for):
    client = client_for(world["mine"]["rep"])
    response = client.post(
        reverse("branches:feedback"), {"page": "chiffres", "useful": "4", "comment": "Clair", "next": "https://evil.test/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    from branches.portal.models import PageFeedback

    assert PageFeedback.objects.get(user=world["mine"]["rep"]).useful == 4
    client.post(reverse("branches:feedback"), {"page": "chiffres", "useful": "9"})
    assert PageFeedback.objects.count() == 1


def test_csv_exports_have_no_formula(world, client_for):
    text = body(client_for(world["staff"]).get(f"{reverse('branches:cpne_counts')}?start=2026-01-01&end=2026-12-31&format=csv"))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Code certification", "Intitulé certification", "Code CPNE", "Contrats"]
