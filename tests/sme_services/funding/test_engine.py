"""The funding engine of TRAINING_FUNDING.md, pure: every worked example to the cent, every check at its
boundary, every input rule. No database."""

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sme_services.funding.engine import SmicTable, latest_filing_date, metropole_holidays, simulate
from sme_services.funding.inputs import InvalidInput
from sme_services.funding.rules import parse_rule_set, select_rule_set

DATA = Path(__file__).parent / "data"
RULES = Path(__file__).resolve().parents[3] / "sme_services" / "funding" / "data" / "rule-sets"
EXAMPLES = json.loads((DATA / "training-funding-examples.json").read_text())
SMIC = SmicTable(
    [
        (date(2024, 1, 1), Decimal("11.65")),
        (date(2024, 11, 1), Decimal("11.88")),
        (date(2026, 1, 1), Decimal("12.02")),
        (date(2026, 6, 1), Decimal("12.31")),
    ]
)


def raw(name: str) -> dict:
    return json.loads((RULES / name).read_text())


def rule_sets(*names: str):
    return [parse_rule_set(raw(name)) for name in names]


ALL = ("plan50-interpro-2026.json", "plan50-boulangerie-0843-2026.json", "ssct-interpro-2026.json")


def run(request: dict, sets=None) -> dict:
    return simulate(request, rule_sets(*ALL) if sets is None else sets, SMIC).as_dict()


def example(index: int) -> dict:
    return copy.deepcopy(EXAMPLES[index]["input"])


def codes(result: dict) -> list[str]:
    return [r["code"] for r in result["refusals"]]


@pytest.mark.parametrize("case", EXAMPLES, ids=[e["title"][:50] for e in EXAMPLES])
def test_every_worked_example_to_the_cent(case):
    assert simulate(case["input"], rule_sets(*case["rule_sets"]), SMIC).as_dict() == case["output"]


# --- §3 the rule set's lookup -------------------------------------------------------------------------
def test_the_branch_rule_set_wins_over_the_default_for_its_idcc():
    assert run(example(1))["rule_set"] == "EX-PLAN50-0843-2026-1"
    other = example(1)
    other["company"]["idcc"] = "1486"
    other["training"].pop("pedagogy_kind")
    assert run(other)["rule_set"] == "EX-PLAN50-INTERPRO-2026-1"


def test_a_newer_version_replaces_an_older_only_for_the_trainings_it_covers():
    newer = raw("plan50-interpro-2026.json") | {
        "reference": "EX-PLAN50-INTERPRO-2026-2",
        "applies_to_trainings_starting_from": "2026-07-01",
        "until": "2026-12-31",
    }
    sets = rule_sets(*ALL) + [parse_rule_set(newer)]
    assert run(example(0), sets)["rule_set"] == "EX-PLAN50-INTERPRO-2026-1"  # starts in March
    late = example(9)  # starts 2026-10-05
    assert run(late, sets)["rule_set"] == "EX-PLAN50-INTERPRO-2026-2"
    # `until` is inclusive: 2026-12-31 covered, 2027-01-01 falls back to the older version.
    found = select_rule_set(sets, dispositif="plan50", idcc="1979", start=date(2026, 12, 31))
    assert found.reference == "EX-PLAN50-INTERPRO-2026-2"
    found = select_rule_set(sets, dispositif="plan50", idcc="1979", start=date(2027, 1, 1))
    assert found.reference == "EX-PLAN50-INTERPRO-2026-1"


def test_the_most_recently_imported_wins_whatever_its_dates():
    second = raw("plan50-interpro-2026.json") | {"reference": "B", "applies_to_trainings_starting_from": "2025-01-01"}
    sets = rule_sets(*ALL) + [parse_rule_set(second)]
    assert run(example(0), sets)["rule_set"] == "B"
    assert run(example(0), [parse_rule_set(second), *rule_sets(*ALL)])["rule_set"] == "EX-PLAN50-INTERPRO-2026-1"


def test_no_rule_set_refuses_and_makes_no_other_check():
    request = example(0)
    request["training"].update(start="2025-12-15", end="2025-12-16")
    request["filed_on"] = "2025-12-20"  # late, but no other check is made
    result = run(request)
    assert codes(result) == ["PLAN50_PAS_DE_REGLE"]
    assert result["rule_set"] is None and result["size_band"] is None and result["latest_filing_date"] is None
    assert result["smic_hourly"] == "11.88" and result["remaining_cap"] is None and result["ssct"] is None


def test_no_rule_set_and_fifty_employees_lists_size_first():
    request = example(6)
    request["training"].update(start="2025-12-15", end="2025-12-16")
    assert codes(run(request)) == ["PLAN50_TAILLE", "PLAN50_PAS_DE_REGLE"]


