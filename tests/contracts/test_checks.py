"""The instruction checks of CHECKS.md: each code passes and fails at its boundary, then the three
doors (the service, the command, the API) with their refusals; nothing is ever stored."""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from contracts.alternance.checks import CHECKS, PayMinimum, age_on, check_contract_data, last_deposit_day, run_checks
from contracts.alternance.payload import parse_contract_payload
from contracts.enums import ContractStatus, OppositionKind
from contracts.models import ApprenticeshipContract, EmployerOpposition
from referentials.enums import HolidayZone
from tests.contracts.factories import CFA_SIRET, DROP, VALID_NIR, base, changed, contract_with_master
from tests.referentials.factories import CompanyFactory

pytestmark = pytest.mark.django_db

CODES = [code for code, _ in CHECKS]
TODAY = date(2025, 9, 2)
EMPLOYER_SIRET = "00123456600014"  # tests.referentials.factories.valid_siret(123456): both Luhn keys
TOO_YOUNG = {"apprenti.date_naissance": "2010-09-01", "apprenti.premier_cycle_acheve": False}  # 15, no collège


@pytest.fixture
def payload() -> dict:
    """A contract that passes every check once the referentials are loaded: employer in IDCC 0843
    (OPCO EP), apprentice 18 at the start, two years paid 43 % then 51 %, CS Employé traiteur,
    received the day after the start."""
    return {**base(), "recu_le": "2025-09-02"}


@pytest.fixture(autouse=True)
def smic(load):
    """The SMIC history: REMUNERATION compares the declared salary with it."""
    load("legal_parameters")


@pytest.fixture
def referentials(load):
    load("certifications", "idcc", "branches", "holidays")


def result(data: dict, code: str, *, today: date = TODAY, exclude_contract_id: int | None = None):
    report = run_checks(parse_contract_payload(data), today=today, exclude_contract_id=exclude_contract_id)
    return next(check for check in report.checks if check.code == code)


def status(data: dict, code: str, **options) -> str:
    return result(data, code, **options).status.value


def pay(*periods: tuple[str, str, object]) -> list[dict]:
    return [{"date_debut": first, "date_fin": last, "taux": rate} for first, last, rate in periods]


# --- The whole report -----------------------------------------------------------------------------
def test_the_base_payload_passes_every_check_in_the_order_of_the_table(payload, referentials):
    report = run_checks(parse_contract_payload(payload), today=TODAY)
    assert [check.code for check in report.checks] == CODES
    assert CODES == [
        "EMPLOYEUR_SIRET",
        "CFA_SIRET",
        "CFA_UAI",
        "CFA_QUALIOPI",
        "CERTIFICATION",
        "AGE",
        "DUREE",
        "DATES",
        "FORMATION_DUREE",
        "REMUNERATION",
        "MAITRE",
        "OPCO_RATTACHEMENT",
        "EMPLOYEUR_OPPOSITION",
        "DEPOT_DELAI",
    ]
    assert {check.code: check.status.value for check in report.checks} == dict.fromkeys(CODES, "ok")
    assert report.eligible is True
    assert all(check.message for check in report.checks)


def test_as_dict_has_exactly_eligible_and_the_checks(payload, referentials):
    output = run_checks(parse_contract_payload(payload), today=TODAY).as_dict()
    assert set(output) == {"eligible", "checks"}
    assert all(set(check) == {"code", "status", "message"} for check in output["checks"])
    assert json.loads(json.dumps(output)) == output


def test_a_warning_keeps_the_contract_eligible_an_error_does_not(payload, referentials):
    warned = run_checks(parse_contract_payload(changed(payload, {"employeur.idcc": "1090"})), today=TODAY)
    assert [c.code for c in warned.checks if c.status != "ok"] == ["OPCO_RATTACHEMENT"] and warned.eligible
    failed = run_checks(parse_contract_payload(changed(payload, TOO_YOUNG)), today=TODAY)
    assert [c.code for c in failed.checks if c.status != "ok"] == ["AGE"] and not failed.eligible


# --- EMPLOYEUR_SIRET, CFA_SIRET ---------------------------------------------------------------------
@pytest.mark.parametrize(("path", "code"), [("employeur.siret", "EMPLOYEUR_SIRET"), ("cfa.siret", "CFA_SIRET")])
@pytest.mark.parametrize(
    ("siret", "expected"),
    [
        ("44492238900036", "ok"),
        ("00123456600014", "ok"),
        ("35600000000001", "ok"),  # La Poste: digit sum 15, a multiple of 5 (no Luhn key)
        ("35600000000002", "error"),  # La Poste: digit sum 16
        ("44492238900037", "error"),  # Luhn key wrong
        ("4449223890003", "error"),  # 13 digits
        # 15 digits: the file cannot hold it, refused before the checks (tests/contracts/test_payload_limits.py)
        ("444 922 389 00036", "error"),  # exactly 14 digits, nothing else
        ("4449223890003A", "error"),
    ],
)
def test_siret_rules(payload, path, code, siret, expected):
    assert status(changed(payload, {path: siret}), code) == expected


def test_siret_messages_name_the_value(payload):
    assert result(changed(payload, {"cfa.siret": "44492238900037"}), "CFA_SIRET").message == (
        "Le SIRET du CFA « 44492238900037 » a une clé de contrôle invalide."
    )
    assert result(changed(payload, {"employeur.siret": "4449223890003"}), "EMPLOYEUR_SIRET").message == (
        "Le SIRET de l'employeur « 4449223890003 » doit compter exactement 14 chiffres."
    )


# --- CFA_UAI ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uai", "expected"),
    [("0142321X", "ok"), ("0142321A", "error"), ("142321X", "error"), ("0142321x", "error"), ("01423210", "error")],
)
def test_uai_rule(payload, uai, expected):
    assert status(changed(payload, {"cfa.uai": uai}), "CFA_UAI") == expected


