"""The cost of the proximity service's diagnostics on the public transparency page (C. trav. R6332-23:
the OPCO publishes the cost of the services it funds): per type of diagnostic, the finished diagnostics
done by an external consultant (an advisor's own diagnostic costs the company nothing), their number,
average and range of cost, average day rate and days, and the OPCO's share. Aggregated only: never a
company, a consultant or a contact. A section registered in `opco.publication`, read by the page's
builder (conventions) into its snapshot."""

from decimal import Decimal

from django.db.models import Avg, Count, Max, Min, Sum

from opco import publication
from opco.money import round_money
from sme_services.enums import DiagnosticKind, DiagnosticStatus
from sme_services.models import Diagnostic

KEY = "cout-diagnostics"
COLUMNS = (
    "Type de diagnostic",
    "Diagnostics réalisés",
    "Coût moyen (€)",
    "Coût minimal (€)",
    "Coût maximal (€)",
    "Prix moyen de la journée (€)",
    "Jours en moyenne",
    "Part OPCO moyenne (€)",
    "Part OPCO (% du coût)",
)


def _money(value) -> str:
    return str(round_money(Decimal(value or 0)))


def diagnostic_cost_rows() -> list[list]:
    """One row per type of diagnostic having at least one finished, costed diagnostic."""
    totals = (
        Diagnostic.objects.filter(status=DiagnosticStatus.COMPLETED, cost__gt=0)
        .values("kind")
        .annotate(
            count=Count("id"),
            average=Avg("cost"),
            lowest=Min("cost"),
            highest=Max("cost"),
            day_rate=Avg("day_rate"),
            days=Avg("days"),
            opco_average=Avg("opco_amount"),
            opco_total=Sum("opco_amount"),
            cost_total=Sum("cost"),
        )
        .order_by("kind")
    )
    labels = dict(DiagnosticKind.choices)
    rows = []
    for row in totals:
        share = round_money(Decimal(row["opco_total"]) * 100 / Decimal(row["cost_total"]))
        rows.append(
            [
                labels.get(row["kind"], row["kind"]),
                row["count"],
                _money(row["average"]),
                _money(row["lowest"]),
                _money(row["highest"]),
                _money(row["day_rate"]),
                str(Decimal(row["days"] or 0).quantize(Decimal("0.1"))),
                _money(row["opco_average"]),
                str(share),
            ]
        )
    return sorted(rows)


def register() -> None:
    publication.register_section(
        publication.Section(
            key=KEY,
            title="Coût des diagnostics du service de proximité (entreprises de moins de 50 salariés)",
            columns=COLUMNS,
            rows=diagnostic_cost_rows,
            order=20,
        )
    )
