"""Identifier rules, real ones: SIRET/SIREN (python-stdnum, La Poste's exception included), UAI with
its check letter, IBAN/BIC (schwifty). Each `is_valid_*` answers a bool; each `validate_*` raises a
French ValidationError for model fields and forms.

An IBAN is checked down to its national account key (`validate_bban`: the French clé RIB, the Spanish
check digits, …), as the SEPA file builder checks it: an IBAN whose own check digits are right but whose
clé RIB is wrong would pass the entry and then fail the file of a whole payment run."""

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

# The UAI check letter: the 7 leading characters as a number, modulo 23, in this alphabet
# (no I, O, Q). Source: Éducation nationale, Répertoire national des établissements (RNE).
UAI_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI_RE = re.compile(r"^\d{7}[A-Z]$")


def normalize_identifier(value: str | None) -> str:
    """Identifiers as people type them: spaces and dots removed, letters upper-cased."""
    return re.sub(r"[\s.]", "", value or "").upper()


def is_valid_siret(value: str) -> bool:
    return stdnum_siret.is_valid(normalize_identifier(value))


def is_valid_siren(value: str) -> bool:
    return stdnum_siren.is_valid(normalize_identifier(value))


def is_valid_uai(value: str) -> bool:
    uai = normalize_identifier(value)
    return bool(_UAI_RE.match(uai)) and UAI_CHECK_LETTERS[int(uai[:7]) % 23] == uai[7]


# What is wrong with an IBAN, in French; never the IBAN itself (DESIGN.md, security baseline).
IBAN_INVALID = "IBAN invalide : vérifiez le pays, la clé et la longueur."
_IBAN_PROBLEMS = (
    (InvalidBBANChecksum, "IBAN invalide : la clé nationale du compte (clé RIB en France) est fausse."),
    (InvalidChecksumDigits, "IBAN invalide : la clé de contrôle de l'IBAN est fausse."),
    (InvalidLength, "IBAN invalide : sa longueur ne correspond pas à son pays."),
    (InvalidCountryCode, "IBAN invalide : pays inconnu."),
)


def iban_problem(value: str | None) -> str | None:
    """None when `value` is a valid IBAN, national account key included; else the French reason."""
    if not value or not value.strip():
        return "IBAN absent."
    try:
        IBAN(value, validate_bban=True)
    except SchwiftyException as error:
        return next((message for kind, message in _IBAN_PROBLEMS if isinstance(error, kind)), IBAN_INVALID)
    return None


def is_valid_iban(value: str) -> bool:
    return iban_problem(value) is None


def is_valid_bic(value: str) -> bool:
    try:
        BIC(value)
    except SchwiftyException:
        return False
    return True


def validate_siret(value: str) -> None:
    if not is_valid_siret(value):
        raise ValidationError("« %(value)s » n'est pas un SIRET valide (14 chiffres, clé de contrôle).", params={"value": value})


def validate_siren(value: str) -> None:
    if not is_valid_siren(value):
        raise ValidationError("« %(value)s » n'est pas un SIREN valide (9 chiffres, clé de contrôle).", params={"value": value})


def validate_uai(value: str) -> None:
    if not is_valid_uai(value):
        raise ValidationError(
            "« %(value)s » n'est pas un UAI valide (7 caractères et une lettre de contrôle).", params={"value": value}
        )


def validate_iban(value: str) -> None:
    problem = iban_problem(value)
    if problem:
        # The value is not echoed back: an IBAN never appears in messages or logs.
        raise ValidationError(problem)


def validate_bic(value: str) -> None:
    if not is_valid_bic(value):
        raise ValidationError("« %(value)s » n'est pas un BIC valide.", params={"value": value})
