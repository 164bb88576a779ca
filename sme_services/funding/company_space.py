"""The company's space (« espace entreprise »), for a company's contact without an account: staff or
the company's advisor send a contact a signed link that expires (LINK_DAYS) and can be revoked; the
link opens the company's year, the simulator and the filing of a funding request — the same
selectors and services as the company page, the command and the API, for that company only.

The link is signed like the satisfaction survey's (django.core.signing, a salt of its own) and names
one CompanySpaceLink row: a tampered signature, an expired or revoked row all give no link."""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from notifications.services import absolute_link, email_send
from opco import audit
from opco.checks import fr_date
from sme_services.funding import services
from sme_services.funding.enums import Channel
from sme_services.funding.models import TrainingRequest
from sme_services.funding.simulation import simulation_as_json
from sme_services.models import CompanyContact, CompanySpaceLink, PortfolioCompany

LINK_DAYS = 30
LINK_MAX_DAYS = 90
SALT = "sme_services.company_space"
COMPANY_KEYS = ("siret", "idcc", "headcount")


def may_send(actor, company) -> bool:
    """Staff, or the advisor whose portfolio holds the company."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if roles.STAFF(actor):
        return True
    return roles.ADVISOR(actor) and PortfolioCompany.objects.filter(advisor=actor, company=company).exists()


def link_token(link: CompanySpaceLink) -> str:
    return signing.dumps({"link": link.pk, "n": link.nonce}, salt=SALT)


def link_path(link: CompanySpaceLink) -> str:
    return reverse("company_space:home", args=[link_token(link)])


def company_space_link_send(*, actor, contact_id: int, days: int = LINK_DAYS) -> CompanySpaceLink:
    """Send the contact a link to their company's space, valid `days` days (1 to 90). Refused
    (ValidationError, nothing stored, nothing sent) when the contact has no e-mail."""
    contact = CompanyContact.objects.select_related("company").filter(pk=contact_id).first()
    if contact is None:
        raise ValidationError({"contact": "Contact inconnu."})
    if not may_send(actor, contact.company):
        raise PermissionDenied("Seuls les gestionnaires et le conseiller de l'entreprise envoient ce lien.")
    if not contact.email:
        raise ValidationError({"contact": "Ce contact n'a pas d'adresse électronique : ajoutez-la d'abord."})
    if not 1 <= days <= LINK_MAX_DAYS:
        raise ValidationError({"days": f"La durée de validité va de 1 à {LINK_MAX_DAYS} jours."})
    with transaction.atomic():
        link = CompanySpaceLink.objects.create(
            company=contact.company,
            contact=contact,
            email=contact.email,
            nonce=secrets.token_hex(16),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
        )
        expires_on = fr_date(timezone.localtime(link.expires_at).date())
        audit.record(
            actor=actor,
            action="company_space_link_send",
            target=link,
            changes={"email": [None, link.email], "expires_at": [None, link.expires_at.isoformat()]},
            summary=f"Lien de l'espace entreprise envoyé à {contact.full_name}, valable jusqu'au {expires_on}",
        )
        email_send(
            to=link.email,
            template="sme_services/emails/company_space_link",
            context={
                "contact": contact,
                "company": contact.company,
                "link": absolute_link(link_path(link)) or link_path(link),
                "expires_on": expires_on,
            },
        )
    return link


def company_space_link_revoke(*, actor, pk: int) -> CompanySpaceLink:
    with transaction.atomic():
        link = CompanySpaceLink.objects.select_for_update().select_related("company").filter(pk=pk).first()
        if link is None:
            raise ValidationError("Lien inconnu.")
        if not may_send(actor, link.company):
            raise PermissionDenied("Seuls les gestionnaires et le conseiller de l'entreprise révoquent ce lien.")
        if link.revoked_at is not None:
            raise ValidationError("Ce lien est déjà révoqué.")
        link.revoked_at, link.revoked_by = timezone.now(), actor
        link.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="company_space_link_revoke",
            target=link,
            changes={"revoked_at": [None, link.revoked_at.isoformat()]},
            summary=f"Lien de l'espace entreprise de {link.email} révoqué",
        )
    return link


def link_for(token: str) -> CompanySpaceLink | None:
    """The live link a token names, or None (tampered, expired, revoked, unknown)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=LINK_MAX_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("link"), int) or not isinstance(data.get("n"), str):
        return None
    now = timezone.now()
    link = (
        CompanySpaceLink.objects.select_related("company", "company__idcc", "contact")
        .filter(pk=data["link"], nonce=data["n"], revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link is not None and (link.last_used_at is None or now - link.last_used_at > timedelta(minutes=5)):
        CompanySpaceLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def links_of(company):
    return CompanySpaceLink.objects.filter(company=company).select_related("contact", "created_by")


def state_of(link: CompanySpaceLink) -> str:
    if link.revoked_at:
        return "révoqué"
    return "expiré" if link.expires_at <= timezone.now() else "actif"


# --- What the link opens: the company's own data, through the shared selectors and services ---------------
def _as_company(link: CompanySpaceLink, data: dict) -> dict:
    """The request with the link's company in place of whatever was sent: a contact acts for their
    company only."""
    company = link.company
    data = dict(data)
    data["company"] = {
        "siret": company.siret,
        "idcc": company.idcc.code if company.idcc_id else None,
        "headcount": company.headcount,
    }
    return data


def company_space_simulate(link: CompanySpaceLink, data: dict) -> dict:
    """The simulator (TRAINING_FUNDING.md §2 → §6) for the link's company; what the company already
    used under its cap this year is the OPCO's figure unless the contact states it."""
    if not isinstance(data, dict):
        raise ValidationError("Un objet JSON est attendu.")
    data = _as_company(link, data)
    if "consumed_this_year" not in data:
        start = (data.get("training") or {}).get("start") if isinstance(data.get("training"), dict) else None
        year = int(start[:4]) if isinstance(start, str) and start[:4].isdigit() else timezone.localdate().year
        dispositif = data.get("dispositif") if isinstance(data.get("dispositif"), str) else ""
        data["consumed_this_year"] = str(services.consumed_this_year(link.company, dispositif, year))
    if "filed_on" not in data:
        data["filed_on"] = timezone.localdate().isoformat()
    return simulation_as_json(data)


def company_space_file(link: CompanySpaceLink, data: dict) -> TrainingRequest:
    """File a request for the link's company through the filing service (same checks, same French
    errors, nothing stored on a refusal)."""
    if not isinstance(data, dict):
        raise ValidationError({"payload": "Un objet JSON est attendu."})
    with transaction.atomic():
        filed = services.training_request_file(actor=None, data=_as_company(link, data), channel=Channel.FORM)
        audit.record(
            actor=None,
            action="company_space_file",
            target=filed,
            changes={"link": [None, link.pk]},
            summary=f"Demande déposée par {link.contact.full_name} ({link.email}) par le lien de l'espace entreprise",
        )
    return filed


def company_space_requests(link: CompanySpaceLink):
    """The company's requests and their states: nothing of another company."""
    return TrainingRequest.objects.filter(company=link.company).order_by("-received_on", "-id")


def company_space_year(link: CompanySpaceLink) -> tuple[int, list[dict], Decimal]:
    from sme_services.funding.selectors import company_year

    year = timezone.localdate().year
    rows = company_year(link.company, year)
    return year, rows, rows[0]["inside_cap"]