def test_uai_message_gives_the_expected_letter(payload):
    message = result(changed(payload, {"cfa.uai": "0142321A"}), "CFA_UAI").message
    assert message == "L'UAI du CFA « 0142321A » a une lettre de contrôle fausse : « X » est attendue après 0142321."


# --- CFA_QUALIOPI -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("qualiopi", "declared", "expected"),
    [
        (True, None, "ok"),
        (True, "2025-08-01", "ok"),
        (False, "2025-03-02", "warning"),  # start 2025-09-01 < 2025-03-02 + 6 months
        (DROP, "2025-03-02", "warning"),
        (False, "2025-03-01", "error"),  # start = declaration + 6 months: the grace period is over
        (False, "2020-01-01", "error"),
        (False, None, "error"),
        (DROP, DROP, "error"),
    ],
)
def test_qualiopi_rule(payload, qualiopi, declared, expected):
    data = changed(payload, {"cfa.qualiopi": qualiopi, "cfa.declaration_activite_date": declared})
    assert status(data, "CFA_QUALIOPI") == expected


def test_qualiopi_messages_give_the_dates(payload):
    data = changed(payload, {"cfa.qualiopi": False, "cfa.declaration_activite_date": "2025-03-02"})
    assert "déclaré le 02/03/2025" in result(data, "CFA_QUALIOPI").message
    assert "jusqu'au 01/09/2025" in result(data, "CFA_QUALIOPI").message
    data = changed(payload, {"cfa.qualiopi": False, "cfa.declaration_activite_date": "2025-03-01"})
    assert "fin le 31/08/2025" in result(data, "CFA_QUALIOPI").message


# --- CERTIFICATION ----------------------------------------------------------------------------------
@pytest.fixture
def certifications(load):
    load("certifications")


def test_certification_in_the_kit_open_and_valid(payload, certifications):
    check = result(payload, "CERTIFICATION")
    assert check.status == "ok"
    assert check.message == "Fiche RNCP37566 (CS - Employé traiteur, niveau 3) ouverte à l'apprentissage, échéance le 31/08/2026."


@pytest.mark.parametrize("rncp", ["37566", "rncp37566", "RNCP1", "RNCP1234567", "RNCP 37566", "RNCP37566A"])
def test_certification_code_must_have_the_rncp_form(payload, certifications, rncp):
    check = result(changed(payload, {"formation.rncp": rncp}), "CERTIFICATION")
    assert check.status == "error" and f"« {rncp} » n'est pas un code de fiche RNCP" in check.message


def test_certification_unknown_to_the_kit(payload, certifications):
    check = result(changed(payload, {"formation.rncp": "RNCP999999"}), "CERTIFICATION")
    assert check.status == "error"
    assert check.message == "La fiche RNCP999999 est absente du référentiel des certifications (Kit apprentissage)."


def test_certification_not_open_to_apprenticeship(payload, certifications):
    check = result(changed(payload, {"formation.rncp": "RNCP36437"}), "CERTIFICATION")
    assert check.status == "error"
    assert check.message == "La fiche RNCP36437 n'est pas ouverte à l'apprentissage (« Accès à l'apprentissage » : non)."


def test_certification_expired_names_its_successor(payload, certifications):
    check = result(changed(payload, {"formation.rncp": "RNCP37316"}), "CERTIFICATION")
    assert check.status == "error"
    assert check.message == (
        "La fiche RNCP37316 est arrivée à échéance le 31/08/2024, avant la conclusion du contrat le 25/08/2025. "
        "Fiche remplaçante (« Nouvelle Certification ») : RNCP38761."
    )


@pytest.mark.parametrize(("concluded", "expected"), [("2026-08-31", "ok"), ("2026-09-01", "error")])
def test_certification_expiry_is_compared_with_the_conclusion_date(payload, certifications, concluded, expected):
    # RNCP37566 expires on 31/08/2026: a contract concluded that day is still in time.
    assert status(changed(payload, {"contrat.date_conclusion": concluded}), "CERTIFICATION") == expected


def test_certification_without_the_referential_loaded_is_an_error(payload):
    assert status(payload, "CERTIFICATION") == "error"


# --- AGE --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("2008-02-29", "2025-02-28", 17),  # a 29 February birthday falls on 28 February
        ("2008-02-29", "2025-02-27", 16),
        ("2008-02-29", "2024-02-28", 15),  # leap year: the birthday is the 29th
        ("2008-02-29", "2024-02-29", 16),
        ("1996-09-01", "2025-09-01", 29),
        ("1996-09-02", "2025-09-01", 28),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(date.fromisoformat(birth), date.fromisoformat(on)) == age


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"apprenti.date_naissance": "1996-09-01"}, "ok"),  # 29 on the start day
        ({"apprenti.date_naissance": "1995-09-02"}, "ok"),  # 30 the day after the start
        ({"apprenti.date_naissance": "1995-09-01"}, "error"),  # 30 on the start day
        ({"apprenti.date_naissance": "2010-09-01", "apprenti.premier_cycle_acheve": True}, "ok"),  # 15
        ({"apprenti.date_naissance": "2010-09-01", "apprenti.premier_cycle_acheve": False}, "error"),
        ({"apprenti.date_naissance": "2010-09-01", "apprenti.premier_cycle_acheve": DROP}, "error"),
        ({"apprenti.date_naissance": "2009-09-01", "apprenti.premier_cycle_acheve": False}, "ok"),  # 16 that day
        ({"apprenti.date_naissance": "2009-09-02", "apprenti.premier_cycle_acheve": False}, "error"),  # 15
        ({"apprenti.date_naissance": "2010-09-02", "apprenti.premier_cycle_acheve": True}, "error"),  # 14
        # 29 February birthdays: the 30th birthday is on 28 February 2026
        ({"apprenti.date_naissance": "1996-02-29", "contrat.date_debut": "2026-02-27"}, "ok"),
        ({"apprenti.date_naissance": "1996-02-29", "contrat.date_debut": "2026-02-28"}, "error"),
        # the 16th birthday of 2008-02-29 is on 29 February 2024 (a leap year)
        (
            {"apprenti.date_naissance": "2008-02-29", "apprenti.premier_cycle_acheve": False, "contrat.date_debut": "2024-02-28"},
            "error",
        ),
        (
            {"apprenti.date_naissance": "2008-02-29", "apprenti.premier_cycle_acheve": False, "contrat.date_debut": "2024-02-29"},
            "ok",
        ),
    ],
)
def test_age_limits(payload, changes, expected):
    assert status(changed(payload, changes), "AGE") == expected


