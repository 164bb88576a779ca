"""The instruction checks of a professionalisation contract (contracts.professionalisation.checks): each code passes
and fails at its boundary (the day before, of and after; 29 February; month ends), on the valid EJ20
contract of tests/contracts/data/pro_contract.json; the checks store nothing."""

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract, ApprenticeshipMaster, CheckRun
from contracts.professionalisation.checks import (
    PRO_CHECKS,
    action_length_bounds,
    band_change_day,
    check_pro_contract_data,
    pro_last_deposit_day,
    run_pro_checks,
    total_hours,
)
from contracts.professionalisation.payload import parse_pro_payload
from referentials.models import Certification
from tests.contracts.factories import DROP, cdi, changed, pro_base

pytestmark = pytest.mark.django_db

CODES = [code for code, _ in PRO_CHECKS]
TODAY = date(2026, 3, 4)
EMPLOYER_SIRET = "00123456600014"


@pytest.fixture
def payload() -> dict:
    """A 12-month CDD from 02/03/2026 to 01/03/2027 (365 days, 35 h a week: 1 607 h in all) for a
    21-year-old job seeker with a bac pro, paid 80 % of the SMIC, CS Vendeur-conseil en alimentation
    (RNCP37105) with 400 h of training, one salaried tutor, received two days after the start."""
    return pro_base()


@pytest.fixture
def referentials(load, load_certifications):
    load("idcc", "branches", "legal_parameters")
    load_certifications("RNCP37105", "RNCP37316", "RNCP36437", "RNCP14089")


def result(data: dict, code: str, *, today: date = TODAY, exclude_contract_id: int | None = None):
    report = run_pro_checks(parse_pro_payload(data), today=today, exclude_contract_id=exclude_contract_id)
    return next(check for check in report.checks if check.code == code)


def status(data: dict, code: str, **options) -> str:
    return result(data, code, **options).status.value


def message(data: dict, code: str, **options) -> str:
    return result(data, code, **options).message


def pay(*periods: tuple[str, str, object]) -> list[dict]:
    return [{"date_debut": first, "date_fin": last, "taux": rate} for first, last, rate in periods]


def contract_dates(start: str, end: str, *, rate: object = 80, training: tuple[str, str] | None = None) -> dict:
    """Changes moving the CDD to [start, end], with one pay period and the training inside it."""
    first, last = training or (start, end)
    return {
        "contrat.date_conclusion": start,
        "contrat.date_debut": start,
        "contrat.date_fin": end,
        "contrat.remunerations": pay((start, end, rate)),
        "formation.date_debut": first,
        "formation.date_fin": last,
    }


# --- The whole report -----------------------------------------------------------------------------
def test_the_valid_contract_passes_every_check_in_the_order_of_the_table(payload, referentials):
    report = run_pro_checks(parse_pro_payload(payload), today=TODAY)
    assert CODES == [
        "EMPLOYEUR_SIRET",
        "ORGANISME_SIRET",
        "PRO_QUALIFICATION",
        "PRO_PUBLIC",
        "PRO_DUREE",
        "PRO_DATES",
        "PRO_FORMATION_DUREE",
        "PRO_REMUNERATION",
        "PRO_TUTEUR",
        "OPCO_RATTACHEMENT",
        "PRO_DEPOT_DELAI",
    ]
    assert [check.code for check in report.checks] == CODES
    assert {check.code: check.status.value for check in report.checks} == dict.fromkeys(CODES, "ok")
    assert report.eligible is True and all(check.message for check in report.checks)


def test_the_messages_of_the_valid_contract(payload, referentials):
    messages = {check.code: check.message for check in run_pro_checks(parse_pro_payload(payload), today=TODAY).checks}
    assert messages == {
        "EMPLOYEUR_SIRET": "SIRET de l'employeur valide (00123456600014).",
        "ORGANISME_SIRET": "SIRET de l'organisme de formation valide (44492238900036).",
        "PRO_QUALIFICATION": (
            "Fiche RNCP37105 (CS - Vendeur-conseil en alimentation, niveau 3) en vigueur à la conclusion du contrat "
            "le 23/02/2026, échéance le 31/08/2028."
        ),
        "PRO_PUBLIC": (
            "Le salarié a 21 ans au début du contrat le 02/03/2026 (date de naissance : 15/06/2004), situation : "
            "demandeur d'emploi : public de 16 à 25 ans révolus (L6325-1 1°)."
        ),
        "PRO_DUREE": "Le contrat (CDD) dure de 6 à 12 mois (du 02/03/2026 au 01/03/2027) (L6325-11).",
        "PRO_DATES": (
            "Dates cohérentes : contrat conclu le 23/02/2026, exécuté du 02/03/2026 au 01/03/2027, action de "
            "professionnalisation du 02/03/2026 au 01/03/2027, formation du 09/03/2026 au 19/02/2027."
        ),
        "PRO_FORMATION_DUREE": (
            "La formation compte 400 h, soit 24,89 % de la durée totale de 1607 h pour le contrat (CDD) du 02/03/2026 "
            "au 01/03/2027 (365 jours, 35 h par semaine ; base 1 607 h par an pour 35 h par semaine) : entre 15 % et 25 %, "
            "et 150 h au moins "
            "(L6325-13)."
        ),
        "PRO_REMUNERATION": (
            "La période de rémunération couvre le contrat (CDD) du 02/03/2026 au 01/03/2027 et respecte le minimum "
            "(D6325-15 à D6325-18)."
        ),
        "PRO_TUTEUR": "Le tuteur Claire Martin est expérimenté et disponible (D6325-6, D6325-9).",
        "OPCO_RATTACHEMENT": messages["OPCO_RATTACHEMENT"],  # the apprenticeship check's own wording
        "PRO_DEPOT_DELAI": (
            "Dossier reçu le 04/03/2026, au plus tard le 07/03/2026 : dans les 5 jours qui suivent le début (D6325-1)."
        ),
    }
    assert messages["OPCO_RATTACHEMENT"].startswith("IDCC 0843 (")


def test_as_dict_is_the_apprenticeship_report_shape(payload, referentials):
    output = run_pro_checks(parse_pro_payload(payload), today=TODAY).as_dict()
    assert set(output) == {"eligible", "checks"} and output["eligible"] is True
    assert [check["code"] for check in output["checks"]] == CODES
    assert json.loads(json.dumps(output)) == output


def test_an_error_makes_the_contract_ineligible_a_warning_does_not(payload, referentials):
    late = run_pro_checks(parse_pro_payload(changed(payload, {"recu_le": "2026-03-08"})), today=TODAY)
    assert [c.code for c in late.checks if c.status != "ok"] == ["PRO_DEPOT_DELAI"] and late.eligible
    young = run_pro_checks(parse_pro_payload(changed(payload, {"salarie.date_naissance": "2010-03-03"})), today=TODAY)
    assert [c.code for c in young.checks if c.status != "ok"] == ["PRO_PUBLIC"] and not young.eligible


