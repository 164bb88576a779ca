"""REMUNERATION compares the declared euro amount with the legal minimum (CHECKS.md, D6222-26):
the SMIC in force on the start date × the rate, prorated below 35 h, compared exactly; from 21 the
branch's conventional minimum when staff entered it and it is higher. Every expected amount below is
worked out by hand from RULES.md §9's SMIC table, not by the code under test."""

from datetime import date
from decimal import Decimal

import pytest

from branches.paygrids.services import pay_grid_row_add
from contracts.alternance.checks import run_checks
from contracts.alternance.payload import parse_contract_payload
from tests.branches.factories import branch_with
from tests.contracts.factories import base, changed

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


def contract(start="2026-03-01", birth="2007-06-10", salary="783.91", weekly=35, rates=(43, 51), **more) -> dict:
    """A two-year contract from 1 March 2026 (18 at start, 21 only after the end), pay as given."""
    first, second = rates
    changes = {
        "contrat.date_conclusion": "2026-02-20",
        "contrat.date_debut": start,
        "contrat.date_fin": "2028-02-29",
        "contrat.date_debut_formation_pratique": start,
        "formation.date_debut": start,
        "apprenti.date_naissance": birth,
        "contrat.duree_hebdo_heures": weekly,
        "contrat.salaire_brut_mensuel_embauche": salary,
        "contrat.remunerations": [
            {"date_debut": start, "date_fin": "2027-02-28", "taux": first},
            {"date_debut": "2027-03-01", "date_fin": "2028-02-29", "taux": second},
        ],
        "recu_le": start,
        **more,
    }
    return changed(base(), changes)


def remuneration(data: dict):
    report = run_checks(parse_contract_payload(data), today=TODAY)
    return next(check for check in report.checks if check.code == "REMUNERATION")


@pytest.fixture
def smic(load):
    load("legal_parameters")


# --- The SMIC of the start date, exactly -------------------------------------------------------------
@pytest.mark.parametrize(
    ("salary", "expected"),
    [("783.90", "error"), ("783.9029", "ok"), ("783.91", "ok"), ("1000", "ok")],
)
def test_43_percent_of_1823_03_is_783_9029_with_no_rounding(smic, salary, expected):
    # 1 823,03 × 0,43 = 783,9029 (by hand: 1 823,03 × 43 = 78 390,29).
    assert remuneration(contract(salary=salary)).status == expected


def test_the_refusal_names_the_amounts_and_the_sources(smic):
    check = remuneration(contract(salary="783.90"))
    assert check.message == (
        "Le salaire brut mensuel à l'embauche de 783,9 € est inférieur au minimum de 43 % du SMIC mensuel de "
        "1823,03 € en vigueur au 01/01/2026 = 783,9029 € (1re année, 18 à 20 ans) (D6222-26, D6222-27)."
    )


def test_an_accepted_salary_is_said_with_what_it_was_compared_to(smic):
    message = remuneration(contract(salary="783.91")).message
    assert "Salaire à l'embauche de 783,91 €, au moins 43 % du SMIC mensuel de 1823,03 €" in message


@pytest.mark.parametrize(
    ("start", "salary", "expected"),
    [
        # 1 June 2026: 1 867,02 × 0,43 = 802,8186.
        ("2026-06-01", "802.81", "error"),
        ("2026-06-01", "802.82", "ok"),
        # The day before, the SMIC of 1 January 2026 (783,9029) still applies.
        ("2026-05-31", "783.91", "ok"),
        # A contract of 2021 finds its own SMIC: 1 554,58 × 0,43 = 668,4694.
        ("2021-03-01", "668.46", "error"),
        ("2021-03-01", "668.47", "ok"),
    ],
)
def test_the_smic_in_force_on_the_start_date(smic, start, salary, expected):
    data = contract(start=start, salary=salary, **{"contrat.date_fin": "2028-02-29"})
    if start == "2021-03-01":
        data = changed(
            data,
            {
                "contrat.date_conclusion": "2021-02-20",
                "contrat.date_fin": "2023-02-28",
                "contrat.remunerations": [
                    {"date_debut": "2021-03-01", "date_fin": "2022-02-28", "taux": 43},
                    {"date_debut": "2022-03-01", "date_fin": "2023-02-28", "taux": 51},
                ],
                "apprenti.date_naissance": "2002-06-10",
            },
        )
    assert remuneration(data).status == expected


@pytest.mark.parametrize(
    ("weekly", "salary", "expected"),
    [
        # 30 h: 783,9029 × 30 / 35 = 671,916771… (by hand: 4 703,4174 / 7).
        (30, "671.91", "error"),
        (30, "671.92", "ok"),
        # 35 h and more: no proration, no increase.
        (39, "783.90", "error"),
        (39, "783.91", "ok"),
    ],
)
def test_part_time_prorates_the_minimum(smic, weekly, salary, expected):
    assert remuneration(contract(weekly=weekly, salary=salary)).status == expected


