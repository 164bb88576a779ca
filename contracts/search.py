"""What the header's search finds among the contract files (opco.search), through the selectors that
scope them: a representative or an advisor finds only the files of their branch or portfolio."""

import re
from urllib.parse import urlencode

from django.urls import reverse

from contracts.filtersets import search_contracts
from contracts.reconversion.selectors import periods_visible_to
from contracts.selectors import contracts_visible_to
from opco.search import Hit, looks_like_nir, register_kind, words
from referentials.validators import normalize_identifier


def contract_hits(user, text: str):
    rows = search_contracts(contracts_visible_to(user), text, by_nir=True).order_by("-received_on", "-id")
    for contract in rows.only(
        "pk", "file_number", "deca_number", "status", "apprentice_last_name", "apprentice_first_name", "employer_name"
    ):
        deca = f" · DECA {contract.deca_number}" if contract.deca_number else ""
        yield Hit(
            title=f"{contract.file_number} — {contract.apprentice_last_name} {contract.apprentice_first_name}",
            detail=f"{contract.employer_name} · {contract.get_status_display()}{deca}",
            url=reverse("contracts:detail", args=[contract.pk]),
        )


def contract_list_url(text: str) -> str:
    # A NIR never goes into an address: no « see them all » link for one.
    return "" if looks_like_nir(text) else f"{reverse('contracts:list')}?{urlencode({'q': text})}"


def period_hits(user, text: str):
    compact = normalize_identifier(text)
    rows = periods_visible_to(user)
    if compact.isdigit() and len(compact) == 14:
        rows = rows.filter(employer_siret=compact)
    elif re.fullmatch(r"PR-\d{4}-\d+", text.strip().upper()):
        rows = rows.filter(file_number=text.strip().upper())
    else:
        rows = rows.filter(words(text, ("employee_last_name", "employee_first_name", "employer_name")))
    for period in rows.order_by("-received_on", "-id"):
        yield Hit(
            title=str(period),
            detail=f"{period.employer_name} · {period.get_status_display()}",
            url=reverse("reconversions:detail", args=[period.pk]),
        )


def register() -> None:
    register_kind("contracts", label="Contrats en alternance", search=contract_hits, list_url=contract_list_url, order=10)
    register_kind("reconversions", label="Périodes de reconversion", search=period_hits, order=20)
