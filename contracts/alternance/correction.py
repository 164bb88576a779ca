"""Correction of a received file and of its DECA number.

A file still awaiting its decision (received, under instruction, incomplete) is corrected by staff
with a reason: the new payload goes through the deposit's parser (one validation for every door),
the file's columns, masters and pay periods are rewritten from it, the audit keeps the values before
and after, and the checks run again (D6224-2: the OPCO decides on the file as it stands). A
professionalisation file (EJ20) is corrected the same way with its own parser, columns (the deposit's
`pro_contract_columns`) and checks (contracts.professionalisation.checks; D6325-2).

The DECA number (the ministry's deposit number) has a format: department (3 characters: 001 to 095,
02A/02B, 971 to 976), year (4 digits), month (2), « NC » or 2 digits, then a 4-digit sequence — e.g.
02B202212000000 (DECA API, `detailsContrat.noContrat`; CERFA FA13 « numéro du contrat précédent »).
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts.alternance.check_runs import contract_check, is_pro_payload
from contracts.alternance.checks import CheckReport
from contracts.alternance.deposit import (
    contract_columns,
    deposit_company,
    payload_key,
    pro_contract_columns,
    store_masters_and_pay,
    store_tutors_and_pay,
)
from contracts.alternance.payload import parse_contract_payload, payload_without_nir
from contracts.enums import ContractKind
from contracts.enums import ContractStatus as S
from contracts.models import ApprenticeshipContract
from contracts.professionalisation.payload import parse_pro_payload, pro_payload_without_nir
from opco import audit
from referentials.validators import normalize_identifier

DECA_NUMBER_RE = re.compile(r"^(0\d{2}|02[AB]|97[1-6])(\d{4})(0[1-9]|1[0-2])(NC|\d{2})(\d{4})$")
CORRECTABLE = (S.RECEIVED, S.UNDER_INSTRUCTION, S.INCOMPLETE)
# Statuses where the file has a DECA number to correct (deposited and after).
DECA_CORRECTABLE = (S.DEPOSITED, S.RUNNING, S.ENDED, S.BROKEN)


def deca_number_clean(value: str) -> str:
    """The DECA number in capitals without spaces, or ValidationError (French) naming the format."""
    number = re.sub(r"\s+", "", value or "").upper()
    if not number:
        raise ValidationError({"deca_number": "Le numéro DECA est obligatoire."})
    if not DECA_NUMBER_RE.match(number):
        raise ValidationError(
            {
                "deca_number": f"« {value.strip()} » n'est pas un numéro DECA : 15 caractères, département (3), année (4), "
                "mois (2), « NC » ou 2 chiffres, puis 4 chiffres (ex. 02B202212000000)."
            }
        )
    return number


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": "Indiquez le motif de la correction."})
    return text


COLUMNS_AUDITED = (
    "contract_type",
    "priority_public",
    "geiq",
    "employer_siret",
    "employer_name",
    "employer_idcc",
    "employer_headcount",
    "apprentice_last_name",
    "apprentice_first_name",
    "apprentice_birth_date",
    "apprentice_handicap",
    "rncp",
    "code_diplome",
    "level",
    "training_title",
    "training_start",
    "training_end",
    "training_hours",
    "cfa_siret",
    "cfa_uai",
    "signed_on",
    "start_date",
    "end_date",
    "practical_training_start",
    "weekly_hours",
    "monthly_salary",
)


def _flat(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for index, item in enumerate(value) for k, v in _flat(item, f"{prefix}{index}.").items()}
    return {prefix.rstrip("."): value}


def _apply_fa13(contract: ApprenticeshipContract, data: dict) -> str:
    """A FA13 payload's columns, masters and pay periods on the file; its key."""
    parsed = parse_contract_payload(data)  # InvalidPayload names the fields; nothing is written
    key = payload_key(parsed)
    _refuse_twin(contract, key)
    company = deposit_company(normalize_identifier(data["employeur"]["siret"]), data["employeur"])
    nir = contract.apprentice_nir
    for name, value in contract_columns(data, parsed, company).items():
        setattr(contract, name, value)
    contract.apprentice_nir = parsed.apprenti.nir or nir  # the stored payload never holds the NIR
    contract.payload = payload_without_nir(data)
    contract.import_key = key
    contract.save()
    store_masters_and_pay(contract, data, replace=True)
    return key


