"""Demo of the branches' portal: two branches with a representative each (branche@demo.local,
administrator of the bakery branch; branche2@demo.local for hairdressing), contracts in both, an open
NPEC round with its deadline, a portrait (the DARES open data of their IDCC) and two studies — all
through the real services (the contracts of both branches are seed_demo's own)."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.enums import UserKind
from accounts.models import User
from accounts.services import user_create
from accounts.totp import DEMO_TOTP_SECRET, totp_activate
from branches.gpec.models import GpecStudy
from branches.gpec.services import study_document_add, study_save
from branches.models import Branch, BranchMembership, Cpne
from branches.npec_round import services as npec_round
from branches.npec_round.models import NpecCampaign

SECOND_REP = ("branche2@demo.local", "Noa", "Coiffure")
BRANCHES = {
    "IDCC-0843": ("D0843", "CPNE de la boulangerie-pâtisserie artisanale (démonstration)"),
    "IDCC-2596": ("D2596", "CPNE de la coiffure (démonstration)"),
}
STUDY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _second_representative(password: str) -> User:
    email, first_name, last_name = SECOND_REP
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            actor=None,
            email=email,
            password=password,
            kind=UserKind.BRANCH_REP,
            first_name=first_name,
            last_name=last_name,
            is_demo=True,
        )
    if user.is_demo:
        totp_activate(user=user, secret=DEMO_TOTP_SECRET)
    return user


def demo_branches_portal_seed(*, password: str) -> str:
    """The contracts of both branches come from seed_contracts (one in five in each branch's IDCC)."""
    staff = User.objects.get(email="responsable@demo.local")
    first = User.objects.get(email="branche@demo.local")
    second = _second_representative(password)
    bakery, hairdressing = Branch.objects.filter(code="IDCC-0843").first(), Branch.objects.filter(code="IDCC-2596").first()
    if bakery is None or hairdressing is None:
        return "Portail des branches : branches 0843 et 2596 absentes, rien créé."
    BranchMembership.objects.filter(user=first, branch=bakery).update(is_admin=True)
    BranchMembership.objects.get_or_create(user=second, branch=hairdressing, defaults={"is_admin": True})
    for branch in (bakery, hairdressing):
        code, name = BRANCHES[branch.code]
        if not Cpne.objects.filter(code=code).exists():
            npec_round.cpne_mapping_record(
                actor=staff, cpne_code=code, cpne_name=name, idcc_codes=list(branch.idccs.values_list("code", flat=True))
            )
    if not NpecCampaign.objects.exists():
        published = timezone.localdate() - timedelta(days=20)
        npec_round.campaign_record(
            actor=staff,
            title="Recommandations de France compétences (démonstration)",
            kind=NpecCampaign.Kind.RECOMMENDATION,
            published_on=published,
            recommendations=[
                npec_round.Recommendation("RNCP38584", "Brevet professionnel boulanger", "D0843", Decimal("8450")),
                npec_round.Recommendation("RNCP37876", "CAP métiers de la coiffure", "D2596", Decimal("7600")),
            ],
            source_file="",
        )
    if not GpecStudy.objects.exists():
        portrait = study_save(
            actor=staff,
            branch=bakery,
            data={
                "title": "Portrait des métiers de la boulangerie 2026",
                "study_type": "portrait",
                "status": "publiee",
                "provider": "Observatoire de l'OPCO",
                "budget": Decimal("18000"),
                "opco_funding": Decimal("12000"),
                "branch_funding": Decimal("6000"),
                "deliverables": "Portrait statistique, fiches métiers",
                "published_on": timezone.localdate() - timedelta(days=60),
                "visibility": "public",
            },
        )
        study_document_add(
            actor=staff, study=portrait, title="Rapport final", upload=SimpleUploadedFile("portrait.pdf", STUDY_PDF)
        )
        study_save(
            actor=staff,
            branch=hairdressing,
            data={
                "title": "Besoins en compétences de la coiffure et transition écologique",
                "study_type": "transition",
                "status": "en_cours",
                "provider": "Cabinet Prospective Métiers",
                "budget": Decimal("25000"),
                "opco_funding": Decimal("15000"),
                "branch_funding": Decimal("10000"),
                "visibility": "branche",
            },
        )
    deadline = NpecCampaign.objects.order_by("-published_on").first().deadline
    return (
        f"Portail des branches : branche@demo.local (boulangerie) et {SECOND_REP[0]} (coiffure), "
        f"campagne NPEC jusqu'au {deadline:%d/%m/%Y}, 2 études."
    )
