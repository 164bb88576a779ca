import json
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[3] / "sme_services" / "funding" / "data" / "rule-sets"
EXAMPLES = json.loads((Path(__file__).parent / "data" / "training-funding-examples.json").read_text())


@pytest.fixture
def funding_rules(load):
    """The SMIC table and the three example rule sets, imported in the examples' order."""
    from sme_services.funding.rulesets import read_json, rule_set_import

    load("legal_parameters")
    for name in EXAMPLES[0]["rule_sets"]:
        rule_set_import(actor=None, data=read_json((RULES / name).read_bytes()), file_name=name)
    return EXAMPLES


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def responsable(make_user):
    return make_user(kind="staff", groups=["responsable"], email="responsable@example.org")


@pytest.fixture
def finance(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance1@example.org")


@pytest.fixture
def finance2(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance2@example.org")


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