def _apply_ej20(contract: ApprenticeshipContract, data: dict) -> str:
    """An EJ20 payload's columns, tutors and pay periods on the file (the deposit's own columns); its key."""
    parsed = parse_pro_payload(data)
    key = payload_key(parsed)
    _refuse_twin(contract, key)
    company = deposit_company(normalize_identifier(data["employeur"]["siret"]), data["employeur"])
    nir = contract.apprentice_nir
    for name, value in pro_contract_columns(data, parsed, company).items():
        setattr(contract, name, value)
    contract.apprentice_nir = parsed.salarie.nir or nir
    contract.payload = pro_payload_without_nir(data)
    contract.import_key = key
    contract.save()
    store_tutors_and_pay(contract, parsed, replace=True)
    return key


def _refuse_twin(contract: ApprenticeshipContract, key: str) -> None:
    twin = ApprenticeshipContract.objects.filter(import_key=key).exclude(pk=contract.pk).first()
    if twin is not None:
        raise ValidationError(f"Ce contenu est déjà celui du dossier {twin.file_number} : doublon.")


def contract_correct(*, actor, contract_id: int, data: dict, reason: str) -> CheckReport:
    """Correct a received file from a whole corrected payload of its own kind (FA13 for an
    apprenticeship, EJ20 for a professionalisation contract); the new check report."""
    reason = _reason(reason)
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        professionalisation = contract.contract_kind == ContractKind.PROFESSIONNALISATION
        if professionalisation != is_pro_payload(data):
            raise ValidationError(
                "Ce dossier est un contrat de professionnalisation (CERFA EJ20) : il se corrige avec ses propres données."
                if professionalisation
                else "Ce dossier est un contrat d'apprentissage (CERFA FA13) : il se corrige avec ses propres données."
            )
        if contract.status not in CORRECTABLE:
            raise ValidationError(
                f"Le dossier {contract.file_number} est « {contract.get_status_display()} » : seul un dossier reçu, en "
                "instruction ou incomplet se corrige (après la décision : avenant ou rupture)."
            )
        before = audit.snapshot(contract, COLUMNS_AUDITED)
        before_payload = _flat(contract.payload)
        (_apply_ej20 if professionalisation else _apply_fa13)(contract, data)
        contract.refresh_from_db()  # the stored values (35.00, not the parsed 35): only real changes are audited
        changes = audit.diff(before, audit.snapshot(contract, COLUMNS_AUDITED))
        after_payload = _flat(contract.payload)
        payload_changes = {
            path: [before_payload.get(path), after_payload.get(path)]
            for path in sorted(set(before_payload) | set(after_payload))
            if before_payload.get(path) != after_payload.get(path)
        }
        audit.record(
            actor=actor,
            action="contract_correct",
            target=contract,
            changes={"motif": reason, "colonnes": changes, "payload": payload_changes},
            summary=f"Dossier corrigé ({len(payload_changes)} donnée(s)) : {reason}"[:500],
        )
        return contract_check(contract=contract, actor=actor)


def contract_deca_correct(*, actor, contract_id: int, deca_number: str, reason: str) -> ApprenticeshipContract:
    """A deposited file's DECA number corrected, with a reason (audited before/after)."""
    reason = _reason(reason)
    number = deca_number_clean(deca_number)
    with transaction.atomic():
        contract = ApprenticeshipContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        if contract.status not in DECA_CORRECTABLE:
            raise ValidationError({"deca_number": "Ce dossier n'est pas encore déposé : il n'a pas de numéro DECA à corriger."})
        if number == contract.deca_number:
            raise ValidationError({"deca_number": "C'est déjà le numéro DECA du dossier."})
        if ApprenticeshipContract.objects.filter(deca_number=number).exclude(pk=contract.pk).exists():
            raise ValidationError({"deca_number": f"Le numéro DECA {number} est déjà celui d'un autre dossier."})
        before = contract.deca_number
        contract.deca_number = number
        contract.save(update_fields=["deca_number", "updated_at"])
        audit.record(
            actor=actor,
            action="contract_deca_correct",
            target=contract,
            changes={"motif": reason, "deca_number": [before, number]},
            summary=f"N° DECA corrigé : {before} → {number} ({reason})"[:500],
        )
    return contract
