"""The staff deposit of a contract (CERFA FA13) and the small htmx endpoints that check a SIRET, a
UAI or an RNCP fiche as it is typed. The deposit itself is `contract_deposit`, as for the API and
the import: an `InvalidPayload` shows next to its fields and nothing is stored."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from contracts.alternance.deposit import contract_deposit, employer_from_referential
from contracts.alternance.payload import InvalidPayload
from contracts.forms.deposit import DepositForm
from contracts.forms.professionalisation import ProDepositForm
from opco.access import allow
from referentials.models import Certification, Company, TrainingProvider
from referentials.validators import UAI_CHECK_LETTERS, is_valid_siret, normalize_identifier


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def contract_new(request):
    return _deposit_page(request, DepositForm, "contracts/contract_new.html")


@allow(roles.STAFF)
@require_http_methods(["GET", "POST"])
def pro_contract_new(request):
    """The EJ20 professionalisation contract, through the same deposit service."""
    return _deposit_page(request, ProDepositForm, "contracts/pro_contract_new.html")


def _deposit_page(request, form_class, template: str):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, filled = employer_from_referential(form.payload())
        try:
            deposit = contract_deposit(actor=request.user, data=data, source="web")
        except InvalidPayload as exc:
            form.add_payload_errors(exc.errors)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            contract = deposit.contract
            if deposit.created:
                messages.success(
                    request,
                    f"Dossier {contract.file_number} enregistré ; décision due le {contract.decision_due_on:%d/%m/%Y}.",
                )
            else:
                messages.info(request, f"Ce contrat a déjà été reçu : dossier {contract.file_number}.")
            if filled and deposit.created:
                messages.info(request, f"Employeur complété depuis le référentiel : {', '.join(filled)}.")
            return redirect("contracts:detail", pk=contract.pk)
    return render(request, template, {"form": form})


# --- As-you-type checks (htmx) -----------------------------------------------------------------------------
def _hint(request, level: str, message: str):
    return render(request, "contracts/_field_hint.html", {"level": level, "message": message})


def _typed(request, *names: str) -> tuple[str, str]:
    """The first of the named parameters present (the field that triggered the request)."""
    for name in names:
        if name in request.GET:
            return name, normalize_identifier(request.GET[name])
    return "", ""


@allow(roles.STAFF)
@require_GET
def check_siret(request):
    name, siret = _typed(request, "employeur__siret", "cfa__siret")
    if not siret:
        return _hint(request, "", "")
    if not re.fullmatch(r"\d{14}", siret):
        return _hint(request, "danger", f"Un SIRET compte exactement 14 chiffres (ici {len(siret)} caractères).")
    if not is_valid_siret(siret):
        return _hint(request, "danger", "Clé de contrôle invalide : vérifiez la saisie du SIRET.")
    if name == "cfa__siret":
        provider = TrainingProvider.objects.filter(siret=siret).first()
        if provider is None:
            return _hint(request, "warning", "SIRET valide ; organisme absent du référentiel des CFA.")
        qualiopi = {True: "certifié Qualiopi", False: "non certifié Qualiopi", None: "Qualiopi non renseigné"}[provider.qualiopi]
        uai = f", UAI {provider.uai}" if provider.uai else ""
        return _hint(request, "success", f"SIRET valide : {provider.display_name} ({provider.city}{uai}), {qualiopi}.")
    company = Company.objects.select_related("idcc").filter(siret=siret).first()
    if company is None:
        return _hint(request, "success", "SIRET valide ; entreprise inconnue du référentiel (elle sera créée au dépôt).")
    idcc = f", IDCC {company.idcc.code}" if company.idcc else ""
    return _hint(
        request,
        "success",
        f"SIRET valide : {company.name} ({company.city}{idcc}) — raison sociale, IDCC et adresse laissés vides seront "
        "complétés depuis le référentiel.",
    )


@allow(roles.STAFF)
@require_GET
def check_uai(request):
    _, uai = _typed(request, "cfa__uai")
    if not uai:
        return _hint(request, "", "")
    if not re.fullmatch(r"\d{7}[A-Z]", uai):
        return _hint(request, "danger", "Un UAI compte 7 chiffres suivis d'une lettre (ex. 0142321X).")
    expected = UAI_CHECK_LETTERS[int(uai[:7]) % 23]
    if uai[7] != expected:
        return _hint(request, "danger", f"Lettre de contrôle invalide : pour {uai[:7]}, la lettre est « {expected} ».")
    names = list(TrainingProvider.objects.filter(uai=uai).order_by("name").values_list("name", flat=True)[:3])
    known = f" : {', '.join(n for n in names if n)}" if names else " ; absent du référentiel des CFA"
    return _hint(request, "success", f"UAI valide{known}.")


@allow(roles.STAFF)
@require_GET
def check_rncp(request):
    _, code = _typed(request, "formation__rncp")
    if not code:
        return _hint(request, "", "")
    if code.isdigit():
        code = f"RNCP{code}"
    if not re.fullmatch(r"RNCP\d{2,6}", code):
        return _hint(request, "danger", "Une fiche RNCP s'écrit « RNCP » suivi de 2 à 6 chiffres.")
    rows = list(Certification.objects.filter(rncp=code).order_by("-active", "code_diplome"))
    if not rows:
        return _hint(request, "danger", f"La fiche {code} est absente du Kit apprentissage.")
    fiche = rows[0]
    level = f", niveau {fiche.level}" if fiche.level else ""
    successor = next((row.successor_rncp for row in rows if row.successor_rncp), "")
    if not any(row.open_to_apprenticeship for row in rows):
        replaced = f" Fiche remplaçante : {successor}." if successor else ""
        return _hint(request, "danger", f"{fiche.title}{level} : non ouverte à l'apprentissage.{replaced}")
    expiry = None if any(row.expires_on is None for row in rows) else max(row.expires_on for row in rows)
    replaced = f" (remplacée par {successor})" if successor else ""
    if expiry and expiry < timezone.localdate():
        # CHECKS.md compares the échéance with the date of conclusion, which may be earlier.
        message = f"{fiche.title}{level} : fiche échue le {expiry:%d/%m/%Y}{replaced} ; valable si le contrat est conclu avant."
        return _hint(request, "warning", message)
    until = f", échéance le {expiry:%d/%m/%Y}" if expiry else ""
    return _hint(request, "success", f"{fiche.title}{level} : ouverte à l'apprentissage{until}{replaced}.")
