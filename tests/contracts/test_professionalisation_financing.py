"""Financing of professionalisation contracts (issue 6; D6332-86, D6332-92, D6332-93)."""

import io
import json
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command

from contracts.financing.io import InvalidInput
from contracts.financing.professionalisation import (
    compute_professionalisation,
    parse_professionalisation,
    simulate_professionalisation,
)
from contracts.financing.service import simulation_as_json
from tests.branches.factories import branch_with, pro_rate

BASE = {
    "contrat": "professionnalisation",
    "signature_date": "2025-09-01",
    "start_date": "2025-09-15",
    "end_date": "2026-09-14",
    "heures_formation": 400,
}


def simulate(**changes):
    return simulate_professionalisation({**BASE, **changes})


def errors_of(payload):
    with pytest.raises(InvalidInput) as caught:
        simulate_professionalisation(payload)
    return caught.value.errors


def test_default_rate_9_15_per_hour():
    result = simulate()
    assert result == {
        "forfait_horaire": "9.15",
        "forfait_source": "defaut",
        "formation": "3660.00",
        "tutorat": "0.00",
        "formation_tuteur": "0.00",
        "total": "3660.00",
    }


def test_priority_public_and_geiq_15_per_hour():
    assert simulate(public_prioritaire=True)["formation"] == "6000.00"
    assert simulate(public_prioritaire=True)["forfait_horaire"] == "15.00"
    assert simulate(geiq=True)["formation"] == "6000.00"
    assert simulate(geiq=False, public_prioritaire=False)["formation"] == "3660.00"


def test_forfait_input_wins_with_source_input():
    result = simulate(forfait_horaire="12.50", public_prioritaire=True, idcc="1486")
    assert (result["forfait_horaire"], result["forfait_source"], result["formation"]) == ("12.50", "input", "5000.00")


def test_the_pure_calculation_without_a_branch_rate_lookup_uses_the_legal_default():
    result = simulate(idcc="1486")
    assert (result["forfait_source"], result["formation"]) == ("defaut", "3660.00")


def test_branch_rate_passed_in_as_a_value():
    request = parse_professionalisation({**BASE, "idcc": "1486"})
    financing = compute_professionalisation(request, branch_rate=Decimal("11.00"))
    assert (financing.forfait_horaire, financing.forfait_source.value, financing.formation) == (
        Decimal("11.00"),
        "branche",
        Decimal("4400.00"),
    )
    assert simulate_professionalisation({**BASE, "idcc": "1486"}, lambda r: Decimal("11.00"))["forfait_source"] == "branche"
    # the rate given in the request still wins over the branch's
    assert simulate_professionalisation({**BASE, "forfait_horaire": 10}, lambda r: Decimal("11.00"))["forfait_source"] == "input"


def test_rounding_half_up_to_the_cent():
    # 100.5 h × 9,15 = 919.575 → 919.58
    assert simulate(heures_formation="100.5")["formation"] == "919.58"


def test_tutor_45_or_older_majorated_345_a_month():
    result = simulate(tuteur={"age": 47, "formation_heures": 0}, tutorat_mois=6)
    assert result["tutorat"] == "2070.00"
    assert simulate(tuteur={"age": 45}, tutorat_mois=6)["tutorat"] == "2070.00"
    assert simulate(tuteur={"age": 44}, tutorat_mois=6)["tutorat"] == "1380.00"


def test_tutor_capped_at_six_months():
    assert simulate(tuteur={"age": 40}, tutorat_mois=8)["tutorat"] == "1380.00"
    assert simulate(tuteur={"age": 40}, tutorat_mois=3)["tutorat"] == "690.00"


def test_tutor_of_priority_public_majorated():
    assert simulate(tuteur={"age": 30}, tutorat_mois=6, public_prioritaire=True)["tutorat"] == "2070.00"


def test_tutor_training_capped_at_40_hours():
    assert simulate(tuteur={"age": 40, "formation_heures": 50})["formation_tuteur"] == "600.00"
    assert simulate(tuteur={"age": 40, "formation_heures": 30})["formation_tuteur"] == "450.00"


def test_total_adds_the_three_parts():
    result = simulate(public_prioritaire=True, tuteur={"age": 47, "formation_heures": 30}, tutorat_mois=6)
    assert (result["formation"], result["tutorat"], result["formation_tuteur"]) == ("6000.00", "2070.00", "450.00")
    assert result["total"] == "8520.00"


def test_missing_keys_refused_in_french():
    errors = errors_of({"contrat": "professionnalisation"})
    assert errors == {
        "signature_date": "champ obligatoire",
        "start_date": "champ obligatoire",
        "end_date": "champ obligatoire",
        "heures_formation": "champ obligatoire",
    }


def test_negative_hours_refused():
    assert errors_of({**BASE, "heures_formation": -1}) == {"heures_formation": "le nombre d'heures ne peut pas être négatif"}
    assert errors_of({**BASE, "tuteur": {"age": 50, "formation_heures": -5}}) == {
        "tuteur": "formation_heures : le nombre d'heures ne peut pas être négatif"
    }


def test_end_before_start_refused():
    assert errors_of({**BASE, "end_date": "2025-09-01"}) == {
        "end_date": "la date de fin prévue précède la date de début d'exécution"
    }


