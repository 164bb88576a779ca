"""Builders of the contracts tests: the deposit payloads (alternance and professionalisation), contracts
deposited through the service or stored as they are, the instalments of an accepted contract, and the
data of a période de reconversion. Fixtures built on them are in tests/contracts/conftest.py."""

import copy
import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from contracts.alternance.deposit import contract_deposit
from contracts.enums import CfaDocumentKind, ContractStatus
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, Instalment, ReconversionPeriod
from payments.enums import ScheduleStatus
from tests.referentials.factories import valid_siret

PARIS = ZoneInfo("Europe/Paris")

# --- The apprenticeship deposit payload (CHECKS.md « The deposit payload ») ----------------------------
DROP = object()  # changed(..., {path: DROP}) removes the key
VALID_NIR = "295109912611193"  # python-stdnum's documented example
CFA_SIRET = "44492238900036"  # the CFA of base(), « ADEN FORMATIONS ORGANISATION » in the referential
CFA_IBAN = "FR7610107001011234567890129"


def base() -> dict:
    return {
        "type_contrat": "11",
        "employeur": {
            "siret": "00123456600014",
            "denomination": "Boulangerie du Marché",
            "naf": "10.71C",
            "idcc": "0843",
            "effectif": 12,
            "adresse": {"numero": "3", "voie": "rue X", "code_postal": "75011", "commune": "Paris"},
        },
        "apprenti": {
            "nom": "Durand",
            "prenom": "Léa",
            "date_naissance": "2007-03-14",
            "nir": None,
            "handicap": False,
            "premier_cycle_acheve": True,
            "projet_creation_reprise_entreprise": False,
            "sportif_haut_niveau": False,
            "derogation_age": None,
            "precedent_contrat_fin": None,
        },
        "maitres_apprentissage": [
            {
                "nom": "Martin",
                "prenom": "Claire",
                "date_naissance": "1980-05-02",
                "diplome_niveau": 5,
                "diplome_meme_domaine": True,
                "experience_annees": 3,
            }
        ],
        "formation": {
            "rncp": "RNCP37566",
            "code_diplome": "01022103",
            "niveau": 3,
            "intitule": "CS Employé traiteur",
            "date_debut": "2025-09-08",
            "date_fin": "2027-06-30",
            "duree_heures": 840,
            "distance_pct": 0,
        },
        "cfa": {
            "siret": CFA_SIRET,
            "uai": "0142321X",
            "denomination": "CFA",
            "qualiopi": True,
            "declaration_activite_date": "2012-01-01",
        },
        "contrat": {
            "date_conclusion": "2025-08-25",
            "date_debut": "2025-09-01",
            "date_fin": "2027-08-31",
            "date_debut_formation_pratique": "2025-09-01",
            "duree_hebdo_heures": 35,
            "salaire_brut_mensuel_embauche": "774.78",  # 43 % × 1 801,80 € (SMIC of the start date) = 774,774 €
            "remunerations": [
                {"date_debut": "2025-09-01", "date_fin": "2026-08-31", "taux": 43},
                {"date_debut": "2026-09-01", "date_fin": "2027-08-31", "taux": "51"},
            ],
        },
    }


def changed(data: dict, changes: dict) -> dict:
    """A deep copy with dotted paths set (or removed with DROP); list indexes as numbers."""
    result = copy.deepcopy(data)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        key = int(last) if isinstance(target, list) else last
        if value is DROP:
            del target[key]
        else:
            target[key] = value
    return result