@pytest.mark.parametrize("flag", ["handicap", "projet_creation_reprise_entreprise", "sportif_haut_niveau"])
def test_no_upper_age_limit_for_rqth_business_project_or_athlete(payload, flag):
    data = changed(payload, {"apprenti.date_naissance": "1970-01-01"})
    assert status(data, "AGE") == "error"
    assert status(changed(data, {f"apprenti.{flag}": True}), "AGE") == "ok"


def test_age_error_message_gives_the_age_and_birth_date(payload):
    message = result(changed(payload, {"apprenti.date_naissance": "1994-01-10"}), "AGE").message
    assert message == (
        "L'apprenti a 31 ans au début du contrat (date de naissance : 10/01/1994) : au-delà de 29 ans, "
        "une dérogation est nécessaire (L6222-1, L6222-2)."
    )


DEROGATION = {
    "apprenti.date_naissance": "1994-01-10",  # 31 at the start
    "apprenti.derogation_age": "diplome_superieur",
    "apprenti.precedent_contrat_fin": "2024-08-25",  # concluded 2025-08-25: exactly one year later
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "ok"),
        ({"apprenti.derogation_age": "rupture_independante"}, "ok"),
        ({"apprenti.precedent_contrat_fin": "2024-08-24"}, "error"),  # one year and a day
        ({"apprenti.precedent_contrat_fin": DROP}, "error"),
        ({"apprenti.derogation_age": DROP}, "error"),
        ({"apprenti.date_naissance": "1989-08-26"}, "ok"),  # 35 at the conclusion
        ({"apprenti.date_naissance": "1989-08-25"}, "error"),  # 36 at the conclusion
    ],
)
def test_age_derogation_of_d6222_1(payload, changes, expected):
    assert status(changed(payload, {**DEROGATION, **changes}), "AGE") == expected


def test_age_derogation_message_says_which_condition_fails(payload):
    data = changed(
        payload, {**DEROGATION, "apprenti.date_naissance": "1989-08-25", "apprenti.precedent_contrat_fin": "2024-08-24"}
    )
    message = result(data, "AGE").message
    assert "plus d'un an après la fin du précédent contrat (24/08/2024)" in message
    assert "l'apprenti a 36 ans à la conclusion du contrat (35 ans au plus)" in message


# --- DUREE ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "handicap", "expected"),
    [
        ("2025-09-01", "2026-02-28", False, "ok"),  # start + 6 months − 1 day
        ("2025-09-01", "2026-02-27", False, "error"),
        ("2025-08-31", "2026-02-27", False, "ok"),  # 31/08 + 6 months is clipped to 28/02
        ("2025-08-31", "2026-02-26", False, "error"),
        ("2025-09-01", "2028-08-31", False, "ok"),  # start + 3 years − 1 day
        ("2025-09-01", "2028-09-01", False, "error"),
        ("2025-09-01", "2029-08-31", False, "error"),
        ("2025-09-01", "2029-08-31", True, "ok"),  # 4 years with RQTH (R6222-46)
        ("2025-09-01", "2029-09-01", True, "error"),
    ],
)
def test_duration_limits(payload, start, end, handicap, expected):
    data = changed(payload, {"contrat.date_debut": start, "contrat.date_fin": end, "apprenti.handicap": handicap})
    assert status(data, "DUREE") == expected


def test_duration_message_gives_the_limit(payload):
    message = result(changed(payload, {"contrat.date_fin": "2026-02-27"}), "DUREE").message
    assert (
        message
        == "Le contrat dure moins de 6 mois (du 01/09/2025 au 27/02/2026) : il doit finir le 28/02/2026 au plus tôt (L6222-7-1)."
    )


# --- DATES ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"formation.date_debut": "2025-06-01"}, "ok"),  # start − 3 months
        ({"formation.date_debut": "2025-05-31"}, "error"),
        ({"formation.date_debut": "2025-12-01"}, "ok"),  # start + 3 months
        ({"formation.date_debut": "2025-12-02"}, "error"),
        ({"contrat.date_debut_formation_pratique": "2025-09-01"}, "ok"),
        ({"contrat.date_debut_formation_pratique": "2025-08-31"}, "error"),
        ({"contrat.date_debut_formation_pratique": "2025-12-01"}, "ok"),
        ({"contrat.date_debut_formation_pratique": "2025-12-02"}, "error"),
        ({"contrat.date_fin": "2025-09-02"}, "ok"),
        ({"contrat.date_fin": "2025-09-01"}, "error"),  # the end must come after the start
        ({"contrat.date_fin": "2025-08-31"}, "error"),
    ],
)
def test_dates_limits(payload, changes, expected):
    assert status(changed(payload, changes), "DATES") == expected


