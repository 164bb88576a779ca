"""The demo's company space: one link sent, through the real service, to a demo company's contact
that has an e-mail (once: a second seed keeps the live link and prints it again)."""

from django.utils import timezone

from sme_services.funding.company_space import company_space_link_send, link_path
from sme_services.models import CompanyContact, CompanySpaceLink


def demo_company_space_seed(*, actor) -> str:
    live = CompanySpaceLink.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).first()
    if live is None:
        contact = CompanyContact.objects.exclude(email="").order_by("id").first()
        if contact is None:
            return ""
        live = company_space_link_send(actor=actor, contact_id=contact.pk)
    return f"Espace entreprise de {live.company.name} (lien sans compte, {live.email}) : {link_path(live)}"