# --- §4 checks at their boundaries --------------------------------------------------------------------
def test_headcount_49_is_funded_50_is_refused_with_the_legal_message():
    request = example(6)
    request["company"]["headcount"] = 49
    assert run(request)["decision"] == "eligible"
    request["company"]["headcount"] = 50
    result = run(request)
    assert codes(result) == ["PLAN50_TAILLE"] and "L6332-17" in result["refusals"][0]["message"]


def test_a_headcount_outside_every_band_is_the_branch_refusal_never_both():
    request = example(7)  # ssct rule set: band 11–49 only
    request["company"]["headcount"] = 10
    result = run(request)
    assert codes(result) == ["SSCT_TAILLE"] and "règle de la branche" in result["refusals"][0]["message"]
    assert result["size_band"] is None and result["ssct"]["funded_days"] == 5
    request["company"]["headcount"] = 11
    assert run(request)["decision"] == "eligible"
    request["company"]["headcount"] = 50
    result = run(request)
    assert codes(result) == ["SSCT_TAILLE"] and "L2315-22-1" in result["refusals"][0]["message"]


def test_filing_on_the_latest_day_passes_the_day_after_is_late():
    request = example(0)  # before_start: L = 2026-03-15
    request["filed_on"] = "2026-03-15"
    assert run(request)["decision"] == "eligible"
    request["filed_on"] = "2026-03-16"
    assert codes(run(request)) == ["PLAN50_DELAI"]


def test_calendar_days_deadline_boundary():
    request = example(7)  # 30 calendar days: L = 2026-04-26
    request["filed_on"] = "2026-04-26"
    assert run(request)["decision"] == "eligible"
    request["filed_on"] = "2026-04-27"
    assert codes(run(request)) == ["SSCT_DELAI"]


@pytest.mark.parametrize(
    ("start", "days", "latest"),
    [
        (date(2026, 5, 18), 15, date(2026, 4, 22)),  # the spec's example: 1 May, 8 May, Ascension
        (date(2026, 4, 13), 15, date(2026, 3, 20)),  # Easter Monday
        (date(2024, 3, 4), 1, date(2024, 3, 1)),  # Monday: the Friday before
        (date(2024, 3, 1), 1, date(2024, 2, 29)),  # 29 February of a leap year
        (date(2027, 1, 4), 3, date(2026, 12, 29)),  # Christmas and New Year
        (date(2030, 6, 11), 1, date(2030, 6, 7)),  # Whit Monday 10 June 2030
    ],
)
def test_working_days_count_back_from_the_day_before_start(start, days, latest):
    rule_set = parse_rule_set(
        raw("plan50-boulangerie-0843-2026.json") | {"filing_deadline": {"kind": "working_days", "days": days}}
    )
    assert latest_filing_date(rule_set, start) == latest


def test_holidays_are_computed_for_any_year():
    assert metropole_holidays(2040) >= {date(2040, 4, 2), date(2040, 5, 10), date(2040, 5, 21), date(2040, 7, 14)}
    assert len(metropole_holidays(2040)) == 11


def test_excluded_theme_is_refused():
    request = example(0)
    request["training"]["theme"] = "developpement_personnel"
    assert codes(run(request)) == ["PLAN50_THEME_EXCLU"]


def test_afest_without_afest_rules_is_refused():
    request = example(3)
    request["company"]["idcc"] = "0843"
    request["company"]["headcount"] = 5
    request["filed_on"] = "2026-04-01"
    request.pop("consumed_this_year")
    assert codes(run(request)) == ["PLAN50_AFEST_EXCLU"]


def test_minimum_hours_boundary():
    request = example(0)
    request["training"]["hours_per_trainee"] = "4"
    assert run(request)["decision"] == "eligible"
    request["training"]["hours_per_trainee"] = "3.99"
    assert codes(run(request)) == ["PLAN50_DUREE_MIN"]


def test_maximum_hours_a_year_boundary():
    request = example(1)  # branch: 70 h a year, 21 h asked
    request["hours_this_year"] = "49"
    assert run(request)["decision"] == "eligible"
    request["hours_this_year"] = "49.01"
    assert codes(run(request)) == ["PLAN50_DUREE_MAX"]


@pytest.mark.parametrize(
    ("mandate", "days", "refused"), [("first", 5, False), ("first", 4, True), ("renewal", 3, False), ("renewal", 2, True)]
)
def test_ssct_legal_minimum_days(mandate, days, refused):
    request = example(7)
    request["training"].update(mandate=mandate, days=days)
    assert codes(run(request)) == (["SSCT_JOURS"] if refused else [])


