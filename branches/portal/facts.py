"""The branch's figures: contracts concluded, ruptures, money, by dimension — aggregated in SQL.

Branches sit below the mission apps (DESIGN.md, « Data flows one way »): a mission that concludes
contracts registers a `FactSource` here from its `AppConfig.ready()`. A source answers a queryset of
its files — narrowed to a branch, or every file of the OPCO — annotated with the names below; the
portal groups it in the database (`values(...).annotate(Count, Sum)`: one GROUP BY per source and
dimension, never a loop over rows), then adds up the few aggregated rows of the sources.

Annotations a source provides on each row:
  concluded_on (date)    cert_code, cert_title, level   cfa (name)   postal_code (employer's)
  broken (bool)          committed, paid (Decimal)      npec (Decimal, null when none)
  cpne_code (the CPNE that set the level — D6332-78 III)

A representative sees figures only (RGPD art. 5 1 c): no source column names a person, and a figure
on fewer than 5 apprentices is masked for them (statistical secrecy, `mask`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear, Substr, TruncMonth

from branches.portal.regions import region_of
from opco.money import round_money

SECRECY_THRESHOLD = 5  # a figure on 1 to 4 apprentices is not shown to a representative


@dataclass(frozen=True)
class FactSource:
    kind: str  # « apprentissage », « professionnalisation », « reconversion »
    label: str
    queryset: Callable[..., QuerySet]  # (branch=None) → annotated rows; None: every file of the OPCO
    apprenticeship: bool = False  # counted in the D6332-78 III count


_SOURCES: dict[str, FactSource] = {}


def register_fact_source(source: FactSource) -> None:
    _SOURCES[source.kind] = source


def fact_sources() -> list[FactSource]:
    return list(_SOURCES.values())


def _departement():
    # Corsica (20xxx → 2A / 2B) and the overseas départements (97x) as INSEE writes them.
    return Case(
        When(postal_code__startswith="97", then=Substr("postal_code", 1, 3)),
        When(postal_code__startswith="98", then=Substr("postal_code", 1, 3)),
        When(Q(postal_code__startswith="20") & Q(postal_code__lt="20200"), then=Value("2A")),
        When(postal_code__startswith="20", then=Value("2B")),
        When(postal_code="", then=Value("")),
        default=Substr("postal_code", 1, 2),
        output_field=CharField(),
    )


DIMENSIONS = {
    "month": "Mois de conclusion",
    "year": "Année de conclusion",
    "certification": "Certification",
    "level": "Niveau",
    "cfa": "CFA / organisme",
    "departement": "Département",
    "region": "Région",
    "kind": "Nature du contrat",
}


def _grouped(source: FactSource, qs: QuerySet, dimension: str) -> QuerySet:
    if dimension == "month":
        qs, keys = qs.annotate(k1=TruncMonth("concluded_on")), ["k1"]
    elif dimension == "year":
        qs, keys = qs.annotate(k1=ExtractYear("concluded_on")), ["k1"]
    elif dimension == "certification":
        qs, keys = qs.annotate(k1=Coalesce("cert_code", Value("")), k2=Coalesce("cert_title", Value(""))), ["k1", "k2"]
    elif dimension == "level":
        qs, keys = qs.annotate(k1=Coalesce("level", Value(0))), ["k1"]
    elif dimension == "cfa":
        qs, keys = qs.annotate(k1=Coalesce("cfa_name", Value(""))), ["k1"]
    elif dimension in ("departement", "region"):
        qs, keys = qs.annotate(k1=_departement()), ["k1"]
    elif dimension == "kind":
        qs, keys = qs.annotate(k1=Value(source.label)), ["k1"]
    else:
        raise ValueError(f"Dimension inconnue : {dimension}")
    return (
        qs.order_by()
        .values(*keys)
        .annotate(
            contracts=Count("pk"),
            ruptures=Count("pk", filter=Q(broken=True)),
            committed=Coalesce(Sum("committed"), Value(Decimal("0"))),
            paid=Coalesce(Sum("paid"), Value(Decimal("0"))),
            npec_sum=Coalesce(Sum("npec"), Value(Decimal("0"))),
            npec_count=Count("npec"),
        )
    )


@dataclass
class Row:
    key: tuple
    label: str
    contracts: int = 0
    ruptures: int = 0
    committed: Decimal = Decimal("0")
    paid: Decimal = Decimal("0")
    npec_sum: Decimal = Decimal("0")
    npec_count: int = 0
    masked: bool = False
    ruptures_masked: bool = False

    @property
    def rupture_rate(self) -> Decimal | None:
        if not self.contracts:
            return None
        return (Decimal(self.ruptures) * 100 / self.contracts).quantize(Decimal("0.1"))

    @property
    def average_cost(self) -> Decimal | None:
        return (self.committed / self.contracts).quantize(Decimal("0.01")) if self.contracts else None

    @property
    def average_npec(self) -> Decimal | None:
        return (self.npec_sum / self.npec_count).quantize(Decimal("0.01")) if self.npec_count else None


def _label(dimension: str, values: dict) -> tuple[tuple, str]:
    k1 = values.get("k1")
    if dimension == "month":
        return (k1,), f"{k1:%m/%Y}" if k1 else "—"
    if dimension == "certification":
        return (k1,), f"{k1} – {values.get('k2')}" if k1 else "Sans certification"
    if dimension == "level":
        return (k1,), f"Niveau {k1}" if k1 else "Sans niveau"
    if dimension == "region":
        region = region_of(k1 or "")
        return (region,), region
    return (k1,), str(k1) if k1 not in (None, "") else "Non renseigné"


def filtered(source: FactSource, *, branch=None, start: date | None = None, end: date | None = None) -> QuerySet:
    qs = source.queryset(branch=branch)
    if start:
        qs = qs.filter(concluded_on__gte=start)
    if end:
        qs = qs.filter(concluded_on__lte=end)
    return qs


def figures_by(dimension: str, *, branch=None, start=None, end=None, kinds=None, sources=None) -> list[Row]:
    """One row per value of `dimension`, every registered kind added up (aggregates only)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Dimension inconnue : {dimension}")
    rows: dict[tuple, Row] = {}
    for source in sources if sources is not None else fact_sources():
        if kinds and source.kind not in kinds:
            continue
        for values in _grouped(source, filtered(source, branch=branch, start=start, end=end), dimension):
            key, label = _label(dimension, values)
            row = rows.setdefault(key, Row(key=key, label=label))
            row.contracts += values["contracts"]
            row.ruptures += values["ruptures"]
            # round_money: SQLite sums decimals as floats; PostgreSQL's numeric is exact already.
            row.committed += round_money(values["committed"])
            row.paid += round_money(values["paid"])
            row.npec_sum += round_money(values["npec_sum"])
            row.npec_count += values["npec_count"]
    ordered = sorted(rows.values(), key=lambda r: tuple("" if v is None else str(v) for v in r.key))
    if dimension not in ("month", "year", "level"):
        ordered.sort(key=lambda r: -r.contracts)
    return ordered