def test_check_pro_contract_data_parses_then_checks_and_stores_nothing(payload, referentials):
    contracts, runs = ApprenticeshipContract.objects.count(), CheckRun.objects.count()
    report = check_pro_contract_data(payload, today=TODAY)
    assert report.eligible and [check.code for check in report.checks] == CODES
    with pytest.raises(InvalidPayload) as caught:
        check_pro_contract_data(changed(payload, {"contrat.date_fin": DROP}), today=TODAY)
    assert caught.value.errors == {"contrat.date_fin": "champ obligatoire pour un CDD"}
    assert (ApprenticeshipContract.objects.count(), CheckRun.objects.count()) == (contracts, runs)


# --- EMPLOYEUR_SIRET, ORGANISME_SIRET --------------------------------------------------------------
@pytest.mark.parametrize(("path", "code"), [("employeur.siret", "EMPLOYEUR_SIRET"), ("organisme.siret", "ORGANISME_SIRET")])
@pytest.mark.parametrize(
    ("siret", "expected"),
    [
        ("44492238900036", "ok"),
        ("35600000000001", "ok"),  # La Poste: digit sum a multiple of 5
        ("44492238900037", "error"),  # wrong key
        ("4449223890003", "error"),  # 13 digits
        ("444 922 389 00036", "error"),
    ],
)
def test_siret_rules(payload, path, code, siret, expected):
    assert status(changed(payload, {path: siret}), code) == expected


def test_organisme_siret_message(payload):
    assert message(changed(payload, {"organisme.siret": "44492238900037"}), "ORGANISME_SIRET") == (
        "Le SIRET de l'organisme de formation « 44492238900037 » a une clé de contrôle invalide."
    )


# --- PRO_QUALIFICATION ------------------------------------------------------------------------------
@pytest.mark.parametrize(("concluded", "expected"), [("2028-08-31", "ok"), ("2028-09-01", "error")])
def test_the_fiche_must_not_have_expired_on_the_conclusion(payload, referentials, concluded, expected):
    # RNCP37105's « Date d'échéance » is 31/08/2028.
    assert status(changed(payload, {"contrat.date_conclusion": concluded}), "PRO_QUALIFICATION") == expected


def test_an_expired_fiche_names_its_successor(payload, referentials):
    check = result(changed(payload, {"formation.rncp": "RNCP37316"}), "PRO_QUALIFICATION")
    assert check.status == "error"
    assert check.message == (
        "La fiche RNCP37316 est arrivée à échéance le 31/08/2024, avant la conclusion du contrat le 23/02/2026. "
        "Fiche remplaçante (« Nouvelle Certification ») : RNCP38761."
    )


def test_a_fiche_closed_to_apprenticeship_is_fine_for_professionalisation(payload, referentials):
    # RNCP36437: « Accès à l'apprentissage » non, échéance 31/08/2026.
    check = result(changed(payload, {"formation.rncp": "RNCP36437"}), "PRO_QUALIFICATION")
    assert check.status == "ok" and "échéance le 31/08/2026" in check.message


def test_an_inactive_fiche_without_expiry_is_refused_an_active_one_is_not(payload, referentials):
    check = result(changed(payload, {"formation.rncp": "RNCP14089"}), "PRO_QUALIFICATION")
    assert (check.status.value, check.message) == (
        "error",
        "La fiche RNCP14089 est inactive au référentiel des certifications, sans date d'échéance.",
    )
    Certification.objects.create(code_diplome="99999999", rncp="RNCP99001", title="Titre sans échéance", level=5, active=True)
    check = result(changed(payload, {"formation.rncp": "RNCP99001"}), "PRO_QUALIFICATION")
    assert (check.status.value, check.message) == (
        "ok",
        "Fiche RNCP99001 (Titre sans échéance, niveau 5) en vigueur à la conclusion du contrat le 23/02/2026, "
        "sans date d'échéance.",
    )


def test_an_unknown_or_malformed_fiche_is_an_error(payload, referentials):
    assert message(changed(payload, {"formation.rncp": "RNCP999999"}), "PRO_QUALIFICATION") == (
        "La fiche RNCP999999 est absente du référentiel des certifications."
    )
    assert message(changed(payload, {"formation.rncp": "37105"}), "PRO_QUALIFICATION") == (
        "« 37105 » n'est pas un code de fiche RNCP (« RNCP » suivi de 2 à 6 chiffres)."
    )


def test_cqp_and_classification_are_accepted_with_a_message(payload):
    # No referential loaded: these are not looked up.
    cqp = changed(payload, {"formation.type_qualification": "cqp", "formation.rncp": DROP, "formation.intitule": "CQP Vendeur"})
    assert result(cqp, "PRO_QUALIFICATION").as_dict() == {
        "code": "PRO_QUALIFICATION",
        "status": "ok",
        "message": "Qualification visée : un certificat de qualification professionnelle (CQP) « CQP Vendeur », admise sans "
        "contrôle dans le référentiel des certifications (L6314-1).",
    }
    classification = changed(payload, {"formation.type_qualification": "classification", "formation.intitule": ""})
    assert message(classification, "PRO_QUALIFICATION") == (
        "Qualification visée : une qualification reconnue dans les classifications d'une convention collective de branche "
        "(fiche RNCP37105), admise sans contrôle dans le référentiel des certifications (L6314-1)."
    )


# --- PRO_PUBLIC -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "situation", "expected"),
    [
        ("2010-03-03", "scolaire", "error"),  # 15 on 02/03/2026: 16 the day after
        ("2010-03-02", "scolaire", "ok"),  # 16 on the start
        ("2000-03-03", "salarie", "ok"),  # 25, the day before the 26th birthday
        ("2000-03-02", "salarie", "error"),  # 26 on the start, neither job seeker nor minima sociaux
        ("2000-03-02", "etudiant", "error"),
        ("2000-03-02", "autre", "error"),
        ("2000-03-02", "demandeur_emploi", "ok"),  # L6325-1 2°
        ("1960-01-01", "demandeur_emploi", "ok"),
        ("1960-01-01", "rsa", "ok"),  # L6325-1 3°
        ("1960-01-01", "ass", "ok"),
        ("1960-01-01", "aah", "ok"),
        ("1960-01-01", "cui", "ok"),
        ("2010-03-03", "rsa", "error"),  # 3° has no age limit, but nobody under 16
    ],
)
def test_who_may_sign(payload, birth, situation, expected):
    data = changed(payload, {"salarie.date_naissance": birth, "salarie.situation": situation})
    assert status(data, "PRO_PUBLIC") == expected