def test_under_16_is_paid_as_16_to_17(smic):
    # 15 at start, 27 % × 1 823,03 = 492,2181.
    data = contract(birth="2010-06-10", salary="492.21", rates=(27, 39), **{"apprenti.premier_cycle_acheve": True})
    assert remuneration(data).status == "error"
    assert remuneration(changed(data, {"contrat.salaire_brut_mensuel_embauche": "492.22"})).status == "ok"


def test_without_a_declared_salary_only_the_rates_are_checked(smic):
    data = changed(contract(), {"contrat.salaire_brut_mensuel_embauche": None})
    assert remuneration(data).status == "ok"


def test_a_salary_that_cannot_be_compared_for_want_of_a_smic_is_a_warning():
    check = remuneration(contract(salary="783.90"))
    assert check.status == "warning"
    assert "Le SMIC mensuel en vigueur au 01/03/2026 est absent des paramètres légaux" in check.message


# --- From 21, the branch's conventional minimum -----------------------------------------------------
@pytest.fixture
def grid(smic, make_user):
    """IDCC 0843's branch pays coefficient 160 « Employé » 2 000,00 € from 1 January 2026."""
    branch = branch_with("0843")
    staff = make_user(kind="staff", groups=["gestionnaire"])

    def add(amount="2000.00", valid_from=date(2026, 1, 1), classification="Employé", coefficient="160"):
        return pay_grid_row_add(
            actor=staff,
            branch=branch,
            classification=classification,
            coefficient=coefficient,
            monthly_minimum=Decimal(amount),
            valid_from=valid_from,
            source="Avenant salaires n° 12",
        )

    return add


def aged_22(salary: str, rates=(Decimal("58.15"), Decimal("66.93")), **more) -> dict:
    """22 at start (born 10 June 2003): 53 % then 61 %, of the branch minimum when it is higher."""
    return contract(
        birth="2003-06-10",
        salary=salary,
        rates=(str(rates[0]), str(rates[1])),
        **{"contrat.classification": "employe", "contrat.coefficient": "160", **more},
    )


@pytest.mark.parametrize(("salary", "expected"), [("1059.99", "error"), ("1060.00", "ok")])
def test_from_21_the_higher_branch_minimum_is_the_base_of_the_salary(grid, salary, expected):
    grid()
    # 53 % × 2 000,00 = 1 060,00.
    assert remuneration(aged_22(salary)).status == expected


@pytest.mark.parametrize(
    ("first_rate", "expected"),
    # 53 × 2 000 / 1 823,03 = 58,1449…% of the SMIC; year 2: 61 × 2 000 / 1 823,03 = 66,9215…%.
    [("58.14", "error"), ("58.15", "ok"), ("53", "error")],
)
def test_from_21_the_branch_minimum_is_the_base_of_the_rates_too(grid, first_rate, expected):
    grid()
    check = remuneration(aged_22("1100", rates=(Decimal(first_rate), Decimal("66.93"))))
    assert check.status == expected
    if expected == "error":
        assert "le minimum est de 58,145 (arrondi) % (53 % du salaire minimum conventionnel)" in check.message


def test_the_branch_minimum_message_names_the_row(grid):
    grid()
    message = remuneration(aged_22("1059.99")).message
    assert "53 % du salaire minimum conventionnel de la branche Branche 0843 (Employé, coefficient 160) : 2000.00 €" in message
    assert "= 1060 € (1re année, 21 à 25 ans)" in message


@pytest.mark.parametrize(
    ("row", "salary", "expected"),
    [
        # A grid under the SMIC: the SMIC stays the base, 53 % × 1 823,03 = 966,2059.
        ({"amount": "1800.00"}, "966.20", "error"),
        ({"amount": "1800.00"}, "966.21", "ok"),
        # A row in force only after the start date does not apply.
        ({"valid_from": date(2026, 3, 2)}, "966.21", "ok"),
        # Another coefficient does not apply.
        ({"coefficient": "170"}, "966.21", "ok"),
    ],
)
def test_the_branch_minimum_applies_only_when_recorded_for_the_start_date_and_higher(grid, row, salary, expected):
    grid(**row)
    assert remuneration(aged_22(salary, rates=(53, 61))).status == expected


def test_the_newest_row_on_the_start_date_wins(grid):
    grid()
    grid(amount="2100.00", valid_from=date(2026, 2, 1))
    # 53 % × 2 100,00 = 1 113,00.
    assert remuneration(aged_22("1112.99", rates=(62, 71))).status == "error"
    assert remuneration(aged_22("1113.00", rates=(62, 71))).status == "ok"


def test_before_21_the_branch_minimum_does_not_apply(grid):
    grid()
    data = contract(salary="783.91", **{"contrat.classification": "Employé", "contrat.coefficient": 160})
    assert remuneration(data).status == "ok"
