"""The six worked examples through the three doors: the command, the API and the staff page."""

import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = json.loads((Path(__file__).parent / "data" / "financing-examples.json").read_text(encoding="utf-8"))
IDS = [example["title"] for example in EXAMPLES]

pytestmark = pytest.mark.django_db


def run_command(payload, tmp_path=None):
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(json.dumps(payload) if not isinstance(payload, str) else payload)
    old = sys.stdin
    sys.stdin = stdin
    try:
        call_command("simulate_financing", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_command_reproduces_the_examples(example):
    code, out, err = run_command(example["input"])
    assert (code, err) == (0, "")
    assert json.loads(out) == example["output"]


def test_command_reads_a_file_and_refuses_bad_input_with_exit_2(tmp_path):
    path = tmp_path / "contrat.json"
    path.write_text(json.dumps(EXAMPLES[0]["input"]), encoding="utf-8")
    out = io.StringIO()
    call_command("simulate_financing", str(path), stdout=out)
    assert json.loads(out.getvalue()) == EXAMPLES[0]["output"]

    code, out, err = run_command({**EXAMPLES[0]["input"], "npec": "80.001"})
    assert (code, out) == (2, "")
    assert err == "Entrée invalide : npec : au plus deux décimales.\n"
    code, out, err = run_command("{pas du json")
    assert (code, out) == (2, "") and err.startswith("JSON invalide (ligne 1")


def test_command_as_a_real_process_exit_codes(tmp_path):
    """The interface as a script sees it: stdout JSON and exit 0, or stderr French and exit 2."""
    env = {
        "DJANGO_SETTINGS_MODULE": "opco.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": "",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    good = subprocess.run(
        [sys.executable, "manage.py", "simulate_financing", "-"],
        cwd=ROOT,
        env=env,
        timeout=60,
        input=json.dumps(EXAMPLES[1]["input"]),
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0 and json.loads(good.stdout) == EXAMPLES[1]["output"]
    bad = subprocess.run(
        [sys.executable, "manage.py", "simulate_financing"],
        cwd=ROOT,
        env=env,
        timeout=60,
        input=json.dumps(
            {
                "signature_date": "2019-05-01",
                "start_date": "2019-06-01",
                "end_date": "2020-05-31",
                "certification_level": 4,
                "npec": "7000",
            }
        ),
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert "Régime non pris en charge" in bad.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_api_reproduces_the_examples(client, make_user, example):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    response = client.post(
        reverse("api-simulation-apprenticeship"), data=json.dumps(example["input"]), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == example["output"]


def test_api_refuses_bad_input_with_french_errors_naming_the_field(client, make_user):
    client.force_login(make_user(kind="advisor"))
    payload = {**EXAMPLES[0]["input"], "certification_level": 9, "couleur": "bleu"}
    response = client.post(reverse("api-simulation-apprenticeship"), data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"couleur": "champ inconnu", "certification_level": "un entier de 3 à 8 est attendu"}}


def test_api_is_refused_to_branch_representatives_and_anonymous(client, make_user):
    url = reverse("api-simulation-apprenticeship")
    anonymous = client.post(url, data=json.dumps(EXAMPLES[0]["input"]), content_type="application/json")
    assert anonymous.status_code == 403  # DRF answers the API itself: no redirect to a login page
    client.force_login(make_user(kind="branch_rep"))
    assert client.post(url, data=json.dumps(EXAMPLES[0]["input"]), content_type="application/json").status_code == 403


def test_openapi_schema_documents_the_simulation(client, make_user):
    client.force_login(make_user(kind="staff"))
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/simulations/apprenticeship/"]["post"]
    assert operation["summary"] == "Simuler la prise en charge d'un contrat d'apprentissage"
    assert "400" in operation["responses"] and "200" in operation["responses"]


def page_query(example_input: dict) -> dict:
    """The staff form's fields for an example's input (the form speaks percent for distance)."""
    query = {key: value for key, value in example_input.items() if key not in ("frais_annexes", "distance_learning_share")}
    if "distance_learning_share" in example_input:
        query["distance_learning_share"] = str(round(example_input["distance_learning_share"] * 100, 2))
    for entry in example_input.get("frais_annexes", []):
        query.update(nights=entry["nights"], meals=entry["meals"], first_equipment=entry["first_equipment"])
    return {key: ("on" if value is True else value) for key, value in query.items() if value is not False}


def money_fr(amount: str) -> str:
    """« 5470.00 » → « 5 470,00 » (narrow no-break spaces between thousands, a decimal comma)."""
    whole, cents = f"{Decimal(amount):,.2f}".split(".")
    return whole.replace(",", "\u202f") + "," + cents


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_staff_page_reproduces_the_examples(client, make_user, example):
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    response = client.get(reverse("contracts:simulator"), page_query(example["input"]))
    assert response.status_code == 200
    schedule = response.context["schedule"]
    from contracts.financing.io import schedule_as_dict

    assert schedule_as_dict(schedule) == example["output"]
    html = response.content.decode()
    assert re.search(r'id="total-net">([^<]*)<', html).group(1) == f"{money_fr(example['output']['total_net'])} €"
    assert html.count("<tr><td>") >= len(example["output"]["instalments"])


def test_staff_page_pdf(client, make_user):
    client.force_login(make_user(kind="advisor"))
    response = client.get(reverse("contracts:simulator"), {**page_query(EXAMPLES[0]["input"]), "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000


def test_staff_page_shows_errors_in_french_and_computes_nothing(client, make_user):
    client.force_login(make_user(kind="staff"))
    response = client.get(
        reverse("contracts:simulator"),
        {
            "signature_date": "2025-08-20",
            "start_date": "2025-09-01",
            "end_date": "2025-08-01",
            "certification_level": "5",
            "npec": "8000",
        },
    )
    assert "schedule" not in response.context
    assert response.context["form"].non_field_errors() == ["La date de fin prévue précède la date de début d'exécution."]
    assert "La date de fin prévue précède la date de début d&#x27;exécution." in response.content.decode()


def test_staff_page_takes_level_from_the_certification_and_idcc_from_the_company(client, make_user, load):
    from referentials.models import Idcc
    from tests.referentials.factories import CompanyFactory

    load("certifications", "idcc")
    company = CompanyFactory(idcc=Idcc.objects.get(code="0843"))
    client.force_login(make_user(kind="staff"))
    response = client.get(
        reverse("contracts:simulator"),
        {
            "rncp": "38962",
            "siret": company.siret,
            "signature_date": "2025-08-20",
            "start_date": "2025-09-01",
            "end_date": "2026-08-31",
        },
    )
    schedule = response.context["schedule"]
    # Level 7 from the Kit apprentissage, no NPEC imported: the valeur d'amorçage of level 7.
    assert (schedule.npec, schedule.npec_source.value, schedule.employer_participation) == (7000, "amorcage", 750)
    assert response.context["company"] == company


def test_certification_search_suggests_by_code_and_title(client, make_user, load):
    load("certifications")
    client.force_login(make_user(kind="advisor"))
    url = reverse("contracts:certification_suggestions")
    by_code = client.get(url, {"rncp": "38962"}).context["certifications"]
    assert [c.rncp for c in by_code] == ["RNCP38962"]
    by_title = client.get(url, {"rncp": "biochimie, biologie"}).context["certifications"]
    assert "RNCP38962" in [c.rncp for c in by_title] and len(by_title) <= 20
    assert list(client.get(url, {"rncp": "ab"}).context["certifications"]) == []


def test_the_api_schema_is_for_the_roles_that_use_the_api(client, make_user):
    client.force_login(make_user(kind="branch_rep"))
    assert client.get(reverse("api-schema")).status_code == 403
    client.force_login(make_user(kind="advisor"))
    assert client.get(reverse("api-schema")).status_code == 200


def test_api_infers_the_level_from_the_rncp_fiche_and_the_idcc_from_the_siret_as_the_page_does(
    client, make_user, load, load_certifications
):
    """The inference lives in the service (contracts.financing.service.simulation_infer): every door gets it."""
    from referentials.models import Certification, Company, Idcc

    load("idcc")
    load_certifications("RNCP37566")
    certification = Certification.objects.filter(rncp="RNCP37566").exclude(level=None).first()
    company = Company.objects.create(
        siret="73282932000074", siren="732829320", name="Boulangerie", idcc=Idcc.objects.get(code="0843")
    )
    client.force_login(make_user(kind="staff", groups=["gestionnaire"]))
    url = reverse("api-simulation-apprenticeship")
    given = {**EXAMPLES[0]["input"], "certification_level": certification.level, "rncp": "RNCP37566", "idcc": "0843"}
    inferred = {k: v for k, v in given.items() if k not in ("certification_level", "idcc")}
    inferred.update(rncp="37566", siret=company.siret)
    expected = client.post(url, data=json.dumps(given), content_type="application/json")
    response = client.post(url, data=json.dumps(inferred), content_type="application/json")
    assert expected.status_code == 200 and response.status_code == 200
    assert response.json() == expected.json()

    unknown = client.post(
        url, data=json.dumps({**inferred, "rncp": "RNCP1", "siret": "73282932000082"}), content_type="application/json"
    )
    assert unknown.status_code == 400
    assert unknown.json() == {
        "errors": {
            "rncp": "La fiche RNCP1 est absente du Kit apprentissage.",
            "siret": "Aucune entreprise enregistrée avec ce SIRET.",
        }
    }