@pytest.mark.parametrize(("start", "expected"), [("2026-02-27", "ok"), ("2026-02-28", "error")])
def test_a_29_february_birthday_is_reached_on_28_february(payload, start, expected):
    # Born 29/02/2000, an employee (no job seeker): 25 on 27/02/2026, 26 on 28/02/2026 (relativedelta
    # clips; 2026 has no 29 February), when only job seekers and minima sociaux may still sign.
    data = changed(payload, {"salarie.date_naissance": "2000-02-29", "salarie.situation": "salarie", "contrat.date_debut": start})
    assert status(data, "PRO_PUBLIC") == expected


def test_public_messages(payload):
    assert message(changed(payload, {"salarie.date_naissance": "1990-05-10", "salarie.situation": "salarie"}), "PRO_PUBLIC") == (
        "Le salarié a 35 ans au début du contrat le 02/03/2026 (date de naissance : 10/05/1990), situation : salarié : à "
        "26 ans et plus, le contrat est ouvert aux seuls demandeurs d'emploi et aux bénéficiaires du RSA, de l'ASS, de "
        "l'AAH ou d'un ancien contrat unique d'insertion (L6325-1 2° et 3°)."
    )
    assert message(changed(payload, {"salarie.date_naissance": "2010-03-03"}), "PRO_PUBLIC") == (
        "Le salarié a 15 ans au début du contrat le 02/03/2026 (date de naissance : 03/03/2010), situation : demandeur "
        "d'emploi : le contrat de professionnalisation est ouvert à partir de 16 ans (L6325-1)."
    )
    assert message(changed(payload, {"salarie.date_naissance": "1990-05-10"}), "PRO_PUBLIC") == (
        "Le salarié a 35 ans au début du contrat le 02/03/2026 (date de naissance : 10/05/1990), situation : demandeur "
        "d'emploi : demandeur d'emploi de 26 ans et plus (L6325-1 2°)."
    )


# --- PRO_DUREE --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "months", "earliest", "latest"),
    [
        ("2026-03-02", 12, "2026-09-01", "2027-03-01"),
        ("2025-08-31", 12, "2026-02-27", "2026-08-30"),  # + 6 months clips to 28/02, minus 1 day
        ("2026-01-31", 24, "2026-07-30", "2028-01-30"),
        ("2024-02-29", 12, "2024-08-28", "2025-02-27"),  # + 12 months clips to 28/02/2025, minus 1 day
        ("2026-03-01", 36, "2026-08-31", "2029-02-28"),
    ],
)
def test_action_length_bounds(start, months, earliest, latest):
    assert action_length_bounds(date.fromisoformat(start), months) == (date.fromisoformat(earliest), date.fromisoformat(latest))


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2026-08-31", "error"),  # the day before start + 6 months − 1 day
        ("2026-09-01", "ok"),  # exactly 6 months
        ("2027-03-01", "ok"),  # exactly 12 months
        ("2027-03-02", "error"),  # 12 months and a day
    ],
)
def test_a_cdd_lasts_6_to_12_months(payload, end, expected):
    assert status(changed(payload, {"contrat.date_fin": end}), "PRO_DUREE") == expected


@pytest.mark.parametrize(("end", "expected"), [("2028-03-01", "ok"), ("2028-03-02", "error")])
def test_a_branch_agreement_allows_24_months(payload, end, expected):
    data = changed(payload, {"contrat.date_fin": end, "contrat.accord_branche_duree": True})
    assert status(data, "PRO_DUREE") == expected
    assert status(changed(data, {"contrat.accord_branche_duree": False}), "PRO_DUREE") == "error"


@pytest.mark.parametrize(("end", "expected"), [("2029-03-01", "ok"), ("2029-03-02", "error")])
@pytest.mark.parametrize(
    "priority",
    [
        {"salarie.situation": "rsa"},
        {"salarie.diplome_niveau": 0, "salarie.diplome_professionnel": False},
        {"salarie.inscrit_france_travail_depuis": "2025-03-01"},  # more than a year before 02/03/2026
    ],
)
def test_the_priority_public_may_go_up_to_36_months(payload, priority, end, expected):
    assert status(changed(payload, {**priority, "contrat.date_fin": end}), "PRO_DUREE") == expected


def test_registered_exactly_one_year_before_is_not_enough_for_36_months(payload):
    data = changed(payload, {"salarie.inscrit_france_travail_depuis": "2025-03-02", "contrat.date_fin": "2029-03-01"})
    assert status(data, "PRO_DUREE") == "error"


def test_a_cdi_counts_its_action_not_the_contract(payload):
    assert status(cdi(payload, "2026-03-02", "2026-09-01"), "PRO_DUREE") == "ok"
    assert status(cdi(payload, "2026-03-02", "2026-08-31"), "PRO_DUREE") == "error"
    assert status(cdi(payload, "2026-03-02", "2027-03-02"), "PRO_DUREE") == "error"
    assert message(cdi(payload, "2026-03-02", "2027-03-02"), "PRO_DUREE") == (
        "L'action de professionnalisation (CDI) dure plus de 12 mois (du 02/03/2026 au 02/03/2027) : sa fin doit être au "
        "plus tard le 01/03/2027 (L6325-11) ; 24 mois avec un accord de branche (L6325-12), 36 mois pour le public "
        "prioritaire (L6325-1-1)."
    )


def test_duration_messages(payload):
    assert message(changed(payload, {"contrat.date_fin": "2026-08-31"}), "PRO_DUREE") == (
        "Le contrat (CDD) dure moins de 6 mois (du 02/03/2026 au 31/08/2026) : sa fin doit être au plus tôt le "
        "01/09/2026 (L6325-11)."
    )
    assert message(changed(payload, {"contrat.date_fin": "2028-03-02", "contrat.accord_branche_duree": True}), "PRO_DUREE") == (
        "Le contrat (CDD) dure plus de 24 mois (du 02/03/2026 au 02/03/2028) : sa fin doit être au plus tard le 01/03/2028 "
        "(allongement prévu par un accord de branche, L6325-12) ; 36 mois pour le public prioritaire (L6325-1-1)."
    )
    assert message(changed(payload, {"salarie.situation": "aah", "contrat.date_fin": "2029-03-01"}), "PRO_DUREE") == (
        "Le contrat (CDD) dure de 6 à 36 mois (du 02/03/2026 au 01/03/2029, public prioritaire : bénéficiaire de l'AAH) "
        "(L6325-11, L6325-1-1)."
    )


