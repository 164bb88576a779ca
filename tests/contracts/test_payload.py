"""Reading the deposit payload (CHECKS.md « The deposit payload »): typed values, or French messages
by dotted field path; a NIR is checked and never echoed."""

import re
from datetime import date
from decimal import Decimal

import pytest

from contracts.alternance.payload import (
    ContractPayload,
    InvalidPayload,
    Master,
    PayPeriod,
    parse_contract_payload,
    payload_without_nir,
)
from tests.contracts.factories import DROP, VALID_NIR, base, changed

REQUIRED_PATHS = [
    "employeur.siret",
    "apprenti.date_naissance",
    "maitres_apprentissage",
    "formation.rncp",
    "formation.niveau",
    "formation.date_debut",
    "formation.duree_heures",
    "cfa.siret",
    "cfa.uai",
    "contrat.date_conclusion",
    "contrat.date_debut",
    "contrat.date_fin",
    "contrat.date_debut_formation_pratique",
    "contrat.remunerations",
]


def json_path(path: str) -> str:
    """« contrat.remunerations.0.taux » as the errors name it: « contrat.remunerations[0].taux »."""
    return re.sub(r"\.(\d+)", r"[\1]", path)


def errors_of(data) -> dict[str, str]:
    with pytest.raises(InvalidPayload) as caught:
        parse_contract_payload(data)
    return caught.value.errors


def test_a_complete_payload_is_read_into_typed_values():
    payload = parse_contract_payload(base())
    assert isinstance(payload, ContractPayload)
    assert payload.type_contrat == "11" and payload.recu_le is None
    assert payload.employeur.siret == "00123456600014" and payload.employeur.idcc == "0843"
    assert payload.employeur.adresse.commune == "Paris"
    assert payload.apprenti.date_naissance == date(2007, 3, 14) and payload.apprenti.nir is None
    assert payload.maitres_apprentissage == (Master("Martin", "Claire", date(1980, 5, 2), 5, True, Decimal(3)),)
    assert payload.formation.duree_heures == Decimal(840) and payload.formation.niveau == 3
    assert payload.cfa.qualiopi is True and payload.cfa.declaration_activite_date == date(2012, 1, 1)
    assert payload.contrat.remunerations == (
        PayPeriod(date(2025, 9, 1), date(2026, 8, 31), Decimal(43)),
        PayPeriod(date(2026, 9, 1), date(2027, 8, 31), Decimal(51)),
    )
    assert payload.contrat.salaire_brut_mensuel_embauche == Decimal("774.78")


def test_only_the_required_fields_are_enough_and_optional_ones_get_defaults():
    minimal = {
        "employeur": {"siret": "00123456600014"},
        "apprenti": {"date_naissance": "2007-03-14"},
        "maitres_apprentissage": [],
        "formation": {"rncp": "RNCP37566", "niveau": 3, "date_debut": "2025-09-08", "duree_heures": "840"},
        "cfa": {"siret": "44492238900036", "uai": "0142321X"},
        "contrat": {
            "date_conclusion": "2025-08-25",
            "date_debut": "2025-09-01",
            "date_fin": "2027-08-31",
            "date_debut_formation_pratique": "2025-09-01",
            "remunerations": [],
        },
        "recu_le": "2025-09-03",
    }
    payload = parse_contract_payload(minimal)
    assert payload.maitres_apprentissage == () and payload.contrat.remunerations == ()
    assert payload.recu_le == date(2025, 9, 3) and payload.type_contrat == ""
    assert payload.employeur.idcc == "" and payload.employeur.adresse is None
    apprentice = payload.apprenti
    assert (apprentice.handicap, apprentice.premier_cycle_acheve, apprentice.derogation_age) == (False, False, None)
    assert payload.cfa.qualiopi is False and payload.formation.distance_pct == Decimal(0)