def test_ssct_days_beyond_the_entitlement_are_the_employers():
    request = example(7)
    request["training"].update(days=7, end="2026-06-03")
    result = run(request)
    assert result["ssct"] == {"entitlement_days": 5, "funded_days": 5, "hours_per_trainee": "35.00", "daily_cap": "432.72"}
    assert result["lines"][0]["cap"] == "4327.20"


def test_cap_reached_exactly_is_refused_one_cent_left_is_funded_one_cent():
    request = example(9)  # cap 3000
    request["consumed_this_year"] = "3000.00"
    result = run(request)
    assert codes(result) == ["PLAN50_PLAFOND_ATTEINT"] and result["remaining_cap"] == "0.00" and result["lines"] == []
    request["consumed_this_year"] = "2999.99"
    result = run(request)
    assert result["decision"] == "eligible"
    assert (result["subtotal"], result["annual_cap_reduction"], result["total_funded"]) == ("560.00", "559.99", "0.01")


def test_every_failure_is_listed_in_order():
    request = example(0)
    request["company"]["headcount"] = 50
    request["training"].update(theme="developpement_personnel", hours_per_trainee="3")
    request["filed_on"] = "2026-03-16"
    assert codes(run(request)) == ["PLAN50_TAILLE", "PLAN50_DELAI", "PLAN50_THEME_EXCLU", "PLAN50_DUREE_MIN"]


# --- §5 amounts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "smic"), [("2024-10-31", "11.65"), ("2024-11-01", "11.88"), ("2026-05-31", "12.02"), ("2026-06-01", "12.31")]
)
def test_the_smic_in_force_on_the_first_day(start, smic):
    request = example(0)
    request["training"].update(start=start, end=start)
    request["filed_on"] = "2024-01-01"
    assert run(request)["smic_hourly"] == smic


def test_unknown_pedagogy_kind_uses_the_default_rate_and_action_cap_caps_teaching_only():
    request = example(0)
    request["training"].update(pedagogy_kind="inconnu", hours_per_trainee="500", trainees=2, pedagogical_cost="50000")
    result = run(request)
    assert result["lines"][0] == {"kind": "pedagogy", "asked": "50000.00", "cap": "10000.00", "funded": "10000.00"}
    request["training"]["hours_per_trainee"] = "14"
    assert run(request)["lines"][0]["cap"] == "560.00"  # 20 € default


def test_afest_hourly_form_and_half_up_rounding():
    rules = raw("plan50-interpro-2026.json") | {"afest": {"hourly_rate": "12.35"}}
    rules.pop("min_hours_per_action")
    request = example(3)
    request["training"].update(hours_per_trainee="0.1", trainees=1)
    request.pop("pay")
    result = run(request, [parse_rule_set(rules)])
    assert result["lines"][0]["cap"] == "1.24"  # 1.235 rounded half up


def test_pay_is_capped_trainee_by_trainee_and_never_above_the_smic():
    request = example(0)
    request["pay"] = {"hourly_pay_by_trainee": ["11.00", "20.00"]}
    result = run(request)
    # h = 14, R = min(13, 12.02) = 12.02: asked 14 × 31 = 434; funded 14 × (11 + 12.02) = 322.28
    assert result["lines"][1] == {"kind": "pay", "asked": "434.00", "cap": "336.56", "funded": "322.28"}


def test_frais_without_a_scale_are_not_funded():
    request = example(1)
    request["frais"] = {"amount": "80.00", "km": 100}
    assert run(request)["lines"][2] == {"kind": "frais", "asked": "80.00", "cap": "0.00", "funded": "0.00"}


def test_no_cap_band_counts_everything_and_remaining_is_null():
    result = run(example(7))
    assert result["annual_cap"] is None and result["remaining_cap"] is None and result["counted_against_cap"] == "5588.60"


# --- Input rules --------------------------------------------------------------------------------------
def mutate(path: str, value, base: int = 0) -> dict:
    request = example(base)
    *parents, last = path.split(".")
    target = request
    for key in parents:
        target = target[key]
    if value is KeyError:
        target.pop(last)
    else:
        target[last] = value
    return request