# --- PRO_DATES --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"contrat.date_conclusion": "2026-03-02"}, "ok"),  # concluded on the start day
        ({"contrat.date_conclusion": "2026-03-03"}, "error"),  # the day after the start
        ({"formation.date_debut": "2026-03-02"}, "ok"),  # training from the first day of the action
        ({"formation.date_debut": "2026-03-01"}, "error"),  # the day before
        ({"formation.date_fin": "2027-03-01"}, "ok"),  # training up to the last day of the action
        ({"formation.date_fin": "2027-03-02"}, "error"),  # the day after
        ({"formation.date_fin": "2026-03-08"}, "error"),  # ends the day before it starts (09/03/2026)
        ({"formation.date_fin": "2026-03-09"}, "ok"),  # a one-day training: coherent (hours are another check)
        ({"contrat.date_fin": "2026-03-02", "formation.date_debut": "2026-03-02", "formation.date_fin": "2026-03-02"}, "ok"),
        ({"contrat.date_fin": "2026-03-01"}, "error"),  # ends the day before it starts
        ({"contrat.action_date_debut": "2026-03-02", "contrat.action_date_fin": "2027-03-01"}, "ok"),  # a CDD's own dates
        ({"contrat.action_date_debut": "2026-03-01"}, "error"),  # before the contract
        ({"contrat.action_date_fin": "2027-03-02"}, "error"),  # after the contract
    ],
)
def test_dates_coherence(payload, changes, expected):
    assert status(changed(payload, changes), "PRO_DATES") == expected


def test_a_cdi_action_lies_within_the_contract_and_the_training_within_the_action(payload):
    data = cdi(payload, "2026-03-02", "2027-02-19")
    assert status(data, "PRO_DATES") == "ok"
    assert status(cdi(payload, "2026-03-01", "2027-02-19"), "PRO_DATES") == "error"  # before the CDI starts
    assert status(cdi(payload, "2026-03-09", "2027-02-19"), "PRO_DATES") == "ok"  # the training starts that day
    assert status(cdi(payload, "2026-03-10", "2027-02-19"), "PRO_DATES") == "error"  # the training starts before it
    assert status(cdi(payload, "2026-03-02", "2027-02-18"), "PRO_DATES") == "error"  # the training ends after it
    assert status(changed(data, {"contrat.date_fin": "2027-02-19"}), "PRO_DATES") == "ok"
    assert status(changed(data, {"contrat.date_fin": "2027-02-18"}), "PRO_DATES") == "error"  # action ends after
    assert message(cdi(payload, "2026-03-02", "2026-03-01"), "PRO_DATES") == (
        "La fin de l'action de professionnalisation (01/03/2026) précède son début (02/03/2026). "
        "La formation finit le 19/02/2027, après la fin de l'action de professionnalisation (CDI) (01/03/2026)."
    )


def test_dates_messages(payload):
    data = changed(
        payload,
        {"contrat.date_conclusion": "2026-03-03", "formation.date_debut": "2026-03-01", "formation.date_fin": "2027-03-02"},
    )
    assert message(data, "PRO_DATES") == (
        "Le contrat est conclu le 03/03/2026, après son début le 02/03/2026. "
        "La formation commence le 01/03/2026, avant le début du contrat (CDD) (02/03/2026). "
        "La formation finit le 02/03/2027, après la fin du contrat (CDD) (01/03/2027)."
    )
    data = changed(payload, {"contrat.action_date_debut": "2026-03-01", "contrat.action_date_fin": "2027-03-02"})
    assert message(data, "PRO_DATES") == (
        "L'action de professionnalisation commence le 01/03/2026, avant le début du contrat (02/03/2026). "
        "L'action de professionnalisation finit le 02/03/2027, après la fin du contrat (01/03/2027)."
    )
    assert message(cdi(payload, "2026-03-02", "2027-02-19"), "PRO_DATES") == (
        "Dates cohérentes : contrat conclu le 23/02/2026, exécuté à partir du 02/03/2026, action de professionnalisation "
        "du 02/03/2026 au 19/02/2027, formation du 09/03/2026 au 19/02/2027."
    )


# --- PRO_FORMATION_DUREE ------------------------------------------------------------------------------
def test_total_hours_is_1607_a_year_prorated_by_weekly_hours_and_days():
    assert total_hours(365, Decimal(35)) == 1607
    assert total_hours(365, None) == 1607  # no weekly hours: a full time of 35 h
    assert total_hours(365, Decimal("17.5")) == Fraction(1607, 2)
    assert total_hours(366, Decimal(35)) == Fraction(1607 * 366, 365)
    assert total_hours(184, Decimal(24)) == Fraction(1607 * 24 * 184, 35 * 365)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("240.8893", "error"),  # 14,99 % of 1 607 h (365 days at 35 h)
        ("241.0499", "error"),
        ("241.05", "ok"),  # 15 %
        ("401.75", "ok"),  # 25 %
        ("401.7501", "error"),
        ("401.9107", "error"),  # 25,01 %
    ],
)
def test_training_takes_15_to_25_percent_of_the_total_duration(payload, hours, expected):
    assert status(changed(payload, {"formation.duree_heures": hours}), "PRO_FORMATION_DUREE") == expected


def test_above_25_percent_needs_a_branch_agreement(payload):
    data = changed(payload, {"formation.duree_heures": "401.9107", "formation.accord_branche_au_dela_25": True})
    assert result(data, "PRO_FORMATION_DUREE").as_dict() == {
        "code": "PRO_FORMATION_DUREE",
        "status": "ok",
        "message": "La formation compte 401,9107 h, soit 25,01 % de la durée totale de 1607 h pour le contrat (CDD) du "
        "02/03/2026 au 01/03/2027 (365 jours, 35 h par semaine ; base 1 607 h par an pour 35 h par semaine) : au-delà de "
        "25 % en vertu d'un accord de branche (L6325-14).",
    }
    # The agreement lifts the ceiling, not the floor.
    assert status(changed(data, {"formation.duree_heures": "241.04"}), "PRO_FORMATION_DUREE") == "error"


def test_training_hours_messages(payload):
    assert message(changed(payload, {"formation.duree_heures": "240.8893"}), "PRO_FORMATION_DUREE") == (
        "La formation compte 240,8893 h, soit 14,99 % de la durée totale de 1607 h pour le contrat (CDD) du 02/03/2026 au "
        "01/03/2027 (365 jours, 35 h par semaine ; base 1 607 h par an pour 35 h par semaine) : il faut au moins 15 %, soit "
        "241,05 h (L6325-13)."
    )
    assert message(changed(payload, {"formation.duree_heures": "401.9107"}), "PRO_FORMATION_DUREE") == (
        "La formation compte 401,9107 h, soit 25,01 % de la durée totale de 1607 h pour le contrat (CDD) du 02/03/2026 au "
        "01/03/2027 (365 jours, 35 h par semaine ; base 1 607 h par an pour 35 h par semaine) : au-delà de 25 %, soit "
        "401,75 h, un accord de branche est nécessaire (L6325-13, L6325-14)."
    )


SIX_MONTHS = {"contrat.date_fin": "2026-09-01", "contrat.remunerations": pay(("2026-03-02", "2026-09-01", 80))}