def form_data(payload: dict, prefix: str = "") -> dict:
    """The deposit form's POST data for a payload (fields named after the payload's paths)."""
    data = {}
    for key, value in payload.items():
        name = f"{prefix}__{key}" if prefix else key
        if isinstance(value, dict):
            data.update(form_data(value, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                data.update(form_data(item, f"{name}__{index}"))
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data


# --- The professionalisation deposit payload (CERFA EJ20) ----------------------------------------------
PRO_CONTRACT_JSON = Path(__file__).parent / "data" / "pro_contract.json"


def pro_base() -> dict:
    """The valid EJ20 contract of tests/contracts/data/pro_contract.json (a fresh copy)."""
    return json.loads(PRO_CONTRACT_JSON.read_text(encoding="utf-8"))


def cdi(data: dict, first: str = "2026-03-02", last: str = "2027-03-01") -> dict:
    return changed(
        data,
        {"contrat.nature": "cdi", "contrat.date_fin": None, "contrat.action_date_debut": first, "contrat.action_date_fin": last},
    )


# --- Contracts deposited through the service ----------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def contract_payload(n: int = 0, *, idcc: str = "843", siret: str | None = None, **changes) -> dict:
    """A payload that passes every check (tests.contracts.test_checks); `n` makes it another file
    (apprentice and master names), `idcc` "843" is branch IDCC-0843, "2596" another branch."""
    data = {**base(), "recu_le": "2025-09-02"}
    return changed(
        data,
        {
            "employeur.idcc": idcc,
            "employeur.siret": siret or data["employeur"]["siret"],
            "apprenti.nom": f"Apprenti{n:03d}",
            "maitres_apprentissage.0.nom": f"Maitre{n:03d}",
            **changes,
        },
    )


def deposit_contract(actor, n: int = 0, **options) -> ApprenticeshipContract:
    """contract_payload(n, **options) deposited by `actor` from the web form."""
    deposit_ = contract_deposit(actor=actor, data=contract_payload(n, **options), source="web")
    assert deposit_.created
    return deposit_.contract


# --- Contracts stored as they are (an employer's other contracts) --------------------------------------
_file_numbers = itertools.count(1)


def contract_with_master(employer, *, status=ContractStatus.RUNNING, start="2024-09-01", end="2026-08-31", master=None):
    """A stored contract of `employer` whose master is Claire Martin, born 02/05/1980, by default."""
    last_name, first_name, birth = master or ("Martin", "Claire", "1980-05-02")
    contract = ApprenticeshipContract.objects.create(
        file_number=f"AP-TEST-{next(_file_numbers):05d}",
        status=status,
        employer=employer,
        employer_siret=employer.siret,
        employer_name=employer.name,
        apprentice_last_name="Apprenti",
        apprentice_first_name="Autre",
        apprentice_birth_date=date(2006, 1, 1),
        rncp="RNCP37566",
        level=3,
        training_start=date.fromisoformat(start),
        training_hours=800,
        cfa_siret=CFA_SIRET,
        cfa_uai="0142321X",
        signed_on=date.fromisoformat(start),
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        practical_training_start=date.fromisoformat(start),
        received_on=date.fromisoformat(start),
    )
    ApprenticeshipMaster.objects.create(
        contract=contract, last_name=last_name, first_name=first_name, birth_date=date.fromisoformat(birth)
    )
    return contract


# --- The instalments of an accepted contract and the CFA's documents (R6332-25) -------------------------
ANNUAL = CfaDocumentKind.ANNUAL_INVOICE
FINAL = CfaDocumentKind.FINAL_INVOICE
START = CfaDocumentKind.START_ATTESTATION
COMPLETION = CfaDocumentKind.COMPLETION_ATTESTATION
PARTICIPATION = CfaDocumentKind.PARTICIPATION_INVOICE
APPRENTICES = ("Durand", "Petit", "Moreau", "Lefebvre", "Garnier", "Roux", "Fabre", "Vidal")
MASTERS = ("Martin", "Bernard", "Thomas", "Robert", "Richard", "Dubois", "Girard", "Bonnet")


def line(contract, year: int, kind: str) -> Instalment:
    """The live instalment of `kind` for `year` of a contract."""
    return contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).get(year=year, kind=kind)


# --- Périodes de reconversion: a valid internal period that a test changes field by field ---------------
PROVIDER_SIRET = CFA_SIRET  # the same organisation as the CFA of base(), with a bank account
PROVIDER_IBAN = CFA_IBAN
EMPLOYER_SIRET = valid_siret(8001)
OTHER_EMPLOYER_SIRET = valid_siret(8002)
HOST_SIRET = valid_siret(8003)


def period_data(**changes) -> dict:
    """An internal period of 300 h, 16 March → 15 December 2026, at the provider of PROVIDER_SIRET."""
    data = {
        "kind": "interne",
        "employer_siret": EMPLOYER_SIRET,
        "employer_name": "Boulangerie Durand",
        "employer_idcc": "1486",
        "employee_last_name": "Martin",
        "employee_first_name": "Léa",
        "employee_birth_date": date(1988, 5, 17),
        "agreement_signed_on": date(2026, 2, 20),
        "target": "rncp",
        "target_code": "RNCP37566",
        "target_title": "Titre professionnel",
        "provider_siret": PROVIDER_SIRET,
        "training_hours": Decimal("300"),
        "start_date": date(2026, 3, 16),
        "end_date": date(2026, 12, 15),
    }
    data.update(changes)
    return data


def stored_contract(number: str, *, due: date, status: str = "instruction", assigned_to=None) -> ApprenticeshipContract:
    """A contract file waiting for a decision due on `due`, stored as is (no deposit, no checks): for
    the lists and reminders that only read its instruction dates."""
    return ApprenticeshipContract.objects.create(
        file_number=number,
        status=status,
        employer_siret="73282932000074",
        employer_name="Boulangerie",
        apprentice_last_name="Martin",
        apprentice_first_name="Léa",
        apprentice_birth_date=date(2007, 2, 28),
        rncp="RNCP37566",
        training_start=date(2026, 1, 5),
        training_hours=Decimal(800),
        cfa_siret="19350012300017",
        signed_on=date(2026, 1, 2),
        start_date=date(2026, 1, 5),
        end_date=date(2027, 7, 4),
        practical_training_start=date(2026, 1, 5),
        received_on=due - timedelta(days=20),
        complete_on=due - timedelta(days=20),
        decision_due_on=due,
        assigned_to=assigned_to,
    )


def stored_period(number: str, *, due: date, status: str = "received", assigned_to=None) -> ReconversionPeriod:
    """A période de reconversion waiting for a decision due on `due`, stored as is."""
    return ReconversionPeriod.objects.create(
        file_number=number,
        kind="interne",
        status=status,
        employer_siret="73282932000074",
        employer_name="Boulangerie",
        employee_last_name="Petit",
        employee_first_name="Jules",
        employee_birth_date=date(1980, 2, 29),
        agreement_signed_on=date(2026, 2, 1),
        target="socle",
        provider_siret="19350012300017",
        training_hours=Decimal(200),
        start_date=date(2026, 4, 1),
        end_date=date(2026, 9, 30),
        received_on=due - timedelta(days=20),
        complete_on=due - timedelta(days=20),
        decision_due_on=due,
        assigned_to=assigned_to,
    )
