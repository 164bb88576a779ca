"""Deposit of a contract file: from the payload (CHECKS.md's FA13 payload, or the EJ20 payload of a
professionalisation contract, `"type_contrat": "professionnalisation"`) to a stored file with its
checks run. The staff form, the API and the bulk import all call `contract_deposit`."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contracts.alternance.check_runs import contract_check, is_pro_payload
from contracts.alternance.payload import ContractPayload, parse_contract_payload, payload_without_nir
from contracts.alternance.reference_cache import cached, peek, remember
from contracts.alternance.workflow import decision_deadline
from contracts.enums import ContractKind
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, PayPeriod
from contracts.professionalisation.payload import ProContractPayload, parse_pro_payload, pro_payload_without_nir
from opco import audit
from referentials.models import Certification, Company, Idcc, Naf, TrainingProvider
from referentials.services import company_for_siret
from referentials.validators import normalize_identifier


@dataclass(frozen=True)
class Deposit:
    contract: ApprenticeshipContract
    created: bool  # False when the same payload was already deposited (idempotent re-import)


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 43, "43" and "43.0" are one rate
    if isinstance(value, (date,)):
        return value.isoformat()
    return str(value)


def payload_key(payload: ContractPayload | ProContractPayload | dict) -> str:
    """A fingerprint of what the payload says, not of how it is written: the parsed values (numbers
    as numbers, whatever their JSON type), so the same file deposited twice — by the API, then typed
    into the form — is one file. The NIR is left out."""
    if isinstance(payload, dict):
        payload = parse_pro_payload(payload) if is_pro_payload(payload) else parse_contract_payload(payload)
    parsed = dataclasses.asdict(payload)
    # Addresses say where to answer, not what the contract is; the grid position, added later, counts
    # only when given (the keys of files deposited before stay the same).
    parsed.pop("courriel_deposant", None)
    for block in ("employeur", "cfa", "organisme"):
        if isinstance(parsed.get(block), dict):
            parsed[block].pop("courriel", None)
    for name in ("classification", "coefficient"):
        if parsed.get("contrat", {}).get(name) == "":
            parsed["contrat"].pop(name)
    if isinstance(payload, ProContractPayload):
        parsed["salarie"]["nir"] = None
        parsed["kind"] = ContractKind.PROFESSIONNALISATION.value
    else:
        parsed["apprenti"]["nir"] = None
    return hashlib.sha256(json.dumps(parsed, sort_keys=True, ensure_ascii=False, default=_canonical).encode()).hexdigest()


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _idcc_code(value: Any) -> str:
    """The IDCC as 4 digits, or empty when it is not one (OPCO_RATTACHEMENT warns about it)."""
    code = str(value or "").strip()
    return code.zfill(4) if code.isdigit() and len(code) <= 4 else ""


def deposit_company(siret: str, employer: dict) -> Company | None:
    """The employer's company, created from the CERFA block the first time it is seen (not cached: a
    company created by a row that is then refused is rolled back with it)."""
    naf_code = (employer.get("naf") or "").upper()
    if len(naf_code) == 5 and "." not in naf_code:
        naf_code = f"{naf_code[:2]}.{naf_code[2:]}"
    known = peek(("company", siret))  # a batched import reads the companies that existed before its batch at once
    if known is not None:
        return known
    idcc_code = _idcc_code(employer.get("idcc"))
    address = employer.get("adresse") or {}
    return company_for_siret(
        siret=siret,
        name=employer.get("denomination") or siret,
        naf=cached(("naf", naf_code), lambda: Naf.objects.filter(code=naf_code).first()),
        idcc=cached(("idcc", idcc_code), lambda: Idcc.objects.filter(code=idcc_code).first()),
        headcount=employer.get("effectif"),
        address=" ".join(str(address.get(k) or "") for k in ("numero", "voie")).strip(),
        postal_code=str(address.get("code_postal") or ""),
        city=str(address.get("commune") or ""),
    )


def file_number(contract: ApprenticeshipContract) -> str:
    """« AP » + the year of reception + the file's id on 7 digits."""
    return f"AP{contract.received_on.year}{contract.pk:07d}"


def deposit_summary(contract: ApprenticeshipContract, source: str) -> str:
    return f"Dossier reçu le {contract.received_on:%d/%m/%Y} ({source}) : décision due le {contract.decision_due_on:%d/%m/%Y}"


