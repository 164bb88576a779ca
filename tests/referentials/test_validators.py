import pytest
from django.core.exceptions import ValidationError

from referentials.validators import (
    is_valid_bic,
    is_valid_iban,
    is_valid_siren,
    is_valid_siret,
    is_valid_uai,
    validate_iban,
    validate_uai,
)


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("35600000009075", True),  # La Poste: sum of digits multiple of 5, not Luhn
        ("44492238900036", True),  # ADEN Formations, Lisieux
        ("356 000 000 09075", True),  # spaces as people type them
        ("44492238900037", False),
        ("4449223890003", False),
        ("ABCDEFGHIJKLMN", False),
        ("81743928200010", False),  # SIRET Luhn passes, SIREN does not (a real bad row of the CCI list)
    ],
)
def test_siret(siret, valid):
    assert is_valid_siret(siret) is valid


def test_siren():
    assert is_valid_siren("356000000")
    assert is_valid_siren("444922389")
    assert not is_valid_siren("444922388")


@pytest.mark.parametrize(
    ("uai", "valid"),
    [
        ("0142321X", True),
        ("0142321x", True),  # lower-case letters are read upper-case
        ("0142321A", False),
        ("0146867D", False),  # a real bad row: the check letter of 0146867 is N
        ("0146867N", True),
        ("014232X", False),
        ("", False),
    ],
)
def test_uai_check_letter(uai, valid):
    assert is_valid_uai(uai) is valid


def test_validate_uai_message_is_french():
    with pytest.raises(ValidationError) as error:
        validate_uai("0142321A")
    assert "n'est pas un UAI valide" in error.value.messages[0]


def test_iban_and_bic():
    assert is_valid_iban("FR7630006000011234567890189")
    assert is_valid_iban("FR76 3000 6000 0112 3456 7890 189")
    assert not is_valid_iban("FR7630006000011234567890188")
    assert is_valid_bic("AGRIFRPP")
    assert not is_valid_bic("AGRIFRP")


def test_iban_error_never_echoes_the_iban():
    with pytest.raises(ValidationError) as error:
        validate_iban("FR7630006000011234567890188")
    assert "30006" not in error.value.messages[0]