@pytest.mark.parametrize(("training_start", "expected"), [("2026-02-28", "ok"), ("2026-03-01", "error")])
def test_dates_three_months_are_clipped_to_the_month_end(payload, training_start, expected):
    data = changed(
        payload,
        {
            "contrat.date_debut": "2025-11-30",
            "contrat.date_debut_formation_pratique": "2025-11-30",
            "formation.date_debut": training_start,
        },
    )
    assert status(data, "DATES") == expected


def test_dates_message_lists_every_problem(payload):
    data = changed(payload, {"formation.date_debut": "2025-12-02", "contrat.date_debut_formation_pratique": "2025-08-31"})
    message = result(data, "DATES").message
    assert "La formation en CFA commence le 02/12/2025, plus de 3 mois après le début du contrat (01/09/2025)" in message
    assert "La formation pratique chez l'employeur commence le 31/08/2025, avant le début du contrat (01/09/2025)." in message


# --- FORMATION_DUREE --------------------------------------------------------------------------------
ONE_YEAR = {"contrat.date_debut": "2025-09-01", "contrat.date_fin": "2026-08-31"}  # 365 days
LEAP_YEAR = {"contrat.date_debut": "2027-09-01", "contrat.date_fin": "2028-08-31"}  # 366 days


@pytest.mark.parametrize(
    ("dates", "hours", "expected"),
    [
        (ONE_YEAR, "401.75", "ok"),  # 0.25 × 1607 × 365 / 365, exactly
        (ONE_YEAR, 401.75, "ok"),
        (ONE_YEAR, "401.74", "error"),
        (ONE_YEAR, "401.7499", "error"),
        ({}, "803.5", "ok"),  # the base contract: 730 days
        ({}, "803.49", "error"),
        (LEAP_YEAR, "402.86", "ok"),  # 0.25 × 1607 × 366 / 365 = 402.8507…
        (LEAP_YEAR, "402.85", "error"),
    ],
)
def test_training_hours_exact_limit(payload, dates, hours, expected):
    assert status(changed(payload, {**dates, "formation.duree_heures": hours}), "FORMATION_DUREE") == expected


def test_training_hours_message_gives_the_minimum(payload):
    message = result(changed(payload, {**ONE_YEAR, "formation.duree_heures": 400}), "FORMATION_DUREE").message
    assert message == (
        "La formation en CFA compte 400 h : il en faut au moins 401,75 h, soit 25 % de 1 607 h × 365 jours / 365 "
        "pour un contrat du 01/09/2025 au 31/08/2026 (L6211-2)."
    )


def test_training_hours_do_not_apply_when_the_contract_ends_before_it_starts(payload):
    data = changed(payload, {"contrat.date_fin": "2025-08-01", "formation.duree_heures": 0})
    assert status(data, "FORMATION_DUREE") == "ok"


# --- REMUNERATION -----------------------------------------------------------------------------------
# The base contract: 01/09/2025 to 31/08/2027; the apprentice is 18 (born 14/03/2007): 43 % then 51 %.
def test_minimum_pay_day_by_day():
    minimum = PayMinimum.of(date(2008, 1, 15), date(2025, 9, 1))  # 17 at the start, 18 on 15/01/2026
    assert minimum.rate(date(2025, 9, 1)) == 27
    assert minimum.rate(date(2026, 1, 31)) == 27
    assert minimum.rate(date(2026, 2, 1)) == 43  # the first of the month after the 18th birthday
    assert minimum.rate(date(2026, 9, 1)) == 51  # year 2
    assert minimum.rate(date(2027, 9, 1)) == 67  # year 3
    assert minimum.rate(date(2029, 2, 1)) == 78  # 21 on 15/01/2029, year 4 paid as year 3
    assert minimum.rate(date(2034, 2, 1)) == 100  # 26 on 15/01/2034
    assert PayMinimum.of(date(2011, 1, 1), date(2025, 9, 1)).rate(date(2025, 9, 1)) == 27  # under 16 (D6222-27)