def contract_columns(data: dict, parsed: ContractPayload, company: Company | None) -> dict[str, Any]:
    """The file's columns read from a FA13 payload (the deposit's, the batched import's and the correction's)."""
    employer, apprentice, training = data["employeur"], data["apprenti"], data["formation"]
    cfa, terms = data["cfa"], data["contrat"]
    siret = normalize_identifier(employer["siret"])
    cfa_siret = normalize_identifier(cfa["siret"])
    rncp = normalize_identifier(training["rncp"])
    return {
        "contract_type": str(data.get("type_contrat") or "11"),
        "employer_siret": siret,
        # Never the SIRET as a name: the referential's name when the payload has none.
        "employer_name": employer.get("denomination") or (company.name if company is not None and company.name != siret else ""),
        "employer_idcc": _idcc_code(employer.get("idcc")) or (company.idcc.code if company is not None and company.idcc else ""),
        "employer": company,
        "employer_headcount": employer.get("effectif"),
        "employer_email": parsed.employeur.courriel,
        "cfa_email": parsed.cfa.courriel,
        "apprentice_last_name": apprentice.get("nom") or "",
        "apprentice_first_name": apprentice.get("prenom") or "",
        "apprentice_birth_date": _d(apprentice["date_naissance"]),
        "apprentice_nir": parsed.apprenti.nir or "",
        "apprentice_handicap": bool(apprentice.get("handicap")),
        "certification": cached(
            ("certification", rncp),
            lambda: Certification.objects.filter(rncp=rncp).exclude(level=None).order_by("-active").first(),
        ),
        "rncp": rncp,
        "code_diplome": training.get("code_diplome") or "",
        "level": int(training["niveau"]),
        "training_title": training.get("intitule") or "",
        "training_start": _d(training["date_debut"]),
        "training_end": _d(training.get("date_fin")),
        "training_hours": Decimal(str(training["duree_heures"])),
        "distance_pct": Decimal(str(training.get("distance_pct") or 0)),
        "cfa": cached(("provider", cfa_siret), lambda: TrainingProvider.objects.filter(siret=cfa_siret).first()),
        "cfa_siret": cfa_siret,
        "cfa_uai": normalize_identifier(cfa["uai"]),
        "cfa_declared_on": _d(cfa.get("declaration_activite_date")),
        "signed_on": _d(terms["date_conclusion"]),
        "start_date": _d(terms["date_debut"]),
        "end_date": _d(terms["date_fin"]),
        "practical_training_start": _d(terms["date_debut_formation_pratique"]),
        "weekly_hours": Decimal(str(terms["duree_hebdo_heures"])) if terms.get("duree_hebdo_heures") is not None else None,
        "monthly_salary": Decimal(str(terms["salaire_brut_mensuel_embauche"]))
        if terms.get("salaire_brut_mensuel_embauche")
        else None,
    }


def apprenticeship_contract(
    *, data: dict, parsed: ContractPayload, key: str, received: date, depositor_email: str, company: Company | None
) -> ApprenticeshipContract:
    """The unsaved file of a parsed FA13 payload (the single deposit and the batched import build it here)."""
    return ApprenticeshipContract(
        file_number=f"tmp-{key[:16]}",
        **contract_columns(data, parsed, company),
        received_on=received,
        complete_on=received,
        decision_due_on=decision_deadline(received),
        depositor_email=depositor_email or parsed.courriel_deposant,
        payload=payload_without_nir(data),
        import_key=key,
    )


def masters_of(contract: ApprenticeshipContract, data: dict) -> list[ApprenticeshipMaster]:
    return [
        ApprenticeshipMaster(
            contract=contract,
            last_name=m.get("nom") or "",
            first_name=m.get("prenom") or "",
            birth_date=_d(m["date_naissance"]),
            diploma_level=m.get("diplome_niveau"),
            same_field=bool(m.get("diplome_meme_domaine")),
            experience_years=Decimal(str(m.get("experience_annees") or 0)),
        )
        for m in data["maitres_apprentissage"]
    ]


def pay_periods_of(contract: ApprenticeshipContract, data: dict) -> list[PayPeriod]:
    return [
        PayPeriod(contract=contract, start=_d(p["date_debut"]), end=_d(p["date_fin"]), rate=Decimal(str(p["taux"])))
        for p in data["contrat"]["remunerations"]
    ]


def store_masters_and_pay(contract: ApprenticeshipContract, data: dict, *, replace: bool = False) -> None:
    """The masters and pay periods of a FA13 payload, as rows of the file (replacing any: a correction)."""
    if replace:
        contract.masters.all().delete()
        contract.pay_periods.all().delete()
    ApprenticeshipMaster.objects.bulk_create(masters_of(contract, data))
    PayPeriod.objects.bulk_create(pay_periods_of(contract, data))


