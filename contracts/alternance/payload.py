"""The deposit payload of an apprenticeship contract (CHECKS.md « The deposit payload »).

`parse_contract_payload` turns the JSON object into frozen dataclasses whose fields carry the
payload's own (French, CERFA FA13) keys, or raises `InvalidPayload` with a French message per
dotted field path (`contrat.date_debut`, `maitres_apprentissage[1].date_naissance`). Only the shape
is checked here (required fields, types, real dates, a valid NIR, texts no longer than the file's
columns, no NUL character); the rules are `contracts.alternance.checks`. The staff form, the API and
the bulk import all deposit through `contract_deposit`, which parses first: one refusal at every door,
and nothing is ever cut to fit.
Keys the checks do not read are ignored here and kept in the raw payload, stored without the NIR
(`payload_without_nir`).
"""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from stdnum.fr import nir as stdnum_nir

from opco.api.bodies import grouped, json_problems
from referentials.validators import normalize_identifier

# Far above any amount, hour count or rate; bounds the digits Decimal handles (« 1e30 » is refused).
MAX_NUMBER = Decimal("10000000")
# Dates far from any contract are refused: the checks add years and months to them.
FIRST_YEAR, LAST_YEAR = 1900, 2199
AGE_DEROGATIONS = ("diplome_superieur", "rupture_independante")  # L6222-2 1° and 2°
# A text the file keeps in no column of its own still stays in the stored payload: bounded all the same.
TEXT_MAX = 255
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidPayload(ValueError):
    """A refused payload; `errors` maps each dotted field path to its French message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ; ".join(f"{path} : {message}" for path, message in errors.items()))


# --- The payload, block by block ------------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    numero: str = ""
    voie: str = ""
    code_postal: str = ""
    commune: str = ""


@dataclass(frozen=True)
class Employer:
    siret: str
    denomination: str = ""
    naf: str = ""
    idcc: str = ""
    effectif: int | None = None
    adresse: Address | None = None
    courriel: str = ""  # CERFA « courriel » of the employer: where the OPCO's letters go


@dataclass(frozen=True)
class Apprentice:
    date_naissance: date
    nom: str = ""
    prenom: str = ""
    # Kept for the contract's own column, never shown: out of repr so that it cannot reach a log.
    nir: str | None = field(default=None, repr=False)
    handicap: bool = False
    premier_cycle_acheve: bool = False
    projet_creation_reprise_entreprise: bool = False
    sportif_haut_niveau: bool = False
    derogation_age: str | None = None
    precedent_contrat_fin: date | None = None


@dataclass(frozen=True)
class Master:
    nom: str = ""
    prenom: str = ""
    date_naissance: date | None = None
    diplome_niveau: int | None = None
    diplome_meme_domaine: bool = False
    experience_annees: Decimal = Decimal(0)


@dataclass(frozen=True)
class Training:
    rncp: str
    niveau: int
    date_debut: date
    duree_heures: Decimal
    code_diplome: str = ""
    intitule: str = ""
    date_fin: date | None = None
    distance_pct: Decimal = Decimal(0)


@dataclass(frozen=True)
class Cfa:
    siret: str
    uai: str
    denomination: str = ""
    qualiopi: bool = False
    declaration_activite_date: date | None = None
    courriel: str = ""  # where the payment advices go


@dataclass(frozen=True)
class PayPeriod:
    date_debut: date
    date_fin: date
    taux: Decimal  # percent of the SMIC


@dataclass(frozen=True)
class ContractTerms:
    date_conclusion: date
    date_debut: date
    date_fin: date
    date_debut_formation_pratique: date
    remunerations: tuple[PayPeriod, ...]
    duree_hebdo_heures: Decimal | None = None
    salaire_brut_mensuel_embauche: Decimal | None = None
    # The position in the branch's grid (CERFA « classification de l'emploi dans la convention
    # collective », « coefficient hiérarchique »): from 21 its conventional minimum may be the base.
    classification: str = ""
    coefficient: str = ""


@dataclass(frozen=True)
class ContractPayload:
    employeur: Employer
    apprenti: Apprentice
    maitres_apprentissage: tuple[Master, ...]
    formation: Training
    cfa: Cfa
    contrat: ContractTerms
    type_contrat: str = ""
    recu_le: date | None = None
    courriel_deposant: str = ""  # who sent the file (the OPCO answers there)


# --- Field parsers: a value in, a typed value out, or ValueError with the French reason ----------
def _at_most_chars(limit: int, length: int) -> None:
    if length > limit:
        raise ValueError(f"{limit} caractères au plus (ici {grouped(length)})")


def _text(value: Any, limit: int = TEXT_MAX) -> str:
    """A text of at most `limit` characters as given: the deposit stores it as it comes, never cut."""
    if not isinstance(value, str):
        raise ValueError("une chaîne de caractères est attendue")
    _at_most_chars(limit, len(value))
    return value.strip()


def _email(value: Any) -> str:
    """An e-mail address, checked as Django's EmailField checks it."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = _text(value, 254)
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(f"« {text} » n'est pas une adresse électronique valide") from None
    return text


