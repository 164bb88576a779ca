"""The worked examples of FINANCING.md reproduced to the cent, and the simulator's refusals of
malformed input (FINANCING.md « Interface » and § 1). Pure functions: no database."""

import copy
import json
from pathlib import Path

import pytest

from contracts.financing.io import InvalidInput, parse_request, schedule_as_dict, simulate

EXAMPLES = json.loads((Path(__file__).parent / "data" / "financing-examples.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["title"] for example in EXAMPLES])
def test_worked_example_is_reproduced_to_the_cent(example):
    schedule, _label = simulate(example["input"])
    assert schedule_as_dict(schedule) == example["output"]


def test_the_six_worked_examples_are_all_there():
    assert len(EXAMPLES) == 6
    assert len({example["title"] for example in EXAMPLES}) == 6


# A valid R2025 two-year contract; each case below spoils one thing.
VALID = {
    "signature_date": "2025-08-20",
    "start_date": "2025-09-01",
    "end_date": "2027-08-31",
    "certification_level": 5,
    "npec": "8000",
}
DROP = object()  # payload(key=DROP) removes the key


def payload(**changes):
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is DROP:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_the_valid_payload_is_accepted():
    request = parse_request(payload())
    assert request.engine_input.certification_level == 5
    assert str(request.npec) == "8000"


def test_null_means_absent():
    request = parse_request(payload(rupture_date=None, npec=None, frais_annexes=None))
    assert request.engine_input.rupture_date is None
    assert request.npec is None
    assert request.engine_input.frais_annexes == ()


# (case id, payload, field named in `errors`, French words expected in its message)
PARSE_ERRORS = [
    ("champ inconnu", payload(couleur="bleu"), "couleur", "champ inconnu"),
    ("champ obligatoire absent", payload(start_date=DROP), "start_date", "champ obligatoire"),
    ("niveau absent", payload(certification_level=DROP), "certification_level", "champ obligatoire"),
    ("montant à 3 décimales", payload(npec="8000.005"), "npec", "au plus deux décimales"),
    ("montant négatif", payload(npec="-1"), "npec", "ne peut pas être négatif"),
    ("majoration RQTH négative", payload(rqth_majoration=-0.01), "rqth_majoration", "ne peut pas être négatif"),
    ("montant qui n'en est pas un", payload(npec="huit mille"), "npec", "n'est pas un montant"),
    ("part à distance > 1", payload(distance_learning_share="1.01"), "distance_learning_share", "entre 0 et 1"),
    ("part à distance négative", payload(distance_learning_share=-0.1), "distance_learning_share", "entre 0 et 1"),
    ("niveau 2", payload(certification_level=2), "certification_level", "un entier de 3 à 8"),
    ("niveau 9", payload(certification_level=9), "certification_level", "un entier de 3 à 8"),
    ("niveau en chaîne", payload(certification_level="5"), "certification_level", "un nombre entier est attendu"),
    ("booléen en chaîne", payload(distance_exempt="true"), "distance_exempt", "true ou false"),
    ("booléen en nombre", payload(shortened_duration=1), "shortened_duration", "true ou false"),
    (
        "deux frais annexes pour la même année",
        payload(frais_annexes=[{"year": 1, "nights": 2}, {"year": 1, "meals": 3}]),
        "frais_annexes",
        "deux éléments pour l'année 1",
    ),
    (
        "frais annexes avec un champ inconnu",
        payload(frais_annexes=[{"year": 1, "taxis": 2}]),
        "frais_annexes",
        "champs inconnus : taxis",
    ),
    (
        "frais annexes sans année",
        payload(frais_annexes=[{"nights": 2}]),
        "frais_annexes",
        "l'année du contrat",
    ),
    (
        "rupture pendant l'essai sans date de rupture",
        payload(rupture_during_probation=True),
        "rupture_during_probation",
        "demande une date de rupture",
    ),
    ("date impossible", payload(end_date="2027-02-30"), "end_date", "n'est pas une date valide"),
    ("date en nombre", payload(signature_date=20250820), "signature_date", "AAAA-MM-JJ"),
]


@pytest.mark.parametrize(("data", "field", "words"), [case[1:] for case in PARSE_ERRORS], ids=[case[0] for case in PARSE_ERRORS])
def test_malformed_payload_is_refused_naming_the_field(data, field, words):
    with pytest.raises(InvalidInput) as caught:
        parse_request(data)
    assert set(caught.value.errors) == {field}
    assert words in caught.value.errors[field]


def test_every_error_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        parse_request(payload(start_date=DROP, npec="-5", certification_level=9, extra=1))
    assert set(caught.value.errors) == {"start_date", "npec", "certification_level", "extra"}


def test_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as caught:
        parse_request([VALID])
    assert caught.value.errors == {"entrée": "un objet JSON est attendu"}


# Input well formed but that the rules cannot finance (FINANCING.md § 1, § 3): reported under « contrat ».
CONTRACT_ERRORS = [
    (
        "signé avant 2021 : régime non pris en charge",
        payload(signature_date="2020-12-31"),
        "Régime non pris en charge",
    ),
    ("fin prévue avant le début", payload(end_date="2025-08-31"), "La date de fin prévue précède"),
    ("rupture avant le début", payload(rupture_date="2025-08-31"), "La date de rupture doit être comprise"),
    ("rupture après la fin prévue", payload(rupture_date="2027-09-01"), "La date de rupture doit être comprise"),
    (
        "frais annexes pour une 3e année d'un contrat de 2 ans",
        payload(frais_annexes=[{"year": 3, "nights": 1}]),
        "hors de la durée du contrat (2 an(s))",
    ),
]


@pytest.mark.parametrize(("data", "words"), [case[1:] for case in CONTRACT_ERRORS], ids=[case[0] for case in CONTRACT_ERRORS])
def test_contract_the_rules_cannot_finance_is_refused(data, words):
    parse_request(data)  # well formed...
    with pytest.raises(InvalidInput) as caught:
        simulate(data)  # ...but not financeable
    assert set(caught.value.errors) == {"contrat"}
    assert words in caught.value.errors["contrat"]


def test_signature_on_1_january_2021_is_the_first_day_accepted():
    schedule, _ = simulate(payload(signature_date="2021-01-01"))
    assert schedule.regime == "R2021"


def test_rupture_on_the_first_and_last_days_is_inside_the_contract():
    assert simulate(payload(rupture_date="2025-09-01"))[0].years[-1].end.isoformat() == "2025-09-01"
    assert simulate(payload(rupture_date="2027-08-31"))[0].years[-1].end.isoformat() == "2027-08-31"


@pytest.mark.parametrize("value", ["1e30", 1e30, "10000000.01"])
def test_huge_amounts_are_refused_not_crashing(value):
    from contracts.financing.io import InvalidInput, parse_request

    with pytest.raises(InvalidInput) as error:
        parse_request({**EXAMPLES_BASE, "npec": value})
    assert error.value.errors == {"npec": "montant trop grand"}


EXAMPLES_BASE = {"signature_date": "2025-08-20", "start_date": "2025-09-01", "end_date": "2027-08-31", "certification_level": 5}
