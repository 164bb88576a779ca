"""OPCO_RATTACHEMENT against the company referential: files are scoped by the IDCC of the employer's
company (opco.scoping), so an IDCC typed in the payload that differs from the referential's is a
warning naming both; when they agree, or the referential has no IDCC or no company for the SIRET,
the check answers as before (tests/contracts/test_checks.py)."""

from datetime import date

import pytest

from contracts.alternance.checks import run_checks
from contracts.alternance.payload import parse_contract_payload
from contracts.alternance.reference_cache import reference_cache
from referentials.models import Idcc
from tests.contracts.factories import base, changed
from tests.referentials.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 9, 2)
EMPLOYER_SIRET = "00123456600014"  # the employer of base()
BAKERY_OK = (
    "IDCC 0843 (Boulangerie-pâtisserie (entreprises artisanales)) : branche « Boulangerie-pâtisserie (entreprises "
    "artisanales) » de l'OPCO entreprises de proximité."
)


@pytest.fixture
def payload() -> dict:
    """The contract of tests/contracts (employer in IDCC 0843, a branch of this OPCO), received the day after it starts."""
    return {**base(), "recu_le": "2025-09-02"}


@pytest.fixture
def branches(load):
    load("idcc", "branches")


def employer_in_referential(idcc_code: str | None):
    return CompanyFactory(siret=EMPLOYER_SIRET, idcc=Idcc.objects.get(code=idcc_code) if idcc_code else None)


def rattachement(data: dict):
    report = run_checks(parse_contract_payload(data), today=TODAY)
    return next(check for check in report.checks if check.code == "OPCO_RATTACHEMENT")


def test_a_typed_idcc_of_the_opco_that_differs_from_the_referential_is_a_warning_naming_both(payload, branches):
    employer_in_referential("1090")  # Services de l'automobile, OPCO Mobilité
    check = rattachement(payload)  # typed: 0843, a branch of this OPCO
    assert check.status == "warning"
    assert check.message.startswith(
        "L'IDCC déclaré (0843) diffère de celui de l'employeur au référentiel des entreprises (1090, Services de l'automobile"
    )
    assert "rattachement à vérifier (R6332-23-1)" in check.message
    assert check.message.endswith(BAKERY_OK)  # what the typed IDCC itself gives, unchanged


def test_a_typed_idcc_of_another_opco_that_differs_from_the_referential_is_a_warning_naming_both(payload, branches):
    employer_in_referential("0843")
    check = rattachement(changed(payload, {"employeur.idcc": "1090"}))
    assert check.status == "warning"
    assert "L'IDCC déclaré (1090) diffère" in check.message and "(0843, Boulangerie-pâtisserie" in check.message
    assert check.message.endswith("relève d'un autre OPCO : OPCO Mobilité. Rattachement à vérifier (R6332-23-1).")


def test_an_unknown_typed_idcc_that_differs_from_the_referential_is_a_warning_naming_both(payload, branches):
    employer_in_referential("0843")
    check = rattachement(changed(payload, {"employeur.idcc": "7777"}))
    assert check.status == "warning"
    assert "L'IDCC déclaré (7777) diffère" in check.message and "(0843, Boulangerie-pâtisserie" in check.message
    assert "L'IDCC 7777 est inconnu du référentiel des conventions collectives" in check.message


@pytest.mark.parametrize("typed", ["0843", "843", 843])
def test_a_typed_idcc_equal_to_the_referential_answers_as_before(payload, branches, typed):
    employer_in_referential("0843")
    check = rattachement(changed(payload, {"employeur.idcc": typed}))
    assert (check.status, check.message) == ("ok", BAKERY_OK)


def test_a_company_without_an_idcc_in_the_referential_answers_as_before(payload, branches):
    employer_in_referential(None)
    check = rattachement(payload)
    assert (check.status, check.message) == ("ok", BAKERY_OK)


def test_an_employer_missing_from_the_referential_answers_as_before(payload, branches):
    check = rattachement(payload)
    assert (check.status, check.message) == ("ok", BAKERY_OK)


@pytest.mark.parametrize(
    ("typed", "words"), [("", "L'IDCC de l'employeur n'est pas renseigné"), ("AB", "« AB » n'est pas un IDCC (4 chiffres)")]
)
def test_a_missing_or_malformed_typed_idcc_keeps_its_own_warning(payload, branches, typed, words):
    employer_in_referential("1090")
    check = rattachement(changed(payload, {"employeur.idcc": typed}))
    assert check.status == "warning" and check.message.startswith(words) and "diffère" not in check.message


def test_a_bulk_import_compares_with_the_referential_too(payload, branches):
    employer_in_referential("1090")
    with reference_cache():
        first, second = rattachement(payload), rattachement(payload)
    assert first.status == second.status == "warning"
    assert first.message == second.message and "(1090, Services de l'automobile" in first.message


def test_the_employer_is_found_in_the_referential_by_its_siret_as_people_type_it(payload, branches):
    employer_in_referential("1090")
    check = rattachement(changed(payload, {"employeur.siret": "001 234 566 00014"}))
    assert check.status == "warning" and "(1090, Services de l'automobile" in check.message
