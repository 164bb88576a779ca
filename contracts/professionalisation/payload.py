"""The deposit payload of a professionalisation contract (CERFA EJ20).

`parse_pro_payload` turns the JSON object into frozen dataclasses carrying the payload's own French
keys, or raises `contracts.alternance.payload.InvalidPayload` with a French message per dotted field path
(`contrat.date_fin`, `tuteurs[0].date_naissance`), exactly as the apprenticeship payload does and with
its field parsers. Only the shape is checked here (required fields, types, real dates, a valid NIR,
the fields a CDD or a CDI needs); the rules are `contracts.professionalisation.checks`.

The professionalisation action is the contract itself for a CDD and `action_date_debut` →
`action_date_fin` for a CDI (L6325-11, L6325-13): `ProTerms.action_start` / `action_end` give it.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from contracts.alternance.checks import age_on
from contracts.alternance.payload import (
    ADDRESS_FIELDS,
    NAME_MAX,
    RNCP_MAX,
    SIRET_MAX,
    TITLE_MAX,
    UAI_MAX,
    Address,
    Employer,
    InvalidPayload,
    PayPeriod,
    _at_most,
    _boolean,
    _code,
    _date,
    _email,
    _identifier,
    _integer,
    _list_of,
    _nir,
    _number,
    _object,
    _optional,
    _read_object,
    _required,
    _text,
    _text_up_to,
    refuse_unstorable,
)

CONTRACT_KIND = "professionnalisation"
NATURES = ("cdd", "cdi")
QUALIFICATION_TYPES = ("rncp", "cqp", "classification")
# Situation before the contract (EJ20 « situation avant ce contrat »), as far as L6325-1 needs it.
SITUATIONS = {
    "scolaire": "scolaire",
    "etudiant": "étudiant",
    "demandeur_emploi": "demandeur d'emploi",
    "rsa": "bénéficiaire du RSA",
    "ass": "bénéficiaire de l'ASS",
    "aah": "bénéficiaire de l'AAH",
    "cui": "ancien titulaire d'un contrat unique d'insertion (CUI)",
    "salarie": "salarié",
    "autre": "autre situation",
}
JOB_SEEKER = "demandeur_emploi"
MINIMA_SOCIAUX = ("rsa", "ass", "aah", "cui")  # L6325-1 3°: RSA, ASS, AAH, former CUI (L5134-19-1)
BAC_LEVEL = 4  # « second cycle de l'enseignement secondaire », baccalauréat: level 4


# --- The payload, block by block ------------------------------------------------------------------
@dataclass(frozen=True)
class ProEmployer(Employer):
    """The apprenticeship employer block, plus the GEIQ flag (D6332-86: GEIQ paths get the 15 €/h forfait)."""

    geiq: bool = False


@dataclass(frozen=True)
class Employee:
    date_naissance: date
    nom: str
    prenom: str
    situation: str
    diplome_niveau: int  # 0 = no diploma, else the level of the highest diploma (1 to 8)
    # Kept for the contract's own column, never shown: out of repr so that it cannot reach a log.
    nir: str | None = field(default=None, repr=False)
    handicap: bool = False
    inscrit_france_travail_depuis: date | None = None
    diplome_professionnel: bool = False  # holds a vocational or technological diploma (CAP, BEP, bac pro…)


@dataclass(frozen=True)
class Tutor:
    nom: str
    prenom: str
    date_naissance: date
    experience_annees: Decimal = Decimal(0)
    est_employeur: bool = False


@dataclass(frozen=True)
class ProTraining:
    type_qualification: str  # rncp, cqp or classification (L6314-1)
    date_debut: date
    date_fin: date
    duree_heures: Decimal
    rncp: str = ""
    intitule: str = ""
    niveau: int | None = None
    accord_branche_au_dela_25: bool = False  # L6325-14: a branch agreement allows more than 25 %


@dataclass(frozen=True)
class Provider:
    siret: str
    denomination: str = ""
    uai: str = ""
    courriel: str = ""


@dataclass(frozen=True)
class ProTerms:
    nature: str  # cdd or cdi
    date_conclusion: date
    date_debut: date
    remunerations: tuple[PayPeriod, ...]
    date_fin: date | None = None  # required for a CDD
    action_date_debut: date | None = None  # required for a CDI
    action_date_fin: date | None = None  # required for a CDI
    accord_branche_duree: bool = False  # L6325-12: a branch agreement allows up to 24 months
    duree_hebdo_heures: Decimal | None = None
    salaire_minimum_conventionnel: Decimal | None = None  # monthly, for D6325-18
    salaire_brut_mensuel_embauche: Decimal | None = None

    @property
    def action_start(self) -> date:
        """First day of the professionalisation action: the contract's for a CDD (L6325-11)."""
        return self.date_debut if self.nature == "cdd" else self.action_date_debut

    @property
    def action_end(self) -> date:
        """Last day of the professionalisation action: the contract's for a CDD (L6325-11)."""
        return self.date_fin if self.nature == "cdd" else self.action_date_fin


