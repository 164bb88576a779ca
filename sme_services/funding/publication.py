"""The rule sets of the training funding on the public transparency page (C. trav. R6332-23 1°: the
priorities, criteria and conditions of funding of employers' requests), current and past versions,
per branch: a section registered in `opco.publication`, read by the page's builder (conventions)."""

from django.db.models import Prefetch

from branches.models import Branch
from opco import publication
from sme_services.funding.models import FundingRuleSet

COLUMNS = (
    "Branche",
    "Dispositif",
    "Règles",
    "Version",
    "Formations commençant du",
    "au",
    "Plafonds annuels par effectif",
    "Plafonds horaires pédagogiques",
    "Validées par",
    "le",
)


def _caps(content: dict) -> str:
    bands = content.get("size_bands") or []
    return " ; ".join(f"{band.get('min')} à {band.get('max')} salariés : {band.get('annual_cap')} €" for band in bands)


def _hourly(content: dict) -> str:
    caps = (content.get("pedagogy") or {}).get("hourly_caps") or {}
    return " ; ".join(f"{name} : {value} €/h" for name, value in caps.items())


def rule_set_rows() -> list[list]:
    branches_by_idcc = {}
    for branch in Branch.objects.prefetch_related(Prefetch("idccs")):
        for idcc in branch.idccs.all():
            branches_by_idcc[idcc.code] = branch.name
    rows = []
    for rule_set in FundingRuleSet.objects.order_by("dispositif", "starts_from", "id"):
        if rule_set.idcc == ["*"]:
            names = ["Toutes les branches (défaut interprofessionnel)"]
        else:
            names = sorted({branches_by_idcc.get(code, f"IDCC {code}") for code in rule_set.idcc})
        for name in names:
            rows.append(
                [
                    name,
                    rule_set.get_dispositif_display(),
                    rule_set.label,
                    rule_set.reference,
                    rule_set.starts_from.isoformat(),
                    rule_set.until.isoformat() if rule_set.until else "",
                    _caps(rule_set.content),
                    _hourly(rule_set.content),
                    rule_set.validated_by,
                    rule_set.validated_on.isoformat(),
                ]
            )
    return rows


def register_publication() -> None:
    publication.register_section(
        publication.Section(
            key="regles-moins-50",
            title=(
                "Critères de prise en charge des formations des entreprises de moins de 50 salariés "
                "(versions en vigueur et passées)"
            ),
            columns=COLUMNS,
            rows=rule_set_rows,
            order=10,
        )
    )
