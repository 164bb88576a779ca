"""The branch's figures: contracts concluded, ruptures, money, by dimension — aggregated in SQL.

Branches sit below the mission apps (DESIGN.md, « Data flows one way »): a mission that concludes
contracts registers a `FactSource` here from its `AppConfig.ready()`. A source answers a queryset of
its files — narrowed to a branch, or every file of the OPCO — annotated with the names below; the
portal groups it in the database (one statement per source for every dimension, `_grouped_all`: never a
loop over rows), then adds up the few aggregated rows of the sources.

Annotations a source provides on each row:
  concluded_on (date)    cert_code, cert_title, level   cfa (name)   postal_code (employer's)
  broken (bool)          committed, paid (Decimal)      npec (Decimal, null when none)
  cpne_code (the CPNE that set the level — D6332-78 III)

A representative sees figures only (RGPD art. 5 1 c): no source column names a person, and a figure
on fewer than 5 apprentices is masked for them (statistical secrecy, `mask`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
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


# Every dimension from one read of a source's rows: the rows (with their per-file subqueries: amounts
# committed and paid) are computed once in a materialised CTE, then grouped once per dimension, all in one
# statement (UNION ALL, on PostgreSQL and SQLite alike). 24 GROUP BY over the same rows took 9.7 s for a
# branch of 22 000 contracts among 1 000 000 (issue 19); the region is read from the département's rows.
_KEYS = {  # dimension -> the key columns of the CTE it groups by (k1, k2)
    "month": ("k_month",),
    "year": ("k_year",),
    "certification": ("k_cert", "k_title"),
    "level": ("k_level",),
    "cfa": ("k_cfa",),
    "departement": ("k_dept",),
}
_KEY_COLUMNS = ("k_month", "k_year", "k_cert", "k_title", "k_level", "k_cfa", "k_dept")
# Typed NULLs: PostgreSQL matches the columns of a UNION pair by pair, and an untyped NULL is text.
_NULLS = {
    "k_month": "CAST(NULL AS DATE)",
    "k_year": "CAST(NULL AS NUMERIC)",
    "k_cert": "CAST(NULL AS TEXT)",
    "k_title": "CAST(NULL AS TEXT)",
    "k_level": "CAST(NULL AS INTEGER)",
    "k_cfa": "CAST(NULL AS TEXT)",
    "k_dept": "CAST(NULL AS TEXT)",
}
_MEASURES = (
    "COUNT(*), SUM(CASE WHEN broken THEN 1 ELSE 0 END), COALESCE(SUM(committed), 0), COALESCE(SUM(paid), 0), "
    "COALESCE(SUM(npec), 0), COUNT(npec)"
)


def _keyed(qs: QuerySet) -> QuerySet:
    """The source's rows with one column per dimension key and the measures, nothing else."""
    return (
        qs.annotate(
            k_month=TruncMonth("concluded_on"),
            k_year=ExtractYear("concluded_on"),
            k_cert=Coalesce("cert_code", Value("")),
            k_title=Coalesce("cert_title", Value("")),
            k_level=Coalesce("level", Value(0)),
            k_cfa=Coalesce("cfa_name", Value("")),
            k_dept=_departement(),
        )
        .values(*_KEY_COLUMNS, "broken", "committed", "paid", "npec")
        .order_by()
    )  # no sort: the rows are grouped


def _typed(values: dict) -> dict:
    """The keys as the ORM would give them: a raw statement leaves SQLite's dates as text and
    PostgreSQL's EXTRACT as a decimal."""
    month, year, level = values["k_month"], values["k_year"], values["k_level"]
    if isinstance(month, str):
        values["k_month"] = date.fromisoformat(month[:10])
    elif isinstance(month, datetime):
        values["k_month"] = month.date()
    values["k_year"] = int(year) if year is not None else None
    values["k_level"] = int(level) if level is not None else None
    return values