def _coefficient(value: Any) -> str:
    """A grid coefficient, written as a text (« 150 », « 2.3 ») or a whole number (150)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _text(value, 32)


def _text_up_to(limit: int) -> Callable[[Any], str]:
    """A text its column holds (`apprenti.nom` → 150 characters)."""
    return lambda value: _text(value, limit)


def _identifier(limit: int) -> Callable[[Any], str]:
    """An identifier people type with spaces or dots (SIRET, UAI, RNCP), counted as stored: without them."""

    def parse(value: Any) -> str:
        text = _text(value)
        _at_most_chars(limit, len(normalize_identifier(text)))
        return text

    return parse


def _code(value: Any, limit: int = 16) -> str:
    """A code that may come as a number (IDCC, type de contrat)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("un code (chaîne ou nombre entier) est attendu")
    if isinstance(value, int) and abs(value) >= 10**limit:
        raise ValueError(f"{limit} caractères au plus")
    code = str(value)
    _at_most_chars(limit, len(code))
    return code.strip()


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE_RE.match(value):
        raise ValueError("une date au format AAAA-MM-JJ est attendue")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"« {value} » n'est pas une date valide (AAAA-MM-JJ)")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"« {value} » est hors de la période admise (années {FIRST_YEAR} à {LAST_YEAR})")
    return day


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true ou false est attendu")
    return value


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("un nombre entier est attendu")
        if not low <= value <= high:
            raise ValueError(f"un entier de {low} à {high} est attendu")
        return value

    return parse


def _number(value: Any) -> Decimal:
    """An amount, a rate or a count of hours or years: a JSON number or a string, read as Decimal
    from its text (never through a binary float), not negative."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("un nombre est attendu (nombre ou chaîne)")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"« {value} » n'est pas un nombre")
    if not number.is_finite():
        raise ValueError(f"« {value} » n'est pas un nombre")
    if number < 0:
        raise ValueError("le nombre ne peut pas être négatif")
    if number > MAX_NUMBER:
        raise ValueError("nombre trop grand")
    return number


def _at_most(high: Decimal | int) -> Callable[[Any], Decimal]:
    """A number (as `_number`) no greater than `high`: what the file's columns can hold."""

    def parse(value: Any) -> Decimal:
        number = _number(value)
        if number > high:
            raise ValueError(f"valeur trop grande ({high} au plus)")
        return number

    return parse


def _contract_type(value: Any) -> str:
    code = _code(value)
    if len(code) > 2:
        raise ValueError("un code de 2 caractères est attendu (CERFA FA13)")
    return code


def _nir(value: Any) -> str:
    # The value is never echoed back: a NIR appears in no message and no log.
    if not isinstance(value, str):
        raise ValueError("le NIR doit être une chaîne de caractères")
    if not stdnum_nir.is_valid(value):
        raise ValueError("NIR invalide : 15 caractères attendus, dont une clé de contrôle exacte")
    return stdnum_nir.compact(value)


def _age_derogation(value: Any) -> str:
    if value not in AGE_DEROGATIONS:
        raise ValueError("valeur attendue : null, « diplome_superieur » ou « rupture_independante »")
    return value


# --- Objects and lists: errors of their fields come back prefixed with the field's path -----------
@dataclass(frozen=True)
class _Field:
    parse: Callable[[Any], Any]
    required: bool = False


def _required(parse: Callable[[Any], Any]) -> _Field:
    return _Field(parse, required=True)


def _optional(parse: Callable[[Any], Any]) -> _Field:
    return _Field(parse)


def _child_path(name: str, sub_path: str) -> str:
    return f"{name}{sub_path}" if sub_path.startswith("[") else f"{name}.{sub_path}"


def _read_object(data: Any, fields: dict[str, _Field], build: Callable[..., Any]) -> Any:
    """Read the declared fields of a JSON object (null counts as absent) and build the dataclass."""
    if not isinstance(data, dict):
        raise ValueError("un objet JSON est attendu")
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in fields.items():
        value = data.get(name)
        if value is None:
            if spec.required:
                errors[name] = "champ obligatoire"
            continue
        try:
            values[name] = spec.parse(value)
        except InvalidPayload as exc:
            errors.update({_child_path(name, sub): message for sub, message in exc.errors.items()})
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidPayload(errors)
    return build(**values)


