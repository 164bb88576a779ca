"""Identifier rules, real ones: SIRET/SIREN (python-stdnum, La Poste's exception included), UAI with
its check letter, IBAN/BIC (schwifty). Each `is_valid_*` answers a bool; each `validate_*` raises a
French ValidationError for model fields and forms."""

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
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


def is_valid_iban(value: str) -> bool:
    try:
        IBAN(value)
    except SchwiftyException:
        return False
    return True


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
    if not is_valid_iban(value):
        # The value is not echoed back: an IBAN never appears in messages or logs.
        raise ValidationError("IBAN invalide : vérifiez le pays, la clé et la longueur.")


def validate_bic(value: str) -> None:
    if not is_valid_bic(value):
        raise ValidationError("« %(value)s » n'est pas un BIC valide.", params={"value": value})
