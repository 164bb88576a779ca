"""Where an IBAN enters payments (the correction of a flagged account, a mission handing a beneficiary
over), a wrong national account key (French clé RIB, Spanish check digits) is refused like a wrong IBAN
check digit, in French and without the IBAN in the message."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from schwifty import IBAN

from payments.models import BeneficiaryAccount
from payments.services import Beneficiary, beneficiary_account_correct
from tests.payments.factories import make_account, make_line

pytestmark = pytest.mark.django_db

BAD_RIB_KEY = IBAN.from_bban("FR", "30004000031234567890144").compact  # clé RIB 44 instead of 43
BAD_SPANISH_DIGITS = IBAN.from_bban("ES", "21000418460200051332").compact
KEY_MESSAGE = "IBAN invalide : la clé nationale du compte (clé RIB en France) est fausse."


def test_the_correction_service_refuses_a_wrong_cle_rib_and_changes_nothing(finance):
    account = make_account("CFA de Rouen", blocked=True)
    before = BeneficiaryAccount.objects.filter(pk=account.pk).values_list("iban", "bic", "blocked").get()

    for bad in (BAD_RIB_KEY, BAD_SPANISH_DIGITS):
        with pytest.raises(ValidationError) as refused:
            beneficiary_account_correct(actor=finance, account_id=account.pk, iban=bad, bic="BNPAFRPP")
        assert refused.value.message_dict == {"iban": [KEY_MESSAGE]}

    assert BeneficiaryAccount.objects.filter(pk=account.pk).values_list("iban", "bic", "blocked").get() == before


def test_the_correction_screen_shows_the_reason_without_the_iban(client, finance):
    account = make_account("CFA de Rouen", blocked=True)
    make_line(account, "400.00")
    client.force_login(finance)
    prefix = f"a{account.pk}"

    response = client.post(
        reverse("payments:account_correct", args=[account.pk]), {f"{prefix}-iban": BAD_RIB_KEY, f"{prefix}-bic": "BNPAFRPP"}
    )

    [form] = [form for row, form in response.context["rows"] if row.pk == account.pk]
    assert form.errors == {"iban": [KEY_MESSAGE]}
    # The IBAN is only given back in the field being corrected (what was typed), never in the messages.
    body = response.content.decode()
    assert body.count(BAD_RIB_KEY[4:]) == 1 and f'value="{BAD_RIB_KEY}"' in body
    assert BeneficiaryAccount.objects.get(pk=account.pk).blocked is True


def test_a_beneficiary_with_a_wrong_cle_rib_cannot_be_handed_over():
    beneficiary = Beneficiary(
        kind="cfa",
        identifier="44492238900036",
        name="CFA des Métiers",
        address="3 rue des Écoles",
        postal_code="14000",
        town="Caen",
        iban=BAD_RIB_KEY,
    )
    assert beneficiary.problems() == ["IBAN absent ou invalide"]