def test_other_refusals():
    assert errors_of({**BASE, "npec": 8000}) == {"npec": "champ inconnu"}
    assert errors_of({**BASE, "signature_date": "2020-09-30"}) == {
        "signature_date": "seuls les contrats conclus à compter du 1er octobre 2020 sont simulés (D6332-86)"
    }
    assert errors_of({**BASE, "tutorat_mois": 6}) == {
        "tuteur": "l'âge du tuteur (age) est nécessaire pour calculer l'aide au tutorat"
    }
    assert errors_of({**BASE, "public_prioritaire": "oui"}) == {"public_prioritaire": "true ou false est attendu"}
    assert errors_of({**BASE, "forfait_horaire": "9.155"}) == {"forfait_horaire": "au plus deux décimales"}


def test_service_dispatches_on_contrat():
    assert simulation_as_json({**BASE, "tuteur": {"age": 47}, "tutorat_mois": 6})["total"] == "5730.00"


@pytest.mark.django_db
def test_through_the_command():
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(
        json.dumps({**BASE, "public_prioritaire": True, "tuteur": {"age": 47, "formation_heures": 50}, "tutorat_mois": 8})
    )
    try:
        call_command("simulate_financing", stdout=out, stderr=err)
    finally:
        sys.stdin = old
    assert err.getvalue() == ""
    assert json.loads(out.getvalue()) == {
        "forfait_horaire": "15.00",
        "forfait_source": "defaut",
        "formation": "6000.00",
        "tutorat": "2070.00",
        "formation_tuteur": "600.00",
        "total": "8670.00",
    }

    sys.stdin = io.StringIO(json.dumps({**BASE, "heures_formation": -3}))
    try:
        with pytest.raises(SystemExit) as exit_:
            call_command("simulate_financing", stdout=out, stderr=(err := io.StringIO()))
    finally:
        sys.stdin = old
    assert exit_.value.code == 2
    assert err.getvalue() == "Entrée invalide : heures_formation : le nombre d'heures ne peut pas être négatif.\n"


# --- Branch rates recorded by staff (D6332-85), looked up by the service -------------------------------
def _formation(**changes):
    result = simulation_as_json({**BASE, **changes})
    return result["forfait_horaire"], result["forfait_source"], result["formation"]


@pytest.mark.django_db
def test_branch_rate_12_50_for_400_hours():
    from datetime import date

    pro_rate(branch_with(), "12.50", date(2025, 1, 1))
    assert simulation_as_json({**BASE, "idcc": "1486"}) == {
        "forfait_horaire": "12.50",
        "forfait_source": "branche",
        "formation": "5000.00",
        "tutorat": "0.00",
        "formation_tuteur": "0.00",
        "total": "5000.00",
    }


@pytest.mark.django_db
def test_branch_rate_changed_during_the_year_read_at_signature():
    from datetime import date

    branch = branch_with()
    pro_rate(branch, "11.00", date(2024, 1, 1))
    pro_rate(branch, "12.50", date(2025, 7, 1))
    assert _formation(idcc="1486", signature_date="2025-06-30") == ("11.00", "branche", "4400.00")
    assert _formation(idcc="1486", signature_date="2025-07-01") == ("12.50", "branche", "5000.00")
    assert _formation(idcc="1486", signature_date="2025-07-02") == ("12.50", "branche", "5000.00")
    # signed before the branch's first rate: the legal default
    assert _formation(idcc="1486", signature_date="2023-12-31") == ("9.15", "defaut", "3660.00")


@pytest.mark.django_db
def test_branch_priority_rate_and_fallback_to_general_rate():
    from datetime import date

    branch = branch_with()
    pro_rate(branch, "12.50", date(2025, 1, 1))
    # no priority rate: the general branch rate for the L6325-1-1 public and GEIQ paths too
    assert _formation(idcc="1486", public_prioritaire=True) == ("12.50", "branche", "5000.00")
    assert _formation(idcc="1486", geiq=True) == ("12.50", "branche", "5000.00")
    pro_rate(branch, "16.25", date(2025, 1, 1), priority=True)
    assert _formation(idcc="1486", public_prioritaire=True) == ("16.25", "branche", "6500.00")
    assert _formation(idcc="1486", geiq=True) == ("16.25", "branche", "6500.00")
    assert _formation(idcc="1486") == ("12.50", "branche", "5000.00")


@pytest.mark.django_db
def test_idcc_of_no_branch_or_branch_without_rate_gives_the_default():
    from referentials.models import Idcc

    Idcc.objects.create(code="9999", title="Convention sans branche")
    branch_with("0843")
    assert _formation(idcc="9999") == ("9.15", "defaut", "3660.00")
    assert _formation(idcc="0843") == ("9.15", "defaut", "3660.00")
    assert _formation(idcc="0843", public_prioritaire=True) == ("15.00", "defaut", "6000.00")
    assert _formation(idcc="4242") == ("9.15", "defaut", "3660.00")


@pytest.mark.django_db
def test_request_forfait_still_wins_over_the_branch_rate():
    from datetime import date

    pro_rate(branch_with(), "12.50", date(2025, 1, 1))
    assert _formation(idcc="1486", forfait_horaire="10.00") == ("10.00", "input", "4000.00")