@dataclass(frozen=True)
class ProContractPayload:
    employeur: ProEmployer
    salarie: Employee
    tuteurs: tuple[Tutor, ...]
    formation: ProTraining
    organisme: Provider
    contrat: ProTerms
    tutorat_mois: int | None = None
    recu_le: date | None = None
    type_contrat: str = CONTRACT_KIND
    courriel_deposant: str = ""

    @property
    def geiq(self) -> bool:
        return self.employeur.geiq

    @property
    def priority_public(self) -> bool:
        """The L6325-1-1 public (longer action, training above 25 %, higher forfait)."""
        return bool(priority_public_reasons(self))


def priority_public_reasons(payload: ProContractPayload) -> list[str]:
    """Why the employee belongs to the L6325-1-1 public, in French (empty: not a priority public).

    L6325-1-1 names: (a) people of L6325-1 1° (16 to 25 at the start) who have not validated the
    second cycle of secondary school (no diploma of level 4 or above) and hold no technological or
    vocational diploma; (b) people of 1° and 2° registered as job seekers for more than one year on
    the contract's start (registration day + 1 year < start); (c) people of 3° (RSA, ASS, AAH,
    former CUI)."""
    employee, start = payload.salarie, payload.contrat.date_debut
    age = age_on(employee.date_naissance, start)
    reasons = []
    if 16 <= age <= 25 and employee.diplome_niveau < BAC_LEVEL and not employee.diplome_professionnel:
        reasons.append("jeune de 16 à 25 ans sans baccalauréat ni diplôme technologique ou professionnel")
    registered = employee.inscrit_france_travail_depuis
    if employee.situation == JOB_SEEKER and age >= 16 and registered is not None and registered + relativedelta(years=1) < start:
        reasons.append(f"demandeur d'emploi inscrit depuis plus d'un an (depuis le {registered:%d/%m/%Y})")
    if employee.situation in MINIMA_SOCIAUX:
        reasons.append(SITUATIONS[employee.situation])
    return reasons


# --- Field parsers of their own ---------------------------------------------------------------------
def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError("valeur attendue : " + ", ".join(f"« {choice} »" for choice in choices))
        return value

    return parse


def _contract_kind(value: Any) -> str:
    if value != CONTRACT_KIND:
        raise ValueError(f"valeur attendue : « {CONTRACT_KIND} »")
    return value


# --- Blocks whose required fields depend on another field ----------------------------------------
def _training(data: Any) -> ProTraining:
    training = _read_object(data, TRAINING_FIELDS, ProTraining)
    if training.type_qualification == "rncp" and not training.rncp:
        raise InvalidPayload({"rncp": "champ obligatoire pour une qualification RNCP"})
    return training


def _terms(data: Any) -> ProTerms:
    terms = _read_object(data, TERMS_FIELDS, ProTerms)
    if terms.nature == "cdd":
        required = {"date_fin": "champ obligatoire pour un CDD"}
    else:
        required = dict.fromkeys(("action_date_debut", "action_date_fin"), "champ obligatoire pour un CDI")
    missing = {name: message for name, message in required.items() if getattr(terms, name) is None}
    if missing:
        raise InvalidPayload(missing)
    return terms