@pytest.mark.parametrize(
    ("path", "value", "base"),
    [
        ("training.pedagogical_cost", "-1", 0),
        ("training.pedagogical_cost", "1.234", 0),
        ("training.pedagogical_cost", "1234567890", 0),
        ("training.pedagogical_cost", 1e9, 0),
        ("training.pedagogical_cost", 0.001, 0),
        ("training.pedagogical_cost", True, 0),
        ("training.pedagogical_cost", -5, 0),
        ("training.hours_per_trainee", "0", 0),
        ("training.trainees", 0, 0),
        ("training.trainees", 1_000_001, 0),
        ("training.trainees", 2.0, 0),
        ("training.start", "2026-02-30", 0),
        ("training.start", "2026-3-16", 0),
        ("training.end", "2026-03-15", 0),
        ("training.title", "   ", 0),
        ("training.days", 3, 0),  # a key of the other dispositif
        ("training.hours_per_trainee", "7", 7),
        ("training.modality", "afest", 7),
        ("training.days", 9, 7),  # more than (end − start) + 1 = 8
        ("training.pedagogy_kind", None, 2),  # FOAD: not admitted even when null
        ("company.siret", "61732048600204", 0),
        ("company.idcc", "486", 0),
        ("company.headcount", -1, 0),
        ("company.extra", 1, 0),
        ("unknown", 1, 0),
        ("hours_this_year", "1", 7),
        ("filed_on", KeyError, 0),
        ("pay", {"hourly_pay": "1", "hourly_pay_by_trainee": None}, 0),
        ("pay", {"hourly_pay_by_trainee": ["1"]}, 0),
        ("pay", {}, 0),
        ("frais", {"km": 3}, 0),
    ],
)
def test_invalid_input_names_the_key(path, value, base):
    with pytest.raises(InvalidInput) as error:
        run(mutate(path, value, base))
    assert str(error.value).startswith("« ")


def test_training_before_2024_is_invalid():
    request = example(0)
    request["training"].update(start="2023-12-31", end="2024-01-02")
    with pytest.raises(InvalidInput, match="training.start"):
        run(request)


@pytest.mark.parametrize(("value", "read"), [("12", "12.00"), (12, "12.00"), (12.5, "12.50"), (-0.0, "0.00"), (100.10, "100.10")])
def test_amounts_as_strings_or_numbers(value, read):
    result = run(mutate("training.pedagogical_cost", value))
    assert result["lines"][0]["asked"] == read


def test_siret_spaces_and_dots_are_removed_and_la_poste_passes():
    assert run(mutate("company.siret", "617 320 486.00203"))["decision"] == "eligible"
    assert run(mutate("company.siret", "35600000000048"))["decision"] == "eligible"


def test_null_is_an_absent_optional_key():
    assert run(mutate("pay", None))["lines"][1]["kind"] == "frais"


# --- §1 rule sets -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"idcc": ["*", "0843"]}, "idcc"),
        ({"idcc": ["0843", "0843"]}, "idcc"),
        ({"idcc": []}, "idcc"),
        ({"validated_on": "2025-11-19"}, "validated_on"),
        ({"until": "2025-12-31"}, "until"),
        ({"size_bands": [{"min": 0, "max": 10}, {"min": 10, "max": 49}]}, "size_bands"),
        ({"size_bands": [{"min": 0, "max": 50}]}, "size_bands[0].max"),
        ({"pay": {"funded": False, "hourly_rate": None}}, "pay.hourly_rate"),
        ({"filing_deadline": {"kind": "before_start", "days": None}}, "filing_deadline.days"),
        ({"filing_deadline": {"kind": "working_days", "days": 366}}, "filing_deadline.days"),
        ({"ssct": {}}, "ssct"),
        ({"pedagogy": {"hourly_caps": {"expert": "50"}}}, "pedagogy.hourly_caps.default"),
        ({"pedagogy": {"hourly_caps": {"default": "25"}, "action_cap": None}}, "pedagogy.action_cap"),
        ({"afest": {"per_trainee": "420", "hourly_rate": None}}, "afest"),
        ({"afest": {"per_trainee": "420", "additional_trainee_reduction": "1.01"}}, "afest.additional_trainee_reduction"),
        ({"themes_excluded": ["a"], "themes_hors_plafond": ["a"]}, "themes_hors_plafond"),
        ({"frais": {"per_km": "0.3"}}, "frais.per_night"),
        ({"reference": " "}, "reference"),
    ],
)
def test_invalid_rule_sets_name_the_key(change, key):
    with pytest.raises(InvalidInput) as error:
        parse_rule_set(raw("plan50-boulangerie-0843-2026.json") | change)
    assert error.value.path.startswith(key.split(".")[0])


def test_ssct_rule_set_refuses_plan_keys_even_null():
    with pytest.raises(InvalidInput, match="pedagogy"):
        parse_rule_set(raw("ssct-interpro-2026.json") | {"pedagogy": None})


def test_ssct_defaults_are_the_legal_minimums():
    rules = raw("ssct-interpro-2026.json")
    rules.pop("ssct")
    parsed = parse_rule_set(rules)
    assert (parsed.ssct.days_first_mandate, parsed.ssct.days_renewal, parsed.ssct.hours_per_day) == (5, 3, Decimal("7"))