@pytest.mark.parametrize("data", [[], "contrat", 42, None, True])
def test_anything_but_a_json_object_is_refused(data):
    assert errors_of(data) == {"payload": "un objet JSON est attendu"}


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_each_required_field_is_named_when_missing(path):
    assert errors_of(changed(base(), {path: DROP})) == {path: "champ obligatoire"}


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_null_counts_as_missing_for_a_required_field(path):
    assert errors_of(changed(base(), {path: None})) == {path: "champ obligatoire"}


@pytest.mark.parametrize("block", ["employeur", "apprenti", "formation", "cfa", "contrat"])
def test_a_missing_or_malformed_block_is_named(block):
    assert errors_of(changed(base(), {block: DROP})) == {block: "champ obligatoire"}
    assert errors_of(changed(base(), {block: ["pas", "un", "objet"]})) == {block: "un objet JSON est attendu"}


def test_every_error_is_reported_at_once_by_dotted_path():
    data = changed(base(), {"employeur.siret": DROP, "contrat.date_debut": "2025-02-30", "cfa.qualiopi": "oui"})
    assert errors_of(data) == {
        "employeur.siret": "champ obligatoire",
        "cfa.qualiopi": "true ou false est attendu",
        "contrat.date_debut": "« 2025-02-30 » n'est pas une date valide (AAAA-MM-JJ)",
    }


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("contrat.date_debut", "2025-02-30", "« 2025-02-30 » n'est pas une date valide (AAAA-MM-JJ)"),
        ("contrat.date_fin", "2025-13-01", "« 2025-13-01 » n'est pas une date valide (AAAA-MM-JJ)"),
        ("apprenti.date_naissance", "14/03/2007", "une date au format AAAA-MM-JJ est attendue"),
        ("formation.date_debut", "20250908", "une date au format AAAA-MM-JJ est attendue"),
        ("contrat.date_conclusion", 20250825, "une date au format AAAA-MM-JJ est attendue"),
        ("recu_le", "2025-02-29", "« 2025-02-29 » n'est pas une date valide (AAAA-MM-JJ)"),
        ("contrat.date_fin", "9999-12-31", "« 9999-12-31 » est hors de la période admise (années 1900 à 2199)"),
        ("apprenti.date_naissance", "0001-01-01", "« 0001-01-01 » est hors de la période admise (années 1900 à 2199)"),
        ("employeur.siret", 44492238900036, "une chaîne de caractères est attendue"),
        ("cfa.uai", ["0142321X"], "une chaîne de caractères est attendue"),
        ("formation.niveau", "3", "un nombre entier est attendu"),
        ("formation.niveau", 9, "un entier de 1 à 8 est attendu"),
        ("formation.niveau", True, "un nombre entier est attendu"),
        ("formation.duree_heures", "beaucoup", "« beaucoup » n'est pas un nombre"),
        ("formation.duree_heures", -1, "le nombre ne peut pas être négatif"),
        ("formation.duree_heures", "1e30", "nombre trop grand"),
        ("formation.duree_heures", "NaN", "« NaN » n'est pas un nombre"),
        ("formation.duree_heures", False, "un nombre est attendu (nombre ou chaîne)"),
        ("apprenti.handicap", "non", "true ou false est attendu"),
        ("apprenti.derogation_age", "autre", "valeur attendue : null, « diplome_superieur » ou « rupture_independante »"),
        ("employeur.idcc", 8.43, "un code (chaîne ou nombre entier) est attendu"),
        ("employeur.effectif", "12", "un nombre entier est attendu"),
        ("maitres_apprentissage", {"nom": "Martin"}, "une liste est attendue"),
        ("contrat.remunerations", "43 %", "une liste est attendue"),
        ("contrat.remunerations.0", "43", "un objet JSON est attendu"),
        ("contrat.remunerations.1.taux", "51 %", "« 51 % » n'est pas un nombre"),
        ("maitres_apprentissage.0.diplome_niveau", 0, "un entier de 1 à 8 est attendu"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_with_a_french_message(path, value, message):
    assert errors_of(changed(base(), {path: value})) == {json_path(path): message}


def test_list_items_are_named_by_index_from_zero():
    data = base()
    data["maitres_apprentissage"].append({"nom": "Petit", "prenom": "Marc", "date_naissance": "1990-02-30"})
    data["contrat"]["remunerations"][1] = {"date_debut": "2026-09-01", "taux": 51}
    assert errors_of(data) == {
        "maitres_apprentissage[1].date_naissance": "« 1990-02-30 » n'est pas une date valide (AAAA-MM-JJ)",
        "contrat.remunerations[1].date_fin": "champ obligatoire",
    }


@pytest.mark.parametrize(
    ("value", "expected"), [(840, "840"), ("840", "840"), (401.75, "401.75"), ("401.75", "401.75"), (0.1, "0.1")]
)
def test_amounts_are_decimals_read_from_strings_or_numbers_never_floats(value, expected):
    data = changed(base(), {"formation.duree_heures": value, "contrat.remunerations.0.taux": value})
    payload = parse_contract_payload(data)
    assert payload.formation.duree_heures == Decimal(expected)
    assert isinstance(payload.contrat.remunerations[0].taux, Decimal)
    assert payload.contrat.remunerations[0].taux == Decimal(expected)


def test_a_numeric_idcc_is_read_as_a_code():
    assert parse_contract_payload(changed(base(), {"employeur.idcc": 843})).employeur.idcc == "843"


def test_unknown_keys_are_ignored_by_the_reader():
    data = changed(base(), {"employeur.telephone": "0102030405", "remarques": "RAS"})
    assert parse_contract_payload(data).employeur.siret == "00123456600014"


def test_a_valid_nir_is_kept_but_not_in_the_representation():
    payload = parse_contract_payload(changed(base(), {"apprenti.nir": "2 95 10 99 126 111 93"}))
    assert payload.apprenti.nir == VALID_NIR
    assert VALID_NIR not in repr(payload)


@pytest.mark.parametrize("nir", ["295109912611199", "29510991261119", "ABCDEFGHIJKLMNO", "295109912611193 00"])
def test_an_invalid_nir_is_refused_without_echoing_it(nir):
    with pytest.raises(InvalidPayload) as caught:
        parse_contract_payload(changed(base(), {"apprenti.nir": nir}))
    assert list(caught.value.errors) == ["apprenti.nir"]
    assert caught.value.errors["apprenti.nir"].startswith("NIR invalide")
    digits = nir.replace(" ", "")
    assert digits not in str(caught.value) and nir not in str(caught.value)
    assert digits[:10] not in caught.value.errors["apprenti.nir"]


def test_a_nir_of_the_wrong_type_is_refused_without_echoing_it():
    errors = errors_of(changed(base(), {"apprenti.nir": 295109912611193}))
    assert errors == {"apprenti.nir": "le NIR doit être une chaîne de caractères"}


def test_payload_without_nir_is_a_deep_copy_without_the_nir():
    raw = changed(base(), {"apprenti.nir": VALID_NIR})
    stored = payload_without_nir(raw)
    assert "nir" not in stored["apprenti"] and VALID_NIR not in repr(stored)
    assert raw["apprenti"]["nir"] == VALID_NIR  # the original is untouched
    stored["contrat"]["remunerations"][0]["taux"] = 99
    assert raw["contrat"]["remunerations"][0]["taux"] == 43
    assert stored == changed(raw, {"apprenti.nir": DROP, "contrat.remunerations.0.taux": 99})


def test_payload_without_nir_leaves_a_payload_without_apprentice_alone():
    assert payload_without_nir({"employeur": {"siret": "1"}}) == {"employeur": {"siret": "1"}}


def test_the_parsed_payload_is_frozen():
    payload = parse_contract_payload(base())
    with pytest.raises(AttributeError):
        payload.contrat.date_debut = date(2026, 1, 1)  # type: ignore[misc]
