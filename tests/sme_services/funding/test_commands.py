"""The two commands of TRAINING_FUNDING.md « Interface »: import_funding_rules and
simulate_training_funding, through call_command with files, as a user runs them."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from opco.models import AuditEntry
from sme_services.funding.models import FundingRuleSet

from .conftest import EXAMPLES, RULES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_stores_a_new_version_with_one_french_line():
    out = run("import_funding_rules", str(RULES / "plan50-interpro-2026.json"))
    assert out.strip() == (
        f"Règles EX-PLAN50-INTERPRO-2026-1 importées (version n° {FundingRuleSet.objects.get().pk}, "
        "validées par Conseil d'administration le 2025-12-17)."
    )
    version = FundingRuleSet.objects.get()
    assert version.idcc == ["*"] and version.file_name == "plan50-interpro-2026.json" and len(version.checksum) == 64
    assert AuditEntry.objects.filter(action="funding_rules_import").count() == 1


def test_a_reference_already_imported_is_refused_and_nothing_changes():
    run("import_funding_rules", str(RULES / "plan50-interpro-2026.json"))
    before = list(FundingRuleSet.objects.values())
    with pytest.raises(CommandError) as error:
        run("import_funding_rules", str(RULES / "plan50-interpro-2026.json"))
    assert error.value.returncode == 2 and "reference" in str(error.value) and "déjà importée" in str(error.value)
    assert list(FundingRuleSet.objects.values()) == before


def test_an_invalid_rule_set_names_the_key_exit_2_nothing_stored(tmp_path):
    data = json.loads((RULES / "ssct-interpro-2026.json").read_text())
    data["size_bands"] = [{"min": 11, "max": 50}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as error:
        run("import_funding_rules", str(path))
    assert error.value.returncode == 2 and "size_bands[0].max" in str(error.value)
    assert not FundingRuleSet.objects.exists()


def test_unreadable_json_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{")
    with pytest.raises(CommandError) as error:
        run("import_funding_rules", str(path))
    assert error.value.returncode == 2 and "JSON illisible" in str(error.value)


@pytest.mark.parametrize("case", EXAMPLES, ids=[e["title"][:40] for e in EXAMPLES])
def test_every_example_through_the_command(case, funding_rules, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(case["input"]))
    assert json.loads(run("simulate_training_funding", str(path))) == case["output"]


def test_invalid_request_exit_2_and_nothing_on_stdout(funding_rules, tmp_path):
    request = dict(EXAMPLES[0]["input"], filed_on="2026-02-30")
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("simulate_training_funding", str(path), stdout=out)
    assert error.value.returncode == 2 and "filed_on" in str(error.value)
    assert out.getvalue() == ""


def test_a_newer_import_replaces_the_older_for_what_it_covers(funding_rules, tmp_path):
    data = json.loads((RULES / "plan50-interpro-2026.json").read_text())
    data.update(reference="EX-PLAN50-INTERPRO-2026-2", applies_to_trainings_starting_from="2026-09-01")
    data["pedagogy"]["hourly_caps"]["default"] = "25.00"
    rules = tmp_path / "v2.json"
    rules.write_text(json.dumps(data))
    run("import_funding_rules", str(rules))
    path = tmp_path / "request.json"
    path.write_text(json.dumps(EXAMPLES[9]["input"]))  # starts 2026-10-05
    result = json.loads(run("simulate_training_funding", str(path)))
    assert result["rule_set"] == "EX-PLAN50-INTERPRO-2026-2" and result["lines"][0]["cap"] == "700.00"
    path.write_text(json.dumps(EXAMPLES[0]["input"]))  # starts in March: the older version
    assert json.loads(run("simulate_training_funding", str(path)))["rule_set"] == "EX-PLAN50-INTERPRO-2026-1"