def total(rows: list[Row]) -> Row:
    result = Row(key=("total",), label="Total")
    for row in rows:
        result.contracts += row.contracts
        result.ruptures += row.ruptures
        result.committed += row.committed
        result.paid += row.paid
        result.npec_sum += row.npec_sum
        result.npec_count += row.npec_count
    return result


def _secret(count: int) -> bool:
    return 0 < count < SECRECY_THRESHOLD


def mask(rows: list[Row]) -> list[Row]:
    """Statistical secrecy for a representative: a row on 1 to 4 contracts shows none of its figures,
    a rupture count of 1 to 4 is hidden with its rate. Masked rows keep their label only."""
    for row in rows:
        row.masked = _secret(row.contracts)
        row.ruptures_masked = row.masked or _secret(row.ruptures)
    return rows


def cpne_counts(*, start: date, end: date, branch=None) -> list[dict]:
    """D6332-78 III: apprenticeship contracts concluded from `start` to `end` (both included), per
    certification × CPNE. Only sources flagged `apprenticeship` count (no professionalisation, no
    reconversion)."""
    counted: dict[tuple, dict] = {}
    for source in fact_sources():
        if not source.apprenticeship:
            continue
        qs = filtered(source, branch=branch, start=start, end=end).annotate(
            c_code=Coalesce("cert_code", Value("")),
            c_title=Coalesce("cert_title", Value("")),
            c_cpne=Coalesce("cpne_code", Value("")),
        )
        for values in qs.order_by().values("c_code", "c_title", "c_cpne").annotate(contracts=Count("pk")):
            key = (values["c_code"], values["c_cpne"])
            entry = counted.setdefault(
                key, {"code": values["c_code"], "title": values["c_title"], "cpne": values["c_cpne"], "contracts": 0}
            )
            entry["contracts"] += values["contracts"]
    return sorted(counted.values(), key=lambda e: (e["code"], e["cpne"]))


def kind_choices() -> list[tuple[str, str]]:
    return [(s.kind, s.label) for s in fact_sources()]