@pytest.mark.parametrize(("hours", "expected"), [("149", "error"), ("149.99", "error"), ("150", "ok")])
def test_at_least_150_hours(payload, hours, expected):
    # 184 days at 35 h: 810,10 h in all, 15 % = 121,52 h and 25 % = 202,53 h, so 150 h is the floor.
    data = changed(payload, {**SIX_MONTHS, "formation.date_fin": "2026-08-28", "formation.duree_heures": hours})
    assert status(data, "PRO_FORMATION_DUREE") == expected


def test_the_150_hour_floor_message(payload):
    data = changed(payload, {**SIX_MONTHS, "formation.date_fin": "2026-08-28", "formation.duree_heures": 149})
    assert message(data, "PRO_FORMATION_DUREE") == "La formation compte 149 h : il en faut au moins 150 (L6325-13)."


def test_150_hours_above_25_percent_of_a_short_part_time_contract_needs_an_agreement(payload):
    # 184 days at 20 h a week: 462,92 h in all, 25 % = 115,73 h < 150 h.
    data = changed(
        payload,
        {**SIX_MONTHS, "formation.date_fin": "2026-08-28", "formation.duree_heures": 150, "contrat.duree_hebdo_heures": 20},
    )
    assert status(data, "PRO_FORMATION_DUREE") == "error"
    assert status(changed(data, {"formation.accord_branche_au_dela_25": True}), "PRO_FORMATION_DUREE") == "ok"


@pytest.mark.parametrize(
    ("weekly", "hours", "expected"),
    [
        (24, "165.28", "error"),  # 24 h a week over 365 days: 1 101,94 h, 15 % = 165,29 h
        (24, "165.30", "ok"),
        (None, "241.04", "error"),  # no weekly hours: 35 h, 1 607 h, 15 % = 241,05 h
        (None, "241.05", "ok"),
    ],
)
def test_weekly_hours_prorate_the_total(payload, weekly, hours, expected):
    data = changed(payload, {"contrat.duree_hebdo_heures": weekly, "formation.duree_heures": hours})
    assert status(data, "PRO_FORMATION_DUREE") == expected


def test_without_weekly_hours_the_message_says_35_h_was_assumed(payload):
    check = result(changed(payload, {"contrat.duree_hebdo_heures": DROP}), "PRO_FORMATION_DUREE")
    assert (check.status.value, check.message) == (
        "ok",
        "La formation compte 400 h, soit 24,89 % de la durée totale de 1607 h pour le contrat (CDD) du 02/03/2026 au "
        "01/03/2027 (365 jours, durée hebdomadaire absente : 35 h retenues ; base 1 607 h par an pour 35 h par semaine) : "
        "entre 15 % et 25 %, et 150 h au moins (L6325-13).",
    )


def test_a_zero_weekly_duration_is_an_error(payload):
    assert result(changed(payload, {"contrat.duree_hebdo_heures": 0}), "PRO_FORMATION_DUREE").as_dict() == {
        "code": "PRO_FORMATION_DUREE",
        "status": "error",
        "message": "La durée hebdomadaire du contrat est nulle : la part de formation ne peut être calculée (L6325-13).",
    }


def test_a_leap_year_action_counts_366_days(payload):
    # 01/03/2027 → 29/02/2028: 366 days at 35 h, 1 611,40 h in all, 15 % = 241,71 h.
    data = changed(payload, contract_dates("2027-03-01", "2028-02-29", training=("2027-03-08", "2028-02-18")))
    assert status(changed(data, {"formation.duree_heures": "241.71"}), "PRO_FORMATION_DUREE") == "error"
    assert status(changed(data, {"formation.duree_heures": "241.72"}), "PRO_FORMATION_DUREE") == "ok"


def test_a_cdi_counts_the_hours_of_its_action(payload):
    data = cdi(payload, "2026-03-02", "2026-09-01")  # 184 days at 35 h: 810,10 h, 25 % = 202,526… h
    data = changed(data, {"formation.date_fin": "2026-08-28", "contrat.remunerations": pay(("2026-03-02", "2026-09-01", 80))})
    assert status(data, "PRO_FORMATION_DUREE") == "error"  # 400 h
    assert status(changed(data, {"formation.duree_heures": "202.52"}), "PRO_FORMATION_DUREE") == "ok"
    assert status(changed(data, {"formation.duree_heures": "202.53"}), "PRO_FORMATION_DUREE") == "error"


# --- PRO_REMUNERATION ---------------------------------------------------------------------------------
def test_band_change_day_is_the_first_of_the_month_after_the_birthday():
    assert band_change_day(date(2006, 1, 10), 21) == date(2027, 2, 1)
    assert band_change_day(date(2006, 2, 1), 21) == date(2027, 3, 1)  # born on a 1st: the month after, not that day
    assert band_change_day(date(2006, 1, 31), 21) == date(2027, 2, 1)
    assert band_change_day(date(2005, 12, 15), 21) == date(2027, 1, 1)
    assert band_change_day(date(2004, 2, 29), 21) == date(2025, 3, 1)  # 21 on 28/02/2025 (no 29 February)
    assert band_change_day(date(2004, 2, 29), 26) == date(2030, 3, 1)


@pytest.mark.parametrize(("rate", "expected"), [("79.99", "error"), (80, "ok")])
def test_21_to_25_with_a_bac_pro_is_paid_80_percent(payload, rate, expected):
    assert status(changed(payload, {"contrat.remunerations.0.taux": rate}), "PRO_REMUNERATION") == expected


def test_pay_message(payload):
    assert message(changed(payload, {"contrat.remunerations.0.taux": "79.99"}), "PRO_REMUNERATION") == (
        "La période de rémunération n° 1 (du 02/03/2026 au 01/03/2027) est payée 79,99 % du SMIC : le minimum est de 80 % "
        "à partir du 02/03/2026 : 21 à 25 ans, titulaire d'une qualification au moins égale au bac professionnel (D6325-15)."
    )


@pytest.mark.parametrize(
    ("birth", "level", "vocational", "minimum"),
    [
        ("2004-06-15", 4, True, 80),  # 21, bac pro
        ("2004-06-15", 5, True, 80),  # 21, BTS
        ("2004-06-15", 4, False, 70),  # 21, general bac: not « à finalité professionnelle »
        ("2004-06-15", 3, True, 70),  # 21, CAP: below the bac pro
        ("2004-06-15", 0, False, 70),
        ("2005-03-03", 4, True, 65),  # 20 on the start (21 on 03/03/2026: band change on 01/04/2026)
        ("2008-01-01", 0, False, 55),  # 18
        ("2000-03-03", 0, False, 70),  # 25 on the start, 26 the day after (band change on 01/04/2026)
    ],
)
def test_minimum_by_age_and_qualification_on_the_first_day(payload, birth, level, vocational, minimum):
    base = {"salarie.date_naissance": birth, "salarie.diplome_niveau": level, "salarie.diplome_professionnel": vocational}
    # One-month contract window: the band change, if any, comes after it.
    month = {"contrat.remunerations": pay(("2026-03-02", "2026-03-31", minimum), ("2026-04-01", "2027-03-01", 100))}
    assert status(changed(payload, {**base, **month}), "PRO_REMUNERATION") == "ok"
    below = changed(payload, {**base, **month, "contrat.remunerations.0.taux": str(Decimal(minimum) - Decimal("0.01"))})
    assert status(below, "PRO_REMUNERATION") == "error"


