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