def contract_deposit(
    *, actor, data: dict, source: str = "web", received_on: date | None = None, depositor_email: str = ""
) -> Deposit:
    """Validate the payload (InvalidPayload names the field, nothing stored), store the file with
    its masters and pay periods, open the 20-day decision period (R6224-3) and run the checks. The
    payload's parser bounds every text by its column: values are stored as sent, never cut."""
    if is_pro_payload(data):
        return professionalisation_deposit(
            actor=actor, data=data, source=source, received_on=received_on, depositor_email=depositor_email
        )
    parsed = parse_contract_payload(data)  # refuses malformed payloads with French messages per field
    key = payload_key(parsed)
    existing = ApprenticeshipContract.objects.filter(import_key=key).first()
    if existing is not None:
        return Deposit(existing, created=False)

    received = received_on or _d(data.get("recu_le")) or timezone.localdate()
    siret = normalize_identifier(data["employeur"]["siret"])
    with transaction.atomic():
        contract = apprenticeship_contract(
            data=data,
            parsed=parsed,
            key=key,
            received=received,
            depositor_email=depositor_email,
            company=(company := deposit_company(siret, data["employeur"])),
        )
        contract.save()
        if company is not None:
            remember(("zone", siret), company.holiday_zone)  # DEPOT_DELAI reads it right after
        contract.file_number = file_number(contract)
        contract.save(update_fields=["file_number"])
        store_masters_and_pay(contract, data)
        audit.record(
            actor=actor, action="contract_deposit", target=contract, source=source, summary=deposit_summary(contract, source)
        )
        contract_check(contract=contract, actor=actor, payload=parsed)
    return Deposit(contract, created=True)


# The employer block's fields the referential can give (CERFA « employeur »), with their French names.
REFERENTIAL_EMPLOYER_FIELDS = {"denomination": "raison sociale", "idcc": "IDCC", "naf": "code NAF", "adresse": "adresse"}


def employer_from_referential(data: dict) -> tuple[dict, list[str]]:
    """A staff-typed payload whose employer SIRET is known: the empty name, IDCC, NAF and address
    filled from the company referential (what is typed wins). Returns the payload and the French names
    of the fields filled, for the screen to say so."""
    employer = data.get("employeur") if isinstance(data, dict) else None
    if not isinstance(employer, dict):
        return data, []
    siret = normalize_identifier(str(employer.get("siret") or ""))
    company = Company.objects.select_related("idcc", "naf").filter(siret=siret).first() if siret else None
    if company is None:
        return data, []
    known = {
        "denomination": company.name if company.name != siret else "",
        "idcc": company.idcc.code if company.idcc else "",
        "naf": company.naf.code if company.naf else "",
        "adresse": {"voie": company.address, "code_postal": company.postal_code, "commune": company.city}
        if company.address or company.city
        else None,
    }
    filled, employer = [], dict(employer)
    for key, value in known.items():
        current = employer.get(key)
        empty = not current or (isinstance(current, dict) and not any(current.values()))
        if value and empty:
            employer[key] = value
            filled.append(REFERENTIAL_EMPLOYER_FIELDS[key])
    return {**data, "employeur": employer}, filled