UNDER_21 = {"salarie.date_naissance": "2006-01-10", "salarie.diplome_niveau": 3, "salarie.diplome_professionnel": True}


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ((("2026-03-02", "2027-01-31", 55), ("2027-02-01", "2027-03-01", 70)), "ok"),  # split on the change day
        ((("2026-03-02", "2027-01-30", 55), ("2027-01-31", "2027-03-01", 70)), "ok"),  # the rise paid a day early
        ((("2026-03-02", "2027-02-01", 55), ("2027-02-02", "2027-03-01", 70)), "error"),  # 01/02/2027 paid 55 %
        ((("2026-03-02", "2027-03-01", 55),), "error"),
        ((("2026-03-02", "2027-03-01", 70),), "ok"),
    ],
)
def test_the_21st_birthday_raises_the_rate_on_the_first_of_the_next_month(payload, periods, expected):
    # Born 10/01/2006: 21 on 10/01/2027, 70 % from 01/02/2027 (D6325-16).
    data = changed(payload, {**UNDER_21, "contrat.remunerations": pay(*periods)})
    assert status(data, "PRO_REMUNERATION") == expected


def test_the_band_change_message(payload):
    periods = pay(("2026-03-02", "2027-02-01", 55), ("2027-02-02", "2027-03-01", 70))
    assert message(changed(payload, {**UNDER_21, "contrat.remunerations": periods}), "PRO_REMUNERATION") == (
        "La période de rémunération n° 1 (du 02/03/2026 au 01/02/2027) est payée 55 % du SMIC : le minimum est de 70 % à "
        "partir du 01/02/2027 : 21 à 25 ans, sans qualification professionnelle de niveau bac, dès le 1er du mois qui suit "
        "l'anniversaire (D6325-15, D6325-16)."
    )


@pytest.mark.parametrize(
    ("birth", "march_rate", "expected"),
    [
        ("2005-03-01", 55, "ok"),  # 21 on 01/03/2026, the day before the start: 70 % only from 01/04/2026
        ("2005-02-28", 55, "error"),  # 21 on 28/02/2026: 70 % from 01/03/2026, before the start
        ("2005-02-28", 70, "ok"),
    ],
)
def test_a_birthday_just_before_the_start_counts_from_the_next_month(payload, birth, march_rate, expected):
    periods = pay(("2026-03-02", "2026-03-31", march_rate), ("2026-04-01", "2027-03-01", 70))
    data = changed(payload, {**UNDER_21, "salarie.date_naissance": birth, "contrat.remunerations": periods})
    assert status(data, "PRO_REMUNERATION") == expected


@pytest.mark.parametrize(
    ("birth", "last_at_55", "expected"),
    [
        ("2006-02-01", "2027-02-28", "ok"),  # 21 on 01/02/2027: 70 % from 01/03/2027
        ("2006-02-01", "2027-03-01", "error"),
        ("2006-01-31", "2027-01-31", "ok"),  # 21 on 31/01/2027: 70 % from 01/02/2027
        ("2006-01-31", "2027-02-01", "error"),
    ],
)
def test_birthdays_on_month_edges(payload, birth, last_at_55, expected):
    day_after = (date.fromisoformat(last_at_55) + timedelta(days=1)).isoformat()
    periods = [("2026-03-02", last_at_55, 55)] + ([(day_after, "2027-03-01", 70)] if last_at_55 != "2027-03-01" else [])
    data = changed(payload, {**UNDER_21, "salarie.date_naissance": birth, "contrat.remunerations": pay(*periods)})
    assert status(data, "PRO_REMUNERATION") == expected


@pytest.mark.parametrize(("last_at_55", "expected"), [("2025-02-28", "ok"), ("2025-03-01", "error")])
def test_a_29_february_birthday_changes_the_rate_on_1_march(payload, last_at_55, expected):
    # Born 29/02/2004: 21 on 28/02/2025, 70 % from 01/03/2025.
    data = changed(payload, {**UNDER_21, "salarie.date_naissance": "2004-02-29", **contract_dates("2025-02-03", "2026-02-02")})
    day_after = (date.fromisoformat(last_at_55) + timedelta(days=1)).isoformat()
    data = changed(data, {"contrat.remunerations": pay(("2025-02-03", last_at_55, 55), (day_after, "2026-02-02", 70))})
    assert status(data, "PRO_REMUNERATION") == expected


OVER_26 = {"salarie.date_naissance": "1990-05-10"}  # 35, job seeker


@pytest.mark.parametrize(("rate", "expected"), [("99.99", "error"), (100, "ok")])
def test_from_26_the_smic(payload, rate, expected):
    assert status(changed(payload, {**OVER_26, "contrat.remunerations.0.taux": rate}), "PRO_REMUNERATION") == expected


def test_the_26th_birthday_during_the_contract_brings_the_smic(payload):
    # Born 15/05/2000, bac pro: 80 % until 31/05/2026, the SMIC from 01/06/2026.
    born = {"salarie.date_naissance": "2000-05-15"}
    ok = pay(("2026-03-02", "2026-05-31", 80), ("2026-06-01", "2027-03-01", 100))
    assert status(changed(payload, {**born, "contrat.remunerations": ok}), "PRO_REMUNERATION") == "ok"
    late = pay(("2026-03-02", "2026-06-01", 80), ("2026-06-02", "2027-03-01", 100))
    assert message(changed(payload, {**born, "contrat.remunerations": late}), "PRO_REMUNERATION") == (
        "La période de rémunération n° 1 (du 02/03/2026 au 01/06/2026) est payée 80 % du SMIC : le minimum est de 100 % à "
        "partir du 01/06/2026 : 26 ans et plus, au moins le SMIC, dès le 1er du mois qui suit l'anniversaire "
        "(L6325-9, D6325-16)."
    )


@pytest.mark.parametrize(
    ("conventional", "rate", "expected"),
    [
        ("2400", "111.90", "error"),  # 85 % of 2 400 € = 2 040 € = 111,9016… % of 1 823,03 €
        ("2400", "111.91", "ok"),
        ("2144.74", "100", "ok"),  # 85 % = 1 823,029 €: below the SMIC, the SMIC rules
        ("2144.75", "100", "error"),  # 85 % = 1 823,0375 €: above the SMIC
        ("2144.75", "100.01", "ok"),
    ],
)
def test_from_26_at_least_85_percent_of_the_branch_minimum(payload, referentials, conventional, rate, expected):
    data = changed(
        payload, {**OVER_26, "contrat.salaire_minimum_conventionnel": conventional, "contrat.remunerations.0.taux": rate}
    )
    assert status(data, "PRO_REMUNERATION") == expected


