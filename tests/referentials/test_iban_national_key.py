"""An IBAN is checked down to its national account key (the BBAN) wherever it is entered: a French clé
RIB or Spanish check digits that are wrong are refused even when the IBAN's own check digits are right
(otherwise the account passes the entry and fails the SEPA file of a whole payment run). The messages
are French and never repeat the IBAN."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from schwifty import IBAN

from referentials.models import Company, TrainingProvider
from referentials.validators import iban_problem, is_valid_iban, validate_iban
from tests.referentials.factories import CompanyFactory, TrainingProviderFactory

# IBAN check digits recomputed over a wrong national key: the IBAN itself is consistent, its BBAN is not.
FR_GOOD = "FR7630006000011234567890189"
FR_BAD_RIB_KEY = IBAN.from_bban("FR", "30006000011234567890188").compact  # clé RIB 88 instead of 89
ES_GOOD = "ES9121000418450200051332"
ES_BAD_CHECK_DIGITS = IBAN.from_bban("ES", "21000418460200051332").compact  # DC 46 instead of 45


def test_the_iban_check_digits_alone_pass_for_the_bad_national_keys():
    # What the audit found: schwifty without BBAN validation lets these through.
    IBAN(FR_BAD_RIB_KEY)
    IBAN(ES_BAD_CHECK_DIGITS)


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        (FR_GOOD, True),
        ("fr76 3000 6000 0112 3456 7890 189", True),  # as people type it
        (FR_BAD_RIB_KEY, False),
        ("FR1420041010050500013M02606", True),  # letters in the account number count in the clé RIB
        (IBAN.from_bban("FR", "20041010050500013M02607").compact, False),
        (ES_GOOD, True),
        (ES_BAD_CHECK_DIGITS, False),
        ("DE89370400440532013000", True),
        ("", False),
    ],
)
def test_the_national_key_is_checked(iban, valid):
    assert is_valid_iban(iban) is valid


def test_the_reason_names_the_national_key_in_french_without_the_iban():
    for bad in (FR_BAD_RIB_KEY, ES_BAD_CHECK_DIGITS):
        with pytest.raises(ValidationError) as refused:
            validate_iban(bad)
        message = refused.value.messages[0]
        assert message == "IBAN invalide : la clé nationale du compte (clé RIB en France) est fausse."
        assert bad not in message and bad[4:14] not in message
    assert iban_problem(FR_GOOD) is None
    assert iban_problem("FR7630006000011234567890188") == "IBAN invalide : la clé de contrôle de l'IBAN est fausse."
    assert iban_problem("FR76300060000112345678901") == "IBAN invalide : sa longueur ne correspond pas à son pays."


@pytest.mark.django_db
@pytest.mark.parametrize("model", [TrainingProvider, Company])
def test_the_referential_forms_refuse_a_wrong_cle_rib(model):
    factory = TrainingProviderFactory if model is TrainingProvider else CompanyFactory
    party = factory()
    form_class = modelform_factory(model, fields=["iban", "bic"])

    refused = form_class(data={"iban": FR_BAD_RIB_KEY, "bic": "AGRIFRPP"}, instance=party)
    assert not refused.is_valid()
    assert refused.errors["iban"] == ["IBAN invalide : la clé nationale du compte (clé RIB en France) est fausse."]
    assert FR_BAD_RIB_KEY not in str(refused.errors)

    party.iban = ES_BAD_CHECK_DIGITS
    with pytest.raises(ValidationError) as caught:
        party.full_clean()
    assert "iban" in caught.value.message_dict
    assert form_class(data={"iban": FR_GOOD, "bic": "AGRIFRPP"}, instance=party).is_valid()