# --- The payload's schema ---------------------------------------------------------------------------
EMPLOYER_FIELDS = {
    "siret": _required(_identifier(SIRET_MAX)),
    "denomination": _optional(_text),
    "naf": _optional(_text),
    "idcc": _optional(_code),  # an unknown or malformed IDCC is OPCO_RATTACHEMENT's warning
    "effectif": _optional(_integer(0, 10_000_000)),
    "adresse": _optional(_object(ADDRESS_FIELDS, Address)),
    "geiq": _optional(_boolean),
    "courriel": _optional(_email),
}
EMPLOYEE_FIELDS = {
    "nom": _required(_text_up_to(NAME_MAX)),
    "prenom": _required(_text_up_to(NAME_MAX)),
    "date_naissance": _required(_date),
    "situation": _required(_one_of(tuple(SITUATIONS))),
    "diplome_niveau": _required(_integer(0, 8)),
    "nir": _optional(_nir),
    "handicap": _optional(_boolean),
    "inscrit_france_travail_depuis": _optional(_date),
    "diplome_professionnel": _optional(_boolean),
}
# A tutor is stored as an ApprenticeshipMaster row and matched by name and birth date (D6325-9).
TUTOR_FIELDS = {
    "nom": _required(_text_up_to(NAME_MAX)),
    "prenom": _required(_text_up_to(NAME_MAX)),
    "date_naissance": _required(_date),
    "experience_annees": _optional(_at_most(99)),
    "est_employeur": _optional(_boolean),
}
TRAINING_FIELDS = {
    "type_qualification": _required(_one_of(QUALIFICATION_TYPES)),
    "rncp": _optional(_identifier(RNCP_MAX)),
    "intitule": _optional(_text_up_to(TITLE_MAX)),
    "niveau": _optional(_integer(1, 8)),
    "date_debut": _required(_date),
    "date_fin": _required(_date),
    "duree_heures": _required(_at_most(100_000)),
    "accord_branche_au_dela_25": _optional(_boolean),
}
PROVIDER_FIELDS = {
    "siret": _required(_identifier(SIRET_MAX)),
    "denomination": _optional(_text),
    "uai": _optional(_identifier(UAI_MAX)),
    "courriel": _optional(_email),
}
PAY_PERIOD_FIELDS = {"date_debut": _required(_date), "date_fin": _required(_date), "taux": _required(_at_most(Decimal("999.99")))}
TERMS_FIELDS = {
    "nature": _required(_one_of(NATURES)),
    "date_conclusion": _required(_date),
    "date_debut": _required(_date),
    "date_fin": _optional(_date),
    "action_date_debut": _optional(_date),
    "action_date_fin": _optional(_date),
    "accord_branche_duree": _optional(_boolean),
    "duree_hebdo_heures": _optional(_at_most(168)),
    "remunerations": _required(_list_of(_object(PAY_PERIOD_FIELDS, PayPeriod))),
    "salaire_minimum_conventionnel": _optional(_number),
    "salaire_brut_mensuel_embauche": _optional(_number),
}


PAYLOAD_FIELDS = {
    "type_contrat": _required(_contract_kind),
    "employeur": _required(_object(EMPLOYER_FIELDS, ProEmployer)),
    "salarie": _required(_object(EMPLOYEE_FIELDS, Employee)),
    "tuteurs": _required(_list_of(_object(TUTOR_FIELDS, Tutor))),  # may be empty: PRO_TUTEUR refuses it
    "formation": _required(_training),
    "organisme": _required(_object(PROVIDER_FIELDS, Provider)),
    "contrat": _required(_terms),
    "tutorat_mois": _optional(_integer(0, 36)),
    "recu_le": _optional(_date),
    "courriel_deposant": _optional(_email),
}


def parse_pro_payload(data: Any) -> ProContractPayload:
    """The typed payload, or InvalidPayload naming every refused field by its dotted path."""
    refuse_unstorable(data)
    return _read_object(data, PAYLOAD_FIELDS, ProContractPayload)


def pro_payload_without_nir(data: dict) -> dict:
    """A deep copy of the raw payload for storage, without `salarie.nir`."""
    stored = copy.deepcopy(data)
    if isinstance(stored, dict) and isinstance(stored.get("salarie"), dict):
        stored["salarie"].pop("nir", None)
    return stored