def test_the_branch_minimum_message(payload, referentials):
    data = changed(
        payload, {**OVER_26, "contrat.salaire_minimum_conventionnel": "2400", "contrat.remunerations.0.taux": "111.90"}
    )
    assert message(data, "PRO_REMUNERATION") == (
        "La période de rémunération n° 1 (du 02/03/2026 au 01/03/2027) est payée 111,9 % du SMIC : le minimum est de "
        "111,91 % à partir du 02/03/2026 : 26 ans et plus, 85 % du salaire minimum conventionnel de 2400 €, soit 2040 € "
        "par mois pour un SMIC mensuel de 1823,03 € (L6325-9, D6325-18)."
    )


def test_the_branch_minimum_is_compared_with_the_smic_of_each_day(payload, referentials):
    # From 01/12/2025 the SMIC is 1 801,80 €, from 01/01/2026 1 823,03 €: 2 040 € is 113,22… % then 111,90… %.
    data = changed(
        payload, {**OVER_26, **contract_dates("2025-12-01", "2026-11-30"), "contrat.salaire_minimum_conventionnel": "2400"}
    )
    one = changed(data, {"contrat.remunerations": pay(("2025-12-01", "2026-11-30", "112"))})
    check = result(one, "PRO_REMUNERATION")
    assert check.status == "error" and "le minimum est de 113,23 % à partir du 01/12/2025" in check.message
    assert "pour un SMIC mensuel de 1801,8 €" in check.message
    split = changed(
        data, {"contrat.remunerations": pay(("2025-12-01", "2025-12-31", "113.23"), ("2026-01-01", "2026-11-30", "111.91"))}
    )
    assert status(split, "PRO_REMUNERATION") == "ok"


def test_an_unknown_smic_leaves_the_branch_minimum_to_staff(payload, referentials):
    # The legal parameters start on 01/01/2021 (RULES.md §9's SMIC history).
    data = changed(payload, {**OVER_26, **contract_dates("2020-03-01", "2021-02-28", rate=100)})
    data = changed(data, {"contrat.salaire_minimum_conventionnel": "2400"})
    check = result(data, "PRO_REMUNERATION")
    assert (check.status.value, check.message) == (
        "warning",
        "Le SMIC mensuel en vigueur est absent des paramètres légaux pour la période de rémunération n° 1 "
        "(du 01/03/2020 au 28/02/2021) : le salaire minimum conventionnel ne peut y être comparé (D6325-18).",
    )


@pytest.mark.parametrize(
    ("periods", "expected_message"),
    [
        ((), "Aucune période de rémunération n'est indiquée (D6325-15)."),
        (
            (("2026-03-02", "2026-06-30", 80), ("2026-07-02", "2027-03-01", 80)),
            "Aucune période de rémunération ne couvre les jours du 01/07/2026 au 01/07/2026 du contrat (CDD).",
        ),
        (
            (("2026-03-02", "2027-02-28", 80),),
            "Aucune période de rémunération ne couvre les jours du 01/03/2027 au 01/03/2027 du contrat (CDD).",
        ),
        (
            (("2026-03-02", "2026-07-01", 80), ("2026-07-01", "2027-03-01", 80)),
            "Les périodes de rémunération n° 1 et n° 2 se chevauchent (du 01/07/2026 au 01/07/2026).",
        ),
        (
            (("2026-03-01", "2027-03-01", 80),),
            "La période de rémunération n° 1 (du 01/03/2026 au 01/03/2027) sort du contrat (CDD) (du 02/03/2026 au 01/03/2027).",
        ),
        (
            (("2026-03-02", "2027-03-02", 80),),
            "La période de rémunération n° 1 (du 02/03/2026 au 02/03/2027) sort du contrat (CDD) (du 02/03/2026 au 01/03/2027).",
        ),
    ],
)
def test_periods_cover_the_contract_day_by_day(payload, periods, expected_message):
    check = result(changed(payload, {"contrat.remunerations": pay(*periods)}), "PRO_REMUNERATION")
    assert (check.status.value, check.message) == ("error", expected_message)


def test_two_periods_covering_the_contract(payload):
    periods = pay(("2026-03-02", "2026-08-31", 80), ("2026-09-01", "2027-03-01", "85.5"))
    assert message(changed(payload, {"contrat.remunerations": periods}), "PRO_REMUNERATION") == (
        "Les 2 périodes de rémunération couvrent le contrat (CDD) du 02/03/2026 au 01/03/2027 et respectent le minimum "
        "(D6325-15 à D6325-18)."
    )


def test_a_cdi_pays_the_minimum_during_its_action(payload):
    data = cdi(payload, "2026-03-02", "2027-02-19")
    assert message(data, "PRO_REMUNERATION") == (
        "La période de rémunération n° 1 (du 02/03/2026 au 01/03/2027) sort de l'action de professionnalisation (CDI) "
        "(du 02/03/2026 au 19/02/2027)."
    )
    assert status(changed(data, {"contrat.remunerations": pay(("2026-03-02", "2027-02-19", 80))}), "PRO_REMUNERATION") == "ok"


# --- PRO_TUTEUR ---------------------------------------------------------------------------------------
_file_numbers = itertools.count(1)


