"""What the header's search finds in the referentials (opco.search): companies (scoped: a
representative finds only their branch's), CFAs, certifications and collective agreements. Each
kind reuses its list's own search (referentials.filtersets), so the box and the lists agree."""

from urllib.parse import urlencode

from django.urls import reverse

from opco.search import Hit, register_kind
from referentials.filtersets import CertificationFilter, CompanyFilter, IdccFilter, ProviderFilter
from referentials.selectors import certifications_visible_to, companies_visible_to, idcc_visible_to, providers_visible_to


def _list_url(name: str):
    return lambda text: f"{reverse(name)}?{urlencode({'q': text})}"


def _searched(filterset_class, queryset, text: str):
    return filterset_class().search(queryset, "q", text)


def company_hits(user, text: str):
    for company in _searched(CompanyFilter, companies_visible_to(user), text).order_by("name", "siret"):
        idcc = f" · IDCC {company.idcc.code}" if company.idcc_id else ""
        yield Hit(f"{company.name}", f"SIRET {company.siret}{idcc}", f"{reverse('referentials:companies')}?q={company.siret}")


def provider_hits(user, text: str):
    for provider in _searched(ProviderFilter, providers_visible_to(user), text).order_by("name", "siret"):
        uai = f" · UAI {provider.uai}" if provider.uai else ""
        yield Hit(
            provider.name,
            f"SIRET {provider.siret}{uai} · {provider.city}",
            f"{reverse('referentials:providers')}?q={provider.siret}",
        )


def certification_hits(user, text: str):
    for certification in _searched(CertificationFilter, certifications_visible_to(user), text).order_by("rncp"):
        yield Hit(
            f"{certification.rncp} — {certification.title}",
            f"Niveau {certification.level}" if certification.level else "",
            f"{reverse('referentials:certifications')}?q={certification.rncp}",
        )


def idcc_hits(user, text: str):
    for idcc in _searched(IdccFilter, idcc_visible_to(user), text).order_by("code"):
        yield Hit(f"IDCC {idcc.code} — {idcc.title}", "", f"{reverse('referentials:idcc')}?q={idcc.code}")


def register() -> None:
    register_kind("companies", label="Entreprises", search=company_hits, list_url=_list_url("referentials:companies"), order=30)
    register_kind(
        "providers",
        label="Organismes de formation (CFA)",
        search=provider_hits,
        list_url=_list_url("referentials:providers"),
        order=40,
    )
    register_kind(
        "certifications",
        label="Certifications",
        search=certification_hits,
        list_url=_list_url("referentials:certifications"),
        order=50,
    )
    register_kind("idcc", label="Conventions collectives", search=idcc_hits, list_url=_list_url("referentials:idcc"), order=60)
