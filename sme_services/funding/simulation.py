"""The simulator, one service behind its doors (the command, the API, the page, the instruction of a
real request, the benchmark): TRAINING_FUNDING.md §2 in, §6 out."""

from referentials.models import LegalParameter
from sme_services.funding.engine import Result, SmicTable, simulate
from sme_services.funding.rulesets import parsed_rule_sets

_SMIC: dict = {"key": None, "table": None}


def smic_table() -> SmicTable:
    """The hourly SMIC of the referential's legal parameters (métropole)."""
    rows = list(LegalParameter.objects.filter(key="smic_hourly").order_by("valid_from").values_list("valid_from", "value"))
    key = tuple(rows)
    if _SMIC["key"] != key:
        _SMIC["table"], _SMIC["key"] = SmicTable(rows), key
    return _SMIC["table"]


def training_funding_simulate(data) -> Result:
    """Raises sme_services.funding.inputs.InvalidInput (French, naming the key) on invalid input."""
    return simulate(data, parsed_rule_sets(), smic_table())


def simulation_as_json(data) -> dict:
    return training_funding_simulate(data).as_dict()
