"""Reading the deposit payload of a professionalisation contract (CERFA EJ20): typed values, or French
messages by dotted field path; the fields a CDD or a CDI needs; the L6325-1-1 priority public."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.alternance.payload import InvalidPayload, PayPeriod
from contracts.professionalisation.payload import (
    Employee,
    ProContractPayload,
    ProEmployer,
    ProTerms,
    ProTraining,
    Provider,
    Tutor,
    parse_pro_payload,
    priority_public_reasons,
    pro_payload_without_nir,
)
from tests.contracts.factories import DROP, VALID_NIR, cdi, changed, pro_base

REQUIRED_PATHS = [
    "type_contrat",
    "employeur",
    "employeur.siret",
    "salarie",
    "salarie.nom",
    "salarie.prenom",
    "salarie.date_naissance",
    "salarie.situation",
    "salarie.diplome_niveau",
    "tuteurs",
    "tuteurs.0.nom",
    "tuteurs.0.prenom",
    "tuteurs.0.date_naissance",
    "formation",
    "formation.type_qualification",
    "formation.date_debut",
    "formation.date_fin",
    "formation.duree_heures",
    "organisme",
    "organisme.siret",
    "contrat",
    "contrat.nature",
    "contrat.date_conclusion",
    "contrat.date_debut",
    "contrat.remunerations",
    "contrat.remunerations.0.date_debut",
    "contrat.remunerations.0.date_fin",
    "contrat.remunerations.0.taux",
]


def dotted(path: str) -> str:
    """« tuteurs.0.nom » as the errors name it: « tuteurs[0].nom »."""
    return path.replace(".0.", "[0].").replace(".1.", "[1].")


def errors_of(data) -> dict[str, str]:
    with pytest.raises(InvalidPayload) as caught:
        parse_pro_payload(data)
    return caught.value.errors


# --- Reading --------------------------------------------------------------------------------------
def test_the_json_contract_is_read_into_typed_values():
    payload = parse_pro_payload(pro_base())
    assert isinstance(payload, ProContractPayload) and payload.type_contrat == "professionnalisation"
    assert payload.employeur.siret == "00123456600014" and payload.employeur.idcc == "0843"
    assert isinstance(payload.employeur, ProEmployer) and payload.employeur.adresse.commune == "Lisieux"
    assert payload.geiq is False and payload.employeur.geiq is False
    assert payload.salarie == Employee(
        date_naissance=date(2004, 6, 15),
        nom="Lefèvre",
        prenom="Inès",
        situation="demandeur_emploi",
        diplome_niveau=4,
        nir=None,
        handicap=False,
        inscrit_france_travail_depuis=date(2025, 9, 1),
        diplome_professionnel=True,
    )
    assert payload.tuteurs == (Tutor("Martin", "Claire", date(1980, 5, 2), Decimal(8), False),)
    assert payload.formation == ProTraining(
        type_qualification="rncp",
        date_debut=date(2026, 3, 9),
        date_fin=date(2027, 2, 19),
        duree_heures=Decimal(400),
        rncp="RNCP37105",
        intitule="CS Vendeur-conseil en alimentation",
        niveau=3,
        accord_branche_au_dela_25=False,
    )
    assert payload.organisme == Provider("44492238900036", "ADEN FORMATIONS ORGANISATION", "")
    assert payload.contrat == ProTerms(
        nature="cdd",
        date_conclusion=date(2026, 2, 23),
        date_debut=date(2026, 3, 2),
        remunerations=(PayPeriod(date(2026, 3, 2), date(2027, 3, 1), Decimal(80)),),
        date_fin=date(2027, 3, 1),
        duree_hebdo_heures=Decimal(35),
        salaire_brut_mensuel_embauche=Decimal("1458.42"),
    )
    assert (payload.tutorat_mois, payload.recu_le) == (6, date(2026, 3, 4))
    assert payload.priority_public is False


def test_only_the_required_fields_are_enough_and_the_others_get_defaults():
    minimal = {
        "type_contrat": "professionnalisation",
        "employeur": {"siret": "00123456600014"},
        "salarie": {
            "nom": "Lefèvre",
            "prenom": "Inès",
            "date_naissance": "2004-06-15",
            "situation": "autre",
            "diplome_niveau": 0,
        },
        "tuteurs": [],
        "formation": {"type_qualification": "cqp", "date_debut": "2026-03-09", "date_fin": "2027-02-19", "duree_heures": "400"},
        "organisme": {"siret": "44492238900036"},
        "contrat": {
            "nature": "cdd",
            "date_conclusion": "2026-02-23",
            "date_debut": "2026-03-02",
            "date_fin": "2027-03-01",
            "remunerations": [],
        },
    }
    payload = parse_pro_payload(minimal)
    assert payload.tuteurs == () and payload.contrat.remunerations == ()
    assert payload.employeur.geiq is False and payload.employeur.idcc == "" and payload.employeur.adresse is None
    assert (payload.salarie.nir, payload.salarie.handicap, payload.salarie.diplome_professionnel) == (None, False, False)
    assert payload.salarie.inscrit_france_travail_depuis is None
    assert (payload.formation.rncp, payload.formation.niveau, payload.formation.accord_branche_au_dela_25) == ("", None, False)
    assert payload.organisme == Provider("44492238900036", "", "")
    terms = payload.contrat
    assert (terms.action_date_debut, terms.action_date_fin, terms.accord_branche_duree) == (None, None, False)
    assert (terms.duree_hebdo_heures, terms.salaire_minimum_conventionnel, terms.salaire_brut_mensuel_embauche) == (None,) * 3
    assert (payload.tutorat_mois, payload.recu_le) == (None, None)


def test_the_action_is_the_contract_for_a_cdd_and_its_own_dates_for_a_cdi():
    contract = parse_pro_payload(pro_base()).contrat
    assert (contract.action_start, contract.action_end) == (date(2026, 3, 2), date(2027, 3, 1))
    # A CDD's own action dates do not replace the contract's (L6325-11: the action is the CDD).
    with_dates = changed(pro_base(), {"contrat.action_date_debut": "2026-03-09", "contrat.action_date_fin": "2026-12-31"})
    contract = parse_pro_payload(with_dates).contrat
    assert (contract.action_start, contract.action_end) == (date(2026, 3, 2), date(2027, 3, 1))
    contract = parse_pro_payload(cdi(pro_base(), "2026-03-02", "2026-12-31")).contrat
    assert (contract.nature, contract.date_fin) == ("cdi", None)
    assert (contract.action_start, contract.action_end) == (date(2026, 3, 2), date(2026, 12, 31))


def test_geiq_is_read_from_the_employer():
    payload = parse_pro_payload(changed(pro_base(), {"employeur.geiq": True}))
    assert payload.geiq is True and payload.employeur.geiq is True


# --- Refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[], "contrat", 42, None, True])
def test_anything_but_a_json_object_is_refused(data):
    assert errors_of(data) == {"payload": "un objet JSON est attendu"}


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_each_required_field_is_named_when_missing_or_null(path):
    assert errors_of(changed(pro_base(), {path: DROP})) == {dotted(path): "champ obligatoire"}
    assert errors_of(changed(pro_base(), {path: None})) == {dotted(path): "champ obligatoire"}


@pytest.mark.parametrize("value", ["11", "apprentissage", "Professionnalisation", 11])
def test_the_discriminator_must_say_professionnalisation(value):
    assert errors_of(changed(pro_base(), {"type_contrat": value})) == {
        "type_contrat": "valeur attendue : « professionnalisation »"
    }


def test_a_cdd_needs_its_end_date():
    assert errors_of(changed(pro_base(), {"contrat.date_fin": None})) == {"contrat.date_fin": "champ obligatoire pour un CDD"}


def test_a_cdi_needs_the_dates_of_its_action_but_no_end_date():
    no_action = changed(pro_base(), {"contrat.nature": "cdi", "contrat.date_fin": DROP})
    assert errors_of(no_action) == {
        "contrat.action_date_debut": "champ obligatoire pour un CDI",
        "contrat.action_date_fin": "champ obligatoire pour un CDI",
    }
    assert errors_of(changed(cdi(pro_base()), {"contrat.action_date_fin": None})) == {
        "contrat.action_date_fin": "champ obligatoire pour un CDI"
    }
    assert parse_pro_payload(cdi(pro_base())).contrat.date_fin is None


def test_an_rncp_qualification_needs_its_fiche_and_the_others_do_not():
    assert errors_of(changed(pro_base(), {"formation.rncp": DROP})) == {
        "formation.rncp": "champ obligatoire pour une qualification RNCP"
    }
    assert errors_of(changed(pro_base(), {"formation.rncp": ""})) == {
        "formation.rncp": "champ obligatoire pour une qualification RNCP"
    }
    for kind in ("cqp", "classification"):
        payload = parse_pro_payload(changed(pro_base(), {"formation.type_qualification": kind, "formation.rncp": DROP}))
        assert (payload.formation.type_qualification, payload.formation.rncp) == (kind, "")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("contrat.nature", "interim", "valeur attendue : « cdd », « cdi »"),
        ("contrat.nature", "CDD", "valeur attendue : « cdd », « cdi »"),
        ("formation.type_qualification", "rs", "valeur attendue : « rncp », « cqp », « classification »"),
        (
            "salarie.situation",
            "chomeur",
            "valeur attendue : « scolaire », « etudiant », « demandeur_emploi », « rsa », « ass », « aah », « cui », "
            "« salarie », « autre »",
        ),
        ("salarie.diplome_niveau", 9, "un entier de 0 à 8 est attendu"),
        ("salarie.diplome_niveau", -1, "un entier de 0 à 8 est attendu"),
        ("salarie.diplome_niveau", "4", "un nombre entier est attendu"),
        ("salarie.diplome_niveau", True, "un nombre entier est attendu"),
        ("salarie.diplome_professionnel", "oui", "true ou false est attendu"),
        ("salarie.inscrit_france_travail_depuis", "2025-02-30", "« 2025-02-30 » n'est pas une date valide (AAAA-MM-JJ)"),
        ("employeur.geiq", 1, "true ou false est attendu"),
        ("tuteurs.0.experience_annees", "-1", "le nombre ne peut pas être négatif"),
        ("tuteurs.0.experience_annees", "deux", "« deux » n'est pas un nombre"),
        ("tuteurs.0.est_employeur", "non", "true ou false est attendu"),
        ("formation.niveau", 0, "un entier de 1 à 8 est attendu"),
        ("formation.accord_branche_au_dela_25", None, None),  # null is absent: the default
        ("formation.duree_heures", "cent", "« cent » n'est pas un nombre"),
        ("contrat.accord_branche_duree", "true", "true ou false est attendu"),
        ("contrat.duree_hebdo_heures", 169, "valeur trop grande (168 au plus)"),
        ("contrat.salaire_minimum_conventionnel", "2 300", "« 2 300 » n'est pas un nombre"),
        ("contrat.remunerations.0.taux", "80 %", "« 80 % » n'est pas un nombre"),
        ("contrat.remunerations", {"taux": 80}, "une liste est attendue"),
        ("tuteurs", {"nom": "Martin"}, "une liste est attendue"),
        ("tutorat_mois", 37, "un entier de 0 à 36 est attendu"),
        ("recu_le", "04/03/2026", "une date au format AAAA-MM-JJ est attendue"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_with_its_reason(path, value, message):
    data = changed(pro_base(), {path: value})
    if message is None:
        parse_pro_payload(data)
        return
    assert errors_of(data) == {dotted(path): message}


def test_every_error_is_reported_at_once_by_dotted_path():
    data = changed(
        pro_base(),
        {
            "employeur.siret": DROP,
            "salarie.date_naissance": "2004-02-30",
            "contrat.date_debut": "2026-3-2",
            "contrat.remunerations.0.taux": None,
        },
    )
    data["tuteurs"].append({"nom": "Petit", "prenom": "Marc", "date_naissance": "1975-13-01"})
    assert errors_of(data) == {
        "employeur.siret": "champ obligatoire",
        "salarie.date_naissance": "« 2004-02-30 » n'est pas une date valide (AAAA-MM-JJ)",
        "tuteurs[1].date_naissance": "« 1975-13-01 » n'est pas une date valide (AAAA-MM-JJ)",
        "contrat.date_debut": "une date au format AAAA-MM-JJ est attendue",
        "contrat.remunerations[0].taux": "champ obligatoire",
    }


# --- The NIR: checked, kept out of repr and of the stored copy ------------------------------------
def test_a_valid_nir_is_kept_compact_and_never_shown():
    payload = parse_pro_payload(changed(pro_base(), {"salarie.nir": "2 95 10 99 126 111 93"}))
    assert payload.salarie.nir == VALID_NIR
    assert VALID_NIR not in repr(payload) and "nir=" not in repr(payload.salarie)


def test_an_invalid_nir_is_refused_without_echoing_it():
    errors = errors_of(changed(pro_base(), {"salarie.nir": "295109912611194"}))
    assert errors == {"salarie.nir": "NIR invalide : 15 caractères attendus, dont une clé de contrôle exacte"}
    assert "295109912611194" not in str(errors)


def test_the_stored_copy_has_no_nir_and_the_original_is_untouched():
    data = changed(pro_base(), {"salarie.nir": VALID_NIR})
    stored = pro_payload_without_nir(data)
    assert "nir" not in stored["salarie"] and data["salarie"]["nir"] == VALID_NIR
    assert stored == changed(data, {"salarie.nir": DROP})
    assert pro_payload_without_nir({"salarie": "pas un objet"}) == {"salarie": "pas un objet"}


# --- The L6325-1-1 priority public ----------------------------------------------------------------
def priority(changes: dict) -> list[str]:
    return priority_public_reasons(parse_pro_payload(changed(pro_base(), changes)))


NO_DIPLOMA = {"salarie.diplome_niveau": 3, "salarie.diplome_professionnel": False, "salarie.situation": "autre"}


@pytest.mark.parametrize(
    ("level", "vocational", "expected"),
    [
        (0, False, True),  # no diploma
        (3, False, True),  # a level-3 general certificate: no bac, no vocational diploma
        (3, True, False),  # a CAP: a vocational diploma
        (4, False, False),  # a general bac: the second cycle is validated
        (4, True, False),  # a bac pro
        (6, False, False),
    ],
)
def test_young_people_without_bac_nor_vocational_diploma(level, vocational, expected):
    reasons = priority({**NO_DIPLOMA, "salarie.diplome_niveau": level, "salarie.diplome_professionnel": vocational})
    assert reasons == (["jeune de 16 à 25 ans sans baccalauréat ni diplôme technologique ou professionnel"] if expected else [])


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        ("2000-03-03", True),  # 25 on the start (02/03/2026): his 26th birthday is the day after
        ("2000-03-02", False),  # 26 on the start
        ("2010-03-02", True),  # 16 on the start
        ("2010-03-03", False),  # 15 on the start: not in L6325-1 1°
    ],
)
def test_the_no_diploma_clause_is_for_16_to_25_at_the_start(birth, expected):
    assert bool(priority({**NO_DIPLOMA, "salarie.date_naissance": birth})) is expected


@pytest.mark.parametrize(
    ("registered", "start", "expected"),
    [
        ("2025-03-01", "2026-03-02", True),  # registered 1 year and 1 day before the start
        ("2025-03-02", "2026-03-02", False),  # exactly 1 year: not « more than one year »
        ("2025-03-03", "2026-03-02", False),
        ("2024-02-29", "2025-03-01", True),  # 29 February + 1 year = 28/02/2025 < 01/03/2025
        ("2024-02-29", "2025-02-28", False),
    ],
)
def test_job_seekers_registered_for_more_than_one_year_on_the_start(registered, start, expected):
    changes = {"salarie.inscrit_france_travail_depuis": registered, "contrat.date_debut": start}
    reasons = priority(changes)
    day = date.fromisoformat(registered)
    assert reasons == ([f"demandeur d'emploi inscrit depuis plus d'un an (depuis le {day:%d/%m/%Y})"] if expected else [])


def test_the_registration_counts_for_job_seekers_only_and_for_those_26_and_over_too():
    registered = {"salarie.inscrit_france_travail_depuis": "2024-01-15"}
    assert priority({**registered, "salarie.situation": "salarie"}) == []
    assert priority({**registered, "salarie.date_naissance": "1980-01-01"}) == [
        "demandeur d'emploi inscrit depuis plus d'un an (depuis le 15/01/2024)"
    ]


@pytest.mark.parametrize(
    ("situation", "reason"),
    [
        ("rsa", "bénéficiaire du RSA"),
        ("ass", "bénéficiaire de l'ASS"),
        ("aah", "bénéficiaire de l'AAH"),
        ("cui", "ancien titulaire d'un contrat unique d'insertion (CUI)"),
    ],
)
def test_minima_sociaux_and_former_cui_at_any_age(situation, reason):
    payload = parse_pro_payload(changed(pro_base(), {"salarie.situation": situation, "salarie.date_naissance": "1970-01-01"}))
    assert priority_public_reasons(payload) == [reason] and payload.priority_public is True


@pytest.mark.parametrize("situation", ["scolaire", "etudiant", "salarie", "autre", "demandeur_emploi"])
def test_other_situations_are_not_a_priority_by_themselves(situation):
    payload = parse_pro_payload(changed(pro_base(), {"salarie.situation": situation}))
    assert payload.priority_public is False


def test_several_reasons_are_all_given():
    assert priority({**NO_DIPLOMA, "salarie.situation": "rsa"}) == [
        "jeune de 16 à 25 ans sans baccalauréat ni diplôme technologique ou professionnel",
        "bénéficiaire du RSA",
    ]