def _object(fields: dict[str, _Field], build: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda data: _read_object(data, fields, build)


def _list_of(parse_item: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    def parse(value: Any) -> tuple:
        if not isinstance(value, list):
            raise ValueError("une liste est attendue")
        items, errors = [], {}
        for index, item in enumerate(value):
            try:
                items.append(parse_item(item))
            except InvalidPayload as exc:
                errors.update({f"[{index}].{sub}": message for sub, message in exc.errors.items()})
            except ValueError as exc:
                errors[f"[{index}]"] = str(exc)
        if errors:
            raise InvalidPayload(errors)
        return tuple(items)

    return parse


# --- The payload's schema: required fields as CHECKS.md lists them -------------------------------
# Lengths are the columns' (contracts.models, referentials.models.Company): the file keeps what it was sent.
NAME_MAX = 150
SIRET_MAX, UAI_MAX, RNCP_MAX = 14, 8, 16
TITLE_MAX = 500
ADDRESS_FIELDS = {
    "numero": _optional(_text_up_to(16)),
    "voie": _optional(_text_up_to(238)),  # « numéro voie » is the company's address, 255 characters
    "code_postal": _optional(_text_up_to(5)),
    "commune": _optional(_text_up_to(128)),
}
EMPLOYER_FIELDS = {
    "siret": _required(_identifier(SIRET_MAX)),
    "denomination": _optional(_text),
    "naf": _optional(_text),
    "idcc": _optional(_code),  # an unknown or malformed IDCC is OPCO_RATTACHEMENT's warning
    "effectif": _optional(_integer(0, 10_000_000)),
    "adresse": _optional(_object(ADDRESS_FIELDS, Address)),
    "courriel": _optional(_email),
}
APPRENTICE_FIELDS = {
    "date_naissance": _required(_date),
    "nom": _optional(_text_up_to(NAME_MAX)),
    "prenom": _optional(_text_up_to(NAME_MAX)),
    "nir": _optional(_nir),
    "handicap": _optional(_boolean),
    "premier_cycle_acheve": _optional(_boolean),
    "projet_creation_reprise_entreprise": _optional(_boolean),
    "sportif_haut_niveau": _optional(_boolean),
    "derogation_age": _optional(_age_derogation),
    "precedent_contrat_fin": _optional(_date),
}
MASTER_FIELDS = {
    "nom": _optional(_text_up_to(NAME_MAX)),
    "prenom": _optional(_text_up_to(NAME_MAX)),
    "date_naissance": _optional(_date),
    "diplome_niveau": _optional(_integer(1, 8)),
    "diplome_meme_domaine": _optional(_boolean),
    "experience_annees": _optional(_at_most(99)),
}
TRAINING_FIELDS = {
    "rncp": _required(_identifier(RNCP_MAX)),
    "niveau": _required(_integer(1, 8)),
    "date_debut": _required(_date),
    "duree_heures": _required(_at_most(100_000)),
    "code_diplome": _optional(_text_up_to(8)),
    "intitule": _optional(_text_up_to(TITLE_MAX)),
    "date_fin": _optional(_date),
    "distance_pct": _optional(_at_most(100)),
}
CFA_FIELDS = {
    "siret": _required(_identifier(SIRET_MAX)),
    "uai": _required(_identifier(UAI_MAX)),
    "denomination": _optional(_text),
    "qualiopi": _optional(_boolean),
    "declaration_activite_date": _optional(_date),
    "courriel": _optional(_email),
}
# A period is its bounds and its rate: all three are needed to place it and to check it.
PAY_PERIOD_FIELDS = {"date_debut": _required(_date), "date_fin": _required(_date), "taux": _required(_at_most(Decimal("999.99")))}
CONTRACT_FIELDS = {
    "date_conclusion": _required(_date),
    "date_debut": _required(_date),
    "date_fin": _required(_date),
    "date_debut_formation_pratique": _required(_date),
    "remunerations": _required(_list_of(_object(PAY_PERIOD_FIELDS, PayPeriod))),
    "duree_hebdo_heures": _optional(_at_most(168)),
    "salaire_brut_mensuel_embauche": _optional(_number),
    "classification": _optional(_text_up_to(120)),
    "coefficient": _optional(_coefficient),
}
PAYLOAD_FIELDS = {
    "employeur": _required(_object(EMPLOYER_FIELDS, Employer)),
    "apprenti": _required(_object(APPRENTICE_FIELDS, Apprentice)),
    "maitres_apprentissage": _required(_list_of(_object(MASTER_FIELDS, Master))),
    "formation": _required(_object(TRAINING_FIELDS, Training)),
    "cfa": _required(_object(CFA_FIELDS, Cfa)),
    "contrat": _required(_object(CONTRACT_FIELDS, ContractTerms)),
    "type_contrat": _optional(_contract_type),
    "recu_le": _optional(_date),
    "courriel_deposant": _optional(_email),
}


def refuse_unstorable(data: Any) -> None:
    """NUL characters (PostgreSQL stores them neither in text nor in jsonb), lone surrogates and deep
    nesting, anywhere in the raw payload — keys the checks do not read included, as it is stored whole."""
    if not isinstance(data, dict):
        raise InvalidPayload({"payload": "un objet JSON est attendu"})
    problems = json_problems(data)
    if problems:
        raise InvalidPayload(problems)


def parse_contract_payload(data: Any) -> ContractPayload:
    """The typed payload, or InvalidPayload naming every refused field."""
    refuse_unstorable(data)
    return _read_object(data, PAYLOAD_FIELDS, ContractPayload)


def payload_without_nir(data: dict) -> dict:
    """A deep copy of the raw payload for storage, without `apprenti.nir`."""
    stored = copy.deepcopy(data)
    if isinstance(stored, dict) and isinstance(stored.get("apprenti"), dict):
        stored["apprenti"].pop("nir", None)
    return stored