def pro_contract_columns(data: dict, parsed: ProContractPayload, company: Company | None) -> dict[str, Any]:
    """The file's columns read from an EJ20 payload (the deposit's and the correction's): the salarié in
    the apprentice's columns, the training body in the CFA's."""
    employer, employee, training, provider = data["employeur"], data["salarie"], data["formation"], data["organisme"]
    siret = normalize_identifier(employer["siret"])
    provider_siret = normalize_identifier(provider["siret"])
    qualification = parsed.formation.type_qualification
    rncp = normalize_identifier(training.get("rncp") or "") if qualification == "rncp" else ""
    return {
        "contract_kind": ContractKind.PROFESSIONNALISATION,
        "contract_type": "CD" if parsed.contrat.nature == "cdd" else "CI",
        "priority_public": parsed.priority_public,
        "geiq": parsed.geiq,
        "employer_siret": siret,
        "employer": company,
        "employer_name": employer.get("denomination") or (company.name if company is not None and company.name != siret else ""),
        "employer_idcc": _idcc_code(employer.get("idcc")) or (company.idcc.code if company is not None and company.idcc else ""),
        "employer_headcount": employer.get("effectif"),
        "employer_email": parsed.employeur.courriel,
        "cfa_email": parsed.organisme.courriel,
        "apprentice_last_name": employee.get("nom") or "",
        "apprentice_first_name": employee.get("prenom") or "",
        "apprentice_birth_date": parsed.salarie.date_naissance,
        "apprentice_nir": parsed.salarie.nir or "",
        "apprentice_handicap": bool(employee.get("handicap")),
        "certification": cached(
            ("certification", rncp),
            lambda: Certification.objects.filter(rncp=rncp).exclude(level=None).order_by("-active").first(),
        )
        if rncp
        else None,
        "rncp": rncp or qualification.upper(),
        "level": parsed.formation.niveau,
        "training_title": training.get("intitule") or "",
        "training_start": parsed.formation.date_debut,
        "training_end": parsed.formation.date_fin,
        "training_hours": parsed.formation.duree_heures,
        "cfa": cached(("provider", provider_siret), lambda: TrainingProvider.objects.filter(siret=provider_siret).first()),
        "cfa_siret": provider_siret,
        "cfa_uai": normalize_identifier(provider.get("uai") or ""),
        "signed_on": parsed.contrat.date_conclusion,
        "start_date": parsed.contrat.date_debut,
        # A CDI has no end: its professionalisation action's end is the end of what is funded.
        "end_date": parsed.contrat.date_fin or parsed.contrat.action_end,
        "practical_training_start": parsed.contrat.date_debut,
        "weekly_hours": parsed.contrat.duree_hebdo_heures,
        "monthly_salary": parsed.contrat.salaire_brut_mensuel_embauche,
    }


def store_tutors_and_pay(contract: ApprenticeshipContract, parsed: ProContractPayload, *, replace: bool = False) -> None:
    """The tutors (as masters) and pay periods of an EJ20 payload, as rows of the file (replacing any: a correction)."""
    if replace:
        contract.masters.all().delete()
        contract.pay_periods.all().delete()
    ApprenticeshipMaster.objects.bulk_create(
        ApprenticeshipMaster(
            contract=contract,
            last_name=tutor.nom or "",
            first_name=tutor.prenom or "",
            birth_date=tutor.date_naissance,
            experience_years=tutor.experience_annees,
        )
        for tutor in parsed.tuteurs
    )
    PayPeriod.objects.bulk_create(
        PayPeriod(contract=contract, start=period.date_debut, end=period.date_fin, rate=period.taux)
        for period in parsed.contrat.remunerations
    )


def professionalisation_deposit(
    *, actor, data: dict, source: str = "web", received_on: date | None = None, depositor_email: str = ""
) -> Deposit:
    """A professionalisation contract (EJ20) into the same file model and workflow: the salarié in the
    apprentice's columns, the training body in the CFA's, the tutors as masters. The OPCO decides
    within 20 days of the contract and its annex (D6325-2; silence accepts it)."""
    parsed = parse_pro_payload(data)
    key = payload_key(parsed)
    existing = ApprenticeshipContract.objects.filter(import_key=key).first()
    if existing is not None:
        return Deposit(existing, created=False)

    received = received_on or _d(data.get("recu_le")) or timezone.localdate()
    siret = normalize_identifier(data["employeur"]["siret"])
    with transaction.atomic():
        company = deposit_company(siret, data["employeur"])
        contract = ApprenticeshipContract(
            file_number=f"tmp-{key[:16]}",
            **pro_contract_columns(data, parsed, company),
            received_on=received,
            complete_on=received,
            decision_due_on=decision_deadline(received),
            depositor_email=depositor_email or parsed.courriel_deposant,
            payload=pro_payload_without_nir(data),
            import_key=key,
        )
        contract.save()
        if company is not None:
            remember(("zone", siret), company.holiday_zone)
        contract.file_number = f"PR{received.year}{contract.pk:07d}"
        contract.save(update_fields=["file_number"])
        store_tutors_and_pay(contract, parsed)
        audit.record(
            actor=actor,
            action="contract_deposit",
            target=contract,
            source=source,
            summary=(
                f"Contrat de professionnalisation reçu le {received:%d/%m/%Y} ({source}) : décision due le "
                f"{contract.decision_due_on:%d/%m/%Y}, acceptation implicite à défaut (D6325-2)"
            ),
        )
        contract_check(contract=contract, actor=actor, payload=parsed)
    return Deposit(contract, created=True)