@pytest.mark.parametrize(
    ("birth", "periods", "expected"),
    [
        ("2007-03-14", pay(("2025-09-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)), "ok"),
        ("2007-03-14", pay(("2025-09-01", "2026-08-31", "43.00"), ("2026-09-01", "2027-08-31", "50.99")), "error"),
        ("2007-03-14", pay(("2025-09-01", "2026-08-31", 42), ("2026-09-01", "2027-08-31", 51)), "error"),
        ("2007-03-14", pay(("2025-09-01", "2027-08-31", 43)), "error"),  # year 2 needs 51
        ("2007-03-14", pay(("2025-09-01", "2027-08-31", 51)), "ok"),
        # 18 on 15/01/2026: 43 % from 01/02/2026
        (
            "2008-01-15",
            pay(("2025-09-01", "2026-01-31", 27), ("2026-02-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "ok",
        ),
        (
            "2008-01-15",
            pay(("2025-09-01", "2026-02-01", 27), ("2026-02-02", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "error",
        ),
        ("2008-01-15", pay(("2025-09-01", "2026-08-31", 27), ("2026-09-01", "2027-08-31", 51)), "error"),
        ("2008-01-15", pay(("2025-09-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)), "ok"),
        # 18 on 01/02/2026: the band moves on 01/03/2026, the first of the following month
        (
            "2008-02-01",
            pay(("2025-09-01", "2026-02-28", 27), ("2026-03-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "ok",
        ),
        (
            "2008-02-01",
            pay(("2025-09-01", "2026-03-01", 27), ("2026-03-02", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "error",
        ),
        # 18 on 28/02/2026 (born on a 29 February): the band moves on 01/03/2026
        (
            "2008-02-29",
            pay(("2025-09-01", "2026-02-28", 27), ("2026-03-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "ok",
        ),
        # 26 on 10/03/2026: 100 % from 01/04/2026
        (
            "2000-03-10",
            pay(("2025-09-01", "2026-03-31", 53), ("2026-04-01", "2026-08-31", 100), ("2026-09-01", "2027-08-31", 100)),
            "ok",
        ),
        (
            "2000-03-10",
            pay(("2025-09-01", "2026-04-01", 53), ("2026-04-02", "2026-08-31", 100), ("2026-09-01", "2027-08-31", 100)),
            "error",
        ),
    ],
)
def test_pay_rates_against_the_legal_minimum(payload, birth, periods, expected):
    # The rates alone (the declared salary is compared in test_pay_amount.py).
    changes = {"apprenti.date_naissance": birth, "contrat.remunerations": periods, "contrat.salaire_brut_mensuel_embauche": DROP}
    data = changed(payload, changes)
    assert status(data, "REMUNERATION") == expected


def test_pay_year_three_and_later(payload):
    data = changed(
        payload,
        {
            "apprenti.date_naissance": "2003-01-01",  # 22 at the start
            "contrat.date_fin": "2028-08-31",
            "contrat.salaire_brut_mensuel_embauche": "954.96",  # 53 % × 1 801,80 = 954,954
            "contrat.remunerations": pay(
                ("2025-09-01", "2026-08-31", 53), ("2026-09-01", "2027-08-31", 61), ("2027-09-01", "2028-08-31", 78)
            ),
        },
    )
    assert status(data, "REMUNERATION") == "ok"
    data["contrat"]["remunerations"][2]["taux"] = 77
    assert status(data, "REMUNERATION") == "error"


@pytest.mark.parametrize(
    ("periods", "words"),
    [
        ([], "Aucune période de rémunération n'est indiquée"),
        (
            pay(("2025-09-01", "2026-08-30", 43), ("2026-09-01", "2027-08-31", 51)),
            "Aucune période de rémunération ne couvre les jours du 31/08/2026 au 31/08/2026 du contrat.",
        ),
        (
            pay(("2025-09-01", "2026-08-31", 43), ("2026-08-31", "2027-08-31", 51)),
            "Les périodes de rémunération n° 1 et n° 2 se chevauchent (du 31/08/2026 au 31/08/2026).",
        ),
        (
            pay(("2025-08-31", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51)),
            "La période de rémunération n° 1 (du 31/08/2025 au 31/08/2026) sort du contrat (du 01/09/2025 au 31/08/2027).",
        ),
        (
            pay(("2025-09-01", "2026-08-31", 43), ("2026-09-01", "2027-09-01", 51)),
            "La période de rémunération n° 2 (du 01/09/2026 au 01/09/2027) sort du contrat",
        ),
        (
            pay(("2025-09-01", "2026-08-31", 43), ("2027-08-31", "2026-09-01", 51)),
            "La période de rémunération n° 2 (du 31/08/2027 au 01/09/2026) finit avant de commencer.",
        ),
        (
            pay(("2026-09-01", "2027-08-31", 51), ("2025-09-01", "2026-08-31", 43)),
            None,  # periods in any order
        ),
        (
            pay(("2025-09-01", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 50)),
            "La période de rémunération n° 2 (du 01/09/2026 au 31/08/2027) est payée 50 % du SMIC : le minimum est de 51 % "
            "à partir du 01/09/2026 (2e année, 18 à 20 ans) (D6222-26, D6222-31).",
        ),
        (
            pay(("2025-09-01", "2027-08-31", 43)),
            "est payée 43 % du SMIC : le minimum est de 51 % à partir du 01/09/2026 (2e année, 18 à 20 ans)",
        ),
    ],
)
def test_pay_period_layout(payload, periods, words):
    check = result(changed(payload, {"contrat.remunerations": periods}), "REMUNERATION")
    if words is None:
        assert check.status == "ok"
    else:
        assert check.status == "error" and words in check.message


def test_pay_band_change_message_names_the_day(payload):
    periods = pay(("2025-09-01", "2026-02-01", 27), ("2026-02-02", "2026-08-31", 43), ("2026-09-01", "2027-08-31", 51))
    data = changed(payload, {"apprenti.date_naissance": "2008-01-15", "contrat.remunerations": periods})
    assert result(data, "REMUNERATION").message == (
        "La période de rémunération n° 1 (du 01/09/2025 au 01/02/2026) est payée 27 % du SMIC : le minimum est de 43 % "
        "à partir du 01/02/2026 (1re année, 18 à 20 ans) (D6222-26, D6222-31)."
    )


# --- MAITRE -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("birth", "expected"), [("2007-09-01", "ok"), ("2007-09-02", "error")])
def test_master_must_be_18_at_the_start(payload, birth, expected):
    data = changed(payload, {"maitres_apprentissage.0.date_naissance": birth})
    assert status(data, "MAITRE") == expected


def test_master_age_message(payload):
    data = changed(payload, {"maitres_apprentissage.0.date_naissance": "2007-09-02"})
    assert result(data, "MAITRE").message == (
        "Le maître d'apprentissage Claire Martin a 17 ans au début du contrat (date de naissance : 02/09/2007) : "
        "il doit être majeur (L6223-8-1)."
    )


def test_at_least_one_master(payload):
    assert status(changed(payload, {"maitres_apprentissage": []}), "MAITRE") == "error"


def test_a_master_without_birth_date_is_an_error(payload):
    check = result(changed(payload, {"maitres_apprentissage.0.date_naissance": DROP}), "MAITRE")
    assert check.status == "error" and "n'a pas de date de naissance" in check.message


@pytest.mark.parametrize(
    ("same_field", "level", "experience", "expected"),
    [
        (True, 3, 1, "ok"),  # same field, level prepared (3), one year
        (True, 5, 1, "ok"),
        (True, 2, 1, "error"),  # diploma below the level prepared
        (True, 3, "0.9", "error"),  # less than a year
        (False, 5, 1, "error"),  # other field: two years needed
        (False, 5, "1.9", "error"),
        (False, 5, 2, "ok"),
        (True, DROP, 1, "error"),  # no diploma given
        (DROP, DROP, 2, "ok"),  # two years, whatever the diploma
        (True, 3, DROP, "error"),  # no experience given: 0
    ],
)
def test_master_competence_r6223_22(payload, same_field, level, experience, expected):
    data = changed(
        payload,
        {
            "maitres_apprentissage.0.diplome_meme_domaine": same_field,
            "maitres_apprentissage.0.diplome_niveau": level,
            "maitres_apprentissage.0.experience_annees": experience,
        },
    )
    assert status(data, "MAITRE") == expected


def test_master_competence_message(payload):
    data = changed(
        payload, {"maitres_apprentissage.0.diplome_meme_domaine": False, "maitres_apprentissage.0.experience_annees": 1}
    )
    assert result(data, "MAITRE").message == (
        "Le maître d'apprentissage Claire Martin ne remplit pas la condition de compétence (diplôme de niveau 5 d'un autre "
        "domaine, 1 an(s) d'expérience) : il faut un diplôme du même domaine de niveau 3 ou plus et 1 an d'expérience, "
        "ou 2 ans d'expérience (R6223-22)."
    )


def test_every_master_is_checked(payload):
    data = changed(payload, {})
    data["maitres_apprentissage"].append(
        {"nom": "Petit", "prenom": "Marc", "date_naissance": "2010-01-01", "experience_annees": 2}
    )
    check = result(data, "MAITRE")
    assert check.status == "error" and "Marc Petit a 15 ans" in check.message


@pytest.fixture
def employer():
    return CompanyFactory(siret=EMPLOYER_SIRET, siren=EMPLOYER_SIRET[:9])


def test_a_third_running_contract_for_the_same_master_is_an_error(payload, employer):
    first = contract_with_master(employer)
    assert status(payload, "MAITRE") == "ok"  # one apprentice already: a second one is allowed
    second = contract_with_master(employer, status=ContractStatus.ACCEPTED)
    check = result(payload, "MAITRE")
    assert check.status == "error"
    assert check.message == (
        "Le maître d'apprentissage Claire Martin est déjà maître d'apprentissage sur 2 contrats en cours de cet employeur "
        f"({first.file_number}, {second.file_number}) : "
        "2 apprentis au plus par maître (R6223-6)."
    )


@pytest.mark.parametrize("other_status", [ContractStatus.ACCEPTED, ContractStatus.DEPOSITED, ContractStatus.RUNNING])
def test_accepted_deposited_and_running_contracts_count(payload, employer, other_status):
    contract_with_master(employer)
    contract_with_master(employer, status=other_status)
    assert status(payload, "MAITRE") == "error"


@pytest.mark.parametrize(
    "other",
    [
        {"status": ContractStatus.ENDED},
        {"status": ContractStatus.BROKEN},
        {"status": ContractStatus.RECEIVED},
        {"status": ContractStatus.UNDER_INSTRUCTION},
        {"start": "2023-09-01", "end": "2025-08-31"},  # ended the day before this contract starts
        {"start": "2027-09-01", "end": "2028-08-31"},  # starts the day after this contract ends
        {"master": ("Martin", "Claire", "1980-05-03")},  # another birth date
        {"master": ("Martin", "Claude", "1980-05-02")},
    ],
)
def test_contracts_that_do_not_count_against_the_master(payload, employer, other):
    contract_with_master(employer)
    contract_with_master(employer, **other)
    assert status(payload, "MAITRE") == "ok"


@pytest.mark.parametrize("other", [{"start": "2023-09-01", "end": "2025-09-01"}, {"start": "2027-08-31", "end": "2028-08-31"}])
def test_a_contract_sharing_one_day_overlaps(payload, employer, other):
    contract_with_master(employer)
    contract_with_master(employer, **other)
    assert status(payload, "MAITRE") == "error"


def test_the_master_is_matched_without_case_nor_accents(payload, employer):
    contract_with_master(employer, master=("MARTIN", "CLAIRE", "1980-05-02"))
    contract_with_master(employer, master=("martin", "Cláire", "1980-05-02"))
    assert status(payload, "MAITRE") == "error"
    data = changed(payload, {"maitres_apprentissage.0.nom": "Mártin ", "maitres_apprentissage.0.prenom": "claire"})
    assert status(data, "MAITRE") == "error"


def test_contracts_of_another_employer_do_not_count(payload, employer):
    other = CompanyFactory()
    contract_with_master(other)
    contract_with_master(other)
    contract_with_master(employer)
    assert status(payload, "MAITRE") == "ok"


def test_the_contract_under_instruction_does_not_count_against_itself(payload, employer):
    contract_with_master(employer)
    itself = contract_with_master(employer)
    assert status(payload, "MAITRE") == "error"
    assert status(payload, "MAITRE", exclude_contract_id=itself.pk) == "ok"


# --- OPCO_RATTACHEMENT ------------------------------------------------------------------------------
@pytest.fixture
def branches(load):
    load("idcc", "branches")


@pytest.mark.parametrize(
    ("idcc", "expected"), [("0843", "ok"), ("843", "ok"), (843, "ok"), ("1090", "warning"), (1090, "warning")]
)
def test_opco_branch(payload, branches, idcc, expected):
    assert status(changed(payload, {"employeur.idcc": idcc}), "OPCO_RATTACHEMENT") == expected


def test_opco_branch_messages(payload, branches):
    assert result(payload, "OPCO_RATTACHEMENT").message == (
        "IDCC 0843 (Boulangerie-pâtisserie (entreprises artisanales)) : branche « Boulangerie-pâtisserie (entreprises "
        "artisanales) » de l'OPCO entreprises de proximité."
    )
    message = result(changed(payload, {"employeur.idcc": "1090"}), "OPCO_RATTACHEMENT").message
    assert message.startswith("L'IDCC 1090 (Services de l'automobile")
    assert message.endswith("relève d'un autre OPCO : OPCO Mobilité. Rattachement à vérifier (R6332-23-1).")


@pytest.mark.parametrize(
    ("idcc", "words"),
    [
        (DROP, "L'IDCC de l'employeur n'est pas renseigné"),
        ("", "L'IDCC de l'employeur n'est pas renseigné"),
        ("7777", "L'IDCC 7777 est inconnu du référentiel des conventions collectives"),
        ("9999", "n'est rattaché à aucun OPCO connu"),
        ("12345", "« 12345 » n'est pas un IDCC (4 chiffres)"),
        ("AB", "« AB » n'est pas un IDCC (4 chiffres)"),
    ],
)
def test_opco_branch_unknown_idcc_is_a_warning(payload, branches, idcc, words):
    check = result(changed(payload, {"employeur.idcc": idcc}), "OPCO_RATTACHEMENT")
    assert check.status == "warning" and words in check.message


def test_an_idcc_of_the_opco_without_a_branch_link_is_a_warning(payload, load):
    load("idcc")  # no BranchIdcc rows
    check = result(payload, "OPCO_RATTACHEMENT")
    assert check.status == "warning" and "n'est lié à aucune de ses branches" in check.message


# --- EMPLOYEUR_OPPOSITION ---------------------------------------------------------------------------
def oppose(siret=EMPLOYER_SIRET, kind=OppositionKind.OPPOSITION, starts_on="2025-01-01", ends_on=None):
    return EmployerOpposition.objects.create(
        siret=siret,
        kind=kind,
        starts_on=date.fromisoformat(starts_on),
        ends_on=date.fromisoformat(ends_on) if ends_on else None,
    )


@pytest.mark.parametrize(
    ("opposition", "expected"),
    [
        ({}, "error"),  # in force, no end
        ({"kind": OppositionKind.SUSPENSION, "ends_on": "2026-01-01"}, "error"),
        ({"kind": OppositionKind.BAN, "ends_on": "2025-09-01"}, "error"),  # ends on the start day
        ({"starts_on": "2025-09-01"}, "error"),  # starts on the start day
        ({"ends_on": "2025-08-31"}, "ok"),  # ended the day before
        ({"starts_on": "2025-09-02"}, "ok"),  # starts after the start
        ({"siret": CFA_SIRET}, "ok"),  # another SIRET
    ],
)
def test_employer_opposition_active_on_the_start(payload, opposition, expected):
    oppose(**opposition)
    assert status(payload, "EMPLOYEUR_OPPOSITION") == expected


def test_employer_opposition_message(payload):
    oppose(kind=OppositionKind.SUSPENSION, starts_on="2025-06-01", ends_on="2025-12-31")
    assert result(payload, "EMPLOYEUR_OPPOSITION").message == (
        f"L'employeur (SIRET {EMPLOYER_SIRET}) fait l'objet, au début du contrat le 01/09/2025, de : "
        "Suspension de l'exécution des contrats (L6225-4) depuis le 01/06/2025 jusqu'au 31/12/2025."
    )


# --- DEPOT_DELAI ------------------------------------------------------------------------------------
@pytest.fixture
def holidays(load):
    load("holidays")


NOVEMBER = {"contrat.date_debut": "2025-11-07"}  # a Friday; Sunday 9 and Tuesday 11 (holiday) are not counted


def test_last_deposit_day_counts_monday_to_saturday_without_holidays(holidays):
    assert last_deposit_day(date(2025, 11, 7), HolidayZone.METROPOLE) == date(2025, 11, 14)
    assert last_deposit_day(date(2025, 9, 1), HolidayZone.METROPOLE) == date(2025, 9, 6)  # a Saturday counts
    assert last_deposit_day(date(2025, 12, 22), HolidayZone.METROPOLE) == date(2025, 12, 29)
    assert last_deposit_day(date(2025, 12, 22), HolidayZone.ALSACE_MOSELLE) == date(2025, 12, 30)  # 26/12 too


@pytest.mark.parametrize(("received", "expected"), [("2025-11-14", "ok"), ("2025-11-15", "warning"), ("2025-11-01", "ok")])
def test_deposit_within_five_working_days(payload, holidays, received, expected):
    assert status(changed(payload, {**NOVEMBER, "recu_le": received}), "DEPOT_DELAI") == expected


@pytest.mark.parametrize(("today", "expected"), [(date(2025, 11, 14), "ok"), (date(2025, 11, 17), "warning")])
def test_deposit_without_reception_date_uses_today(payload, holidays, today, expected):
    check = result(changed(payload, {**NOVEMBER, "recu_le": DROP}), "DEPOT_DELAI", today=today)
    assert check.status == expected and "date du jour" in check.message


def test_deposit_message(payload, holidays):
    assert result(changed(payload, {**NOVEMBER, "recu_le": "2025-11-15"}), "DEPOT_DELAI").message == (
        "Dossier reçu le 15/11/2025, après le 14/11/2025 : le contrat commencé le 07/11/2025 devait être transmis dans "
        "les 5 jours ouvrables (lundi au samedi, hors jours fériés) (D6224-1)."
    )


def test_deposit_uses_the_holiday_zone_of_a_known_company(payload, holidays):
    data = changed(payload, {"contrat.date_debut": "2025-12-22", "recu_le": "2025-12-30"})
    assert status(data, "DEPOT_DELAI") == "warning"  # unknown company: métropole
    company = CompanyFactory(siret=EMPLOYER_SIRET, siren=EMPLOYER_SIRET[:9])
    assert status(data, "DEPOT_DELAI") == "warning"  # métropole by default
    company.holiday_zone = HolidayZone.ALSACE_MOSELLE
    company.save()
    assert status(data, "DEPOT_DELAI") == "ok"


# --- The service, the command and the API ---------------------------------------------------------
def test_check_contract_data_parses_then_checks(payload, referentials):
    assert check_contract_data(payload, today=TODAY).eligible is True


def run_command(monkeypatch, stdin_text: str, *args):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin_text))
    try:
        call_command("check_contract", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_command_prints_the_report_and_exits_0(monkeypatch, payload, referentials):
    code, out, err = run_command(monkeypatch, json.dumps(payload))
    assert (code, err) == (0, "")
    output = json.loads(out)
    assert output["eligible"] is True
    assert [check["code"] for check in output["checks"]] == CODES
    assert output == run_checks(parse_contract_payload(payload), today=TODAY).as_dict()


def test_command_exits_0_for_a_contract_that_is_not_eligible(monkeypatch, payload, referentials, tmp_path):
    path = tmp_path / "contrat.json"
    path.write_text(json.dumps(changed(payload, TOO_YOUNG)), encoding="utf-8")
    code, out, err = run_command(monkeypatch, "", str(path))
    assert (code, err) == (0, "")
    output = json.loads(out)
    assert output["eligible"] is False
    assert [check["code"] for check in output["checks"] if check["status"] == "error"] == ["AGE"]
    code, out, _ = run_command(monkeypatch, json.dumps(payload), "-")
    assert code == 0 and json.loads(out)["eligible"] is True


def test_command_refuses_bad_json_with_exit_2(monkeypatch):
    code, out, err = run_command(monkeypatch, "{pas du json")
    assert (code, out) == (2, "")
    assert err.startswith("JSON invalide (ligne 1, colonne 2)")


def test_command_refuses_a_malformed_payload_naming_the_field_and_stores_nothing(monkeypatch, payload):
    before = ApprenticeshipContract.objects.count()
    data = changed(payload, {"contrat.date_debut": DROP, "formation.date_debut": "2025-02-30"})
    code, out, err = run_command(monkeypatch, json.dumps(data))
    assert (code, out) == (2, "")
    assert err == (
        "Données invalides : formation.date_debut : « 2025-02-30 » n'est pas une date valide (AAAA-MM-JJ) ; "
        "contrat.date_debut : champ obligatoire.\n"
    )
    assert ApprenticeshipContract.objects.count() == before
    code, out, err = run_command(monkeypatch, "[1, 2]")
    assert (code, out, err) == (2, "", "Données invalides : payload : un objet JSON est attendu.\n")


def test_command_never_echoes_an_invalid_nir(monkeypatch, payload):
    code, out, err = run_command(monkeypatch, json.dumps(changed(payload, {"apprenti.nir": "295109912611199"})))
    assert (code, out) == (2, "")
    assert "apprenti.nir" in err and "295109912611199" not in err


def test_command_reports_an_unreadable_file(monkeypatch, tmp_path):
    code, out, err = run_command(monkeypatch, "", str(tmp_path / "absent.json"))
    assert (code, out) == (2, "") and err.startswith("Impossible de lire")


def post(client, data, content_type="application/json"):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(reverse("api-contract-check"), data=body, content_type=content_type)


def test_api_answers_the_report_to_staff(client, make_user, payload, referentials):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    response = post(client, changed(payload, {"employeur.idcc": "1090"}))
    assert response.status_code == 200
    output = response.json()
    assert output["eligible"] is True
    assert {check["code"]: check["status"] for check in output["checks"]} == {
        **dict.fromkeys(CODES, "ok"),
        "OPCO_RATTACHEMENT": "warning",
    }


def test_api_refuses_a_malformed_payload_with_400_and_stores_nothing(client, make_user, payload):
    client.force_login(make_user(kind="staff"))
    before = ApprenticeshipContract.objects.count()
    response = post(client, changed(payload, {"maitres_apprentissage.0.date_naissance": "1980-02-30", "cfa.uai": DROP}))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "maitres_apprentissage[0].date_naissance": "« 1980-02-30 » n'est pas une date valide (AAAA-MM-JJ)",
            "cfa.uai": "champ obligatoire",
        }
    }
    assert post(client, [payload]).json() == {"errors": {"payload": "un objet JSON est attendu"}}
    bad_json = post(client, "{pas du json")
    assert bad_json.status_code == 400 and list(bad_json.json()["errors"]) == ["payload"]
    assert ApprenticeshipContract.objects.count() == before


def test_api_never_echoes_an_invalid_nir(client, make_user, payload):
    client.force_login(make_user(kind="staff"))
    response = post(client, changed(payload, {"apprenti.nir": "295109912611199"}))
    assert response.status_code == 400
    assert "apprenti.nir" in response.json()["errors"] and "295109912611199" not in response.content.decode()


@pytest.mark.parametrize("kind", ["advisor", "branch_rep"])
def test_api_is_for_staff_only(client, make_user, payload, kind):
    client.force_login(make_user(kind=kind))
    assert post(client, payload).status_code == 403


def test_api_refuses_anonymous_users(client, payload):
    assert post(client, payload).status_code == 403


def test_openapi_schema_documents_the_check(client, make_user):
    client.force_login(make_user(kind="staff"))
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/apprenticeship-contracts/check/"]["post"]
    assert operation["summary"] == "Contrôler un contrat d'apprentissage avant instruction"
    assert {"200", "400"} <= set(operation["responses"])


def test_a_valid_nir_is_accepted_by_the_doors(monkeypatch, payload, referentials):
    code, out, err = run_command(monkeypatch, json.dumps(changed(payload, {"apprenti.nir": VALID_NIR})))
    assert (code, err) == (0, "") and VALID_NIR not in out