def stored_contract(
    *,
    kind=ContractKind.PROFESSIONNALISATION,
    status=ContractStatus.RUNNING,
    start="2025-09-01",
    end="2027-08-31",
    tutor=("Martin", "Claire", "1980-05-02"),
    employer_siret=EMPLOYER_SIRET,
):
    """A stored contract whose master or tutor is Claire Martin, born 02/05/1980, by default."""
    last_name, first_name, birth = tutor
    contract = ApprenticeshipContract.objects.create(
        file_number=f"PRO-TEST-{next(_file_numbers):05d}",
        status=status,
        contract_kind=kind,
        employer_siret=employer_siret,
        employer_name="Employeur",
        apprentice_last_name="Alternant",
        apprentice_first_name="Autre",
        apprentice_birth_date=date(2003, 1, 1),
        rncp="RNCP37105",
        level=3,
        training_start=date.fromisoformat(start),
        training_hours=400,
        cfa_siret="44492238900036",
        cfa_uai="",
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


def test_at_least_one_tutor(payload):
    check = result(changed(payload, {"tuteurs": []}), "PRO_TUTEUR")
    assert (check.status.value, check.message) == ("error", "Aucun tuteur n'est désigné (D6325-6).")


@pytest.mark.parametrize(("years", "expected"), [("1.99", "error"), (2, "ok")])
def test_a_tutor_has_two_years_of_experience(payload, years, expected):
    assert status(changed(payload, {"tuteurs.0.experience_annees": years}), "PRO_TUTEUR") == expected


def test_experience_message_and_every_tutor_is_checked(payload):
    data = changed(payload, {"tuteurs.0.experience_annees": "1.5"})
    data["tuteurs"].append({"nom": "Petit", "prenom": "Marc", "date_naissance": "1985-01-01", "experience_annees": 0})
    assert message(data, "PRO_TUTEUR") == (
        "Le tuteur Claire Martin a 1,5 an(s) d'expérience professionnelle : il en faut au moins 2 dans une qualification en "
        "rapport avec l'objectif de professionnalisation (D6325-6). Le tuteur Marc Petit a 0 an(s) d'expérience "
        "professionnelle : il en faut au moins 2 dans une qualification en rapport avec l'objectif de professionnalisation "
        "(D6325-6)."
    )
    data["tuteurs"][0]["experience_annees"] = 5
    data["tuteurs"][1]["experience_annees"] = 2
    assert message(data, "PRO_TUTEUR") == "Les 2 tuteurs sont expérimentés et disponibles (D6325-6, D6325-9)."


def test_a_salaried_tutor_follows_three_trainees_at_most(payload):
    stored_contract()
    stored_contract(kind=ContractKind.APPRENTISSAGE, status=ContractStatus.ACCEPTED)
    assert status(payload, "PRO_TUTEUR") == "ok"  # two already: a third is allowed
    third = stored_contract(kind=ContractKind.APPRENTISSAGE, status=ContractStatus.DEPOSITED)
    check = result(payload, "PRO_TUTEUR")
    numbers = sorted(ApprenticeshipContract.objects.values_list("file_number", flat=True))
    assert third.file_number in numbers and len(numbers) == 3
    assert (check.status.value, check.message) == (
        "error",
        f"Le tuteur Claire Martin suit déjà 3 salariés en alternance sur des contrats en cours ({', '.join(numbers)}) : 3 au "
        "plus à la fois pour un tuteur salarié (D6325-9).",
    )


def test_an_employer_tutor_follows_two_trainees_at_most(payload):
    data = changed(payload, {"tuteurs.0.est_employeur": True})
    stored_contract()
    assert status(data, "PRO_TUTEUR") == "ok"
    stored_contract(kind=ContractKind.APPRENTISSAGE)
    numbers = sorted(ApprenticeshipContract.objects.values_list("file_number", flat=True))
    assert message(data, "PRO_TUTEUR") == (
        f"L'employeur tuteur Claire Martin suit déjà 2 salariés en alternance sur des contrats en cours ({', '.join(numbers)}) : "
        "2 au plus à la fois pour l'employeur qui assure lui-même le tutorat (D6325-9)."
    )


@pytest.mark.parametrize(
    "other",
    [
        {"status": ContractStatus.ENDED},
        {"status": ContractStatus.BROKEN},
        {"status": ContractStatus.RECEIVED},
        {"status": ContractStatus.UNDER_INSTRUCTION},
        {"status": ContractStatus.INCOMPLETE},
        {"status": ContractStatus.REFUSED},
        {"start": "2025-03-01", "end": "2026-03-01"},  # ends the day before this contract starts
        {"start": "2027-03-02", "end": "2028-03-01"},  # starts the day after it ends
        {"tutor": ("Martin", "Claire", "1980-05-03")},  # another birth date
        {"tutor": ("Martin", "Claude", "1980-05-02")},
    ],
)
def test_contracts_that_do_not_count_against_the_tutor(payload, other):
    stored_contract()
    stored_contract()
    stored_contract(**other)
    assert status(payload, "PRO_TUTEUR") == "ok"


@pytest.mark.parametrize(
    "other",
    [
        {"start": "2025-03-02", "end": "2026-03-02"},  # shares the start day
        {"start": "2027-03-01", "end": "2028-03-01"},  # shares the last day
        {"employer_siret": "44492238900036"},  # another employer: D6325-9 limits the person
        {"tutor": ("MARTIN", "Cláire", "1980-05-02")},  # names without case nor accents
    ],
)
def test_contracts_that_count_against_the_tutor(payload, other):
    stored_contract()
    stored_contract()
    stored_contract(**other)
    assert status(payload, "PRO_TUTEUR") == "error"


def test_the_contract_under_instruction_does_not_count_against_its_tutor(payload):
    stored_contract()
    stored_contract()
    itself = stored_contract()
    assert status(payload, "PRO_TUTEUR") == "error"
    assert status(payload, "PRO_TUTEUR", exclude_contract_id=itself.pk) == "ok"


def test_a_cdi_counts_the_tutoring_over_its_action(payload):
    stored_contract()
    stored_contract()
    stored_contract(start="2026-12-01", end="2027-11-30")  # starts after the CDI's action ends (30/11/2026)
    assert status(cdi(payload, "2026-03-02", "2026-11-30"), "PRO_TUTEUR") == "ok"
    assert status(cdi(payload, "2026-03-02", "2026-12-01"), "PRO_TUTEUR") == "error"


# --- OPCO_RATTACHEMENT --------------------------------------------------------------------------------
@pytest.mark.parametrize(("idcc", "expected"), [("0843", "ok"), (843, "ok"), ("1090", "warning"), ("", "warning")])
def test_opco_branch_is_the_apprenticeship_check(payload, referentials, idcc, expected):
    assert status(changed(payload, {"employeur.idcc": idcc}), "OPCO_RATTACHEMENT") == expected


# --- PRO_DEPOT_DELAI ----------------------------------------------------------------------------------
def test_the_deposit_deadline_counts_calendar_days():
    assert pro_last_deposit_day(date(2026, 3, 2)) == date(2026, 3, 7)  # a Saturday: calendar days
    assert pro_last_deposit_day(date(2026, 4, 30)) == date(2026, 5, 5)  # 1 May is not skipped
    assert pro_last_deposit_day(date(2026, 2, 26)) == date(2026, 3, 3)


@pytest.mark.parametrize(("received", "expected"), [("2026-03-02", "ok"), ("2026-03-07", "ok"), ("2026-03-08", "warning")])
def test_the_file_is_received_within_five_days_of_the_start(payload, received, expected):
    assert status(changed(payload, {"recu_le": received}), "PRO_DEPOT_DELAI") == expected


def test_without_reception_date_today_is_used(payload):
    data = changed(payload, {"recu_le": DROP})
    assert status(data, "PRO_DEPOT_DELAI", today=date(2026, 3, 7)) == "ok"
    check = result(data, "PRO_DEPOT_DELAI", today=date(2026, 3, 8))
    assert (check.status.value, check.message) == (
        "warning",
        "Dossier reçu le 08/03/2026 (date du jour : la date de réception manque), après le 07/03/2026 : le contrat commencé "
        "le 02/03/2026 devait être transmis dans les 5 jours qui suivent son début (D6325-1).",
    )