def _grouped_all(qs: QuerySet, dimensions) -> list[tuple[str, dict]]:
    """(dimension, {k1, k2, contracts, ruptures, committed, paid, npec_sum, npec_count}) for every group of
    every dimension asked for, in one statement; « kind » is the source's total."""
    inner, params = _keyed(qs).query.sql_with_params()
    branches = []
    for dimension in dimensions:
        if dimension == "kind":
            branches.append(f"SELECT 'kind', {', '.join(_NULLS.values())}, {_MEASURES} FROM facts")  # noqa: S608
            continue
        keys = _KEYS[dimension]
        columns = ", ".join(column if column in keys else _NULLS[column] for column in _KEY_COLUMNS)
        branches.append(f"SELECT '{dimension}', {columns}, {_MEASURES} FROM facts GROUP BY {', '.join(keys)}")  # noqa: S608
    # Only this module's literals are spliced in (dimensions checked against _KEYS); values stay parameters.
    sql = f"WITH facts AS MATERIALIZED ({inner}) " + " UNION ALL ".join(branches)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    grouped = []
    for dimension, *keys, contracts, ruptures, committed, paid, npec_sum, npec_count in fetched:
        if dimension == "kind" and not contracts:
            continue  # a source with no file in the period has no row, as a GROUP BY would give
        values = _typed(dict(zip(_KEY_COLUMNS, keys, strict=True)))
        key_columns = _KEYS.get(dimension, ())
        grouped.append(
            (
                dimension,
                {
                    "k1": values[key_columns[0]] if key_columns else None,
                    "k2": values[key_columns[1]] if len(key_columns) > 1 else None,
                    "contracts": contracts,
                    "ruptures": ruptures or 0,
                    "committed": Decimal(str(committed)),
                    "paid": Decimal(str(paid)),
                    "npec_sum": Decimal(str(npec_sum)),
                    "npec_count": npec_count,
                },
            )
        )
    return grouped


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


def figures_all(*, branch=None, start=None, end=None, kinds=None, sources=None, dimensions=None) -> dict[str, list[Row]]:
    """One list of rows per dimension (every dimension unless `dimensions` says which), every registered
    kind added up (aggregates only): one statement per source, whatever the number of dimensions."""
    wanted = list(dimensions or DIMENSIONS)
    for dimension in wanted:
        if dimension not in DIMENSIONS:
            raise ValueError(f"Dimension inconnue : {dimension}")
    # The region is summed from the départements' rows (regions.region_of): one grouping serves both.
    grouped_dimensions = sorted({"departement" if d == "region" else d for d in wanted}, key=list(DIMENSIONS).index)
    rows: dict[str, dict[tuple, Row]] = {dimension: {} for dimension in wanted}
    for source in sources if sources is not None else fact_sources():
        if kinds and source.kind not in kinds:
            continue
        qs = filtered(source, branch=branch, start=start, end=end)
        for grouped_as, values in _grouped_all(qs, grouped_dimensions):
            if grouped_as == "kind":
                values = {**values, "k1": source.label}
            targets = [d for d in wanted if d == grouped_as or (grouped_as == "departement" and d == "region")]
            for dimension in targets:
                key, label = _label(dimension, values)
                row = rows[dimension].setdefault(key, Row(key=key, label=label))
                row.contracts += values["contracts"]
                row.ruptures += values["ruptures"]
                # round_money: SQLite sums decimals as floats; PostgreSQL's numeric is exact already.
                row.committed += round_money(values["committed"])
                row.paid += round_money(values["paid"])
                row.npec_sum += round_money(values["npec_sum"])
                row.npec_count += values["npec_count"]
    result = {}
    for dimension in wanted:
        ordered = sorted(rows[dimension].values(), key=lambda r: tuple("" if v is None else str(v) for v in r.key))
        if dimension not in ("month", "year", "level"):
            ordered.sort(key=lambda r: -r.contracts)
        result[dimension] = ordered
    return result


def figures_by(dimension: str, *, branch=None, start=None, end=None, kinds=None, sources=None) -> list[Row]:
    """One row per value of `dimension`, every registered kind added up (aggregates only)."""
    return figures_all(branch=branch, start=start, end=end, kinds=kinds, sources=sources, dimensions=[dimension])[dimension]


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
