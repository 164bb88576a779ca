"""The transparency page (C. trav. R6332-23): what the OPCO publishes, built into a snapshot by a task
after each settled run, each new version of rules or NPECs, and each day, so that it is never more
than 15 days behind; the public page and its CSV read the latest snapshot only, never live tables.

Sections: priorities and funding criteria per branch (the conventions in force, and the sections other
apps register in `opco.publication`: sme_services' rule sets and diagnostic costs), the NPECs in force
per certification and CPNE with the regions' raises (R6332-23 2°, L6211-3), and the bodies funded with
the amounts paid each year (R6332-23 3°). No personal data: bodies are CFAs and training providers
(never an employer, who may be a person), named by their name and SIRET; no contact, no IBAN.
"""

import csv
import io
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from branches.models import NpecEntry
from conventions.enums import ConventionStatus
from conventions.models import Convention, RegionalNpecRaise, TransparencySection, TransparencySnapshot
from opco import audit, publication
from opco.checks import fr_date
from opco.money import round_money
from payments.enums import BeneficiaryKind, RunStatus, TransferStatus
from payments.models import Public, SizeBand, Transfer

# The columns of the « SCDL subventions » open format (schema.data.gouv.fr, scdl/subventions).
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]
BODY_KINDS = [BeneficiaryKind.CFA, BeneficiaryKind.PROVIDER]
BODY_COLUMNS = ("Année", "Organisme", "SIRET", "Montant versé (€)")
PREVIEW_ROWS = 200  # rows of a section shown on the page; its CSV has them all


def _criteria(convention: Convention) -> str:
    parts = [f"{SizeBand(rate.size_band).label} : {rate.rate} %" for rate in convention.rates.all()]
    if convention.max_hourly_cost is not None:
        parts.append(f"coût horaire plafond {convention.max_hourly_cost} €")
    if convention.max_line_amount is not None:
        parts.append(f"plafond par dossier {convention.max_line_amount} €")
    if convention.max_months:
        parts.append(f"actions de {convention.max_months} mois au plus")
    return " ; ".join(parts)


def priorities_rows() -> list[list]:
    """Per branch, the conventions in force and their criteria (publics, rates, caps, period)."""
    conventions = (
        Convention.objects.filter(status=ConventionStatus.SIGNED).prefetch_related("branches", "rates").order_by("number")
    )
    rows = []
    for convention in conventions:
        branches = ["Toutes les branches"] if convention.all_branches else sorted(b.name for b in convention.branches.all())
        for branch in branches:
            rows.append(
                [
                    branch,
                    convention.title,
                    convention.get_kind_display(),
                    convention.funder,
                    ", ".join(Public(code).label for code in convention.publics),
                    _criteria(convention),
                    f"{fr_date(convention.starts_on)} – {fr_date(convention.ends_on)}",
                    convention.territories,
                ]
            )
    return sorted(rows)


def npec_rows(today: date) -> list[list]:
    """The NPEC in force today for each certification and CPNE: the latest applicable entry."""
    entries = (
        NpecEntry.objects.filter(applicable_from__lte=today)
        .order_by("cpne__code", "rncp", "code_diplome", "-applicable_from", "-publication_id", "-id")
        .values_list("cpne__code", "cpne__name", "rncp", "code_diplome", "title", "amount", "status", "applicable_from")
    )
    rows, seen = [], set()
    for cpne, cpne_name, rncp, code, title, amount, status, since in entries.iterator(chunk_size=5000):
        key = (cpne, rncp, code)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            [cpne, cpne_name, rncp or code, title, str(amount) if amount is not None else (status or "NC"), fr_date(since)]
        )
    return rows


def raise_rows(today: date) -> list[list]:
    raises = RegionalNpecRaise.objects.filter(
        convention__status=ConventionStatus.SIGNED, applicable_from__lte=today, convention__ends_on__gte=today
    ).select_related("convention")
    return [
        [row.convention.funder, row.cpne_code, row.rncp, row.title, str(row.amount), fr_date(row.applicable_from)]
        for row in raises.order_by("convention__funder", "rncp")
    ]


def bodies_rows() -> list[list]:
    """Bodies funded, per year: the transfers of settled runs (a returned transfer, a cancelled run
    excluded), summed per body."""
    totals = (
        Transfer.objects.filter(status=TransferStatus.SETTLED, run__status=RunStatus.SETTLED, account__kind__in=BODY_KINDS)
        .annotate(year=ExtractYear("run__execution_date"))
        .values_list("year", "account__name", "account__identifier")
        .annotate(total=Sum("amount"), last=Max("run__execution_date"))
        .order_by("-year", "account__name", "account__identifier")
    )
    # round_money: SQLite sums decimals as floats (« 1686.30000000000 »); the page shows cents everywhere.
    return [
        [year, name, identifier, str(round_money(Decimal(total))), last.isoformat()]
        for year, name, identifier, total, last in totals
    ]


def scdl_csv(bodies: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SCDL_COLUMNS)
    for year, name, identifier, total, last in bodies:
        writer.writerow(
            [
                settings.OPCO_NAME,
                settings.OPCO_SIRET,
                last,
                f"{year}-{identifier}",
                name,
                identifier,
                f"Prise en charge de formations et de contrats en alternance ({year}, C. trav. L6332-1)",
                total,
                "aide en numéraire",
                "échelonné",
                f"{year}-01-01/{year}-12-31",
                "",
                "Non",
                "",
            ]
        )
    return out.getvalue()


def build_payload(today: date) -> tuple[dict, list[dict], str]:
    bodies = bodies_rows()
    sections = [
        {
            "key": "priorites",
            "title": "Priorités et critères de prise en charge par branche (conventions en vigueur)",
            "columns": ["Branche", "Convention", "Nature", "Financeur", "Publics", "Critères", "Période", "Territoires"],
            "rows": priorities_rows(),
        }
    ]
    for section in publication.sections():
        sections.append({"key": section.key, "title": section.title, "columns": list(section.columns), "rows": section.rows()})
    sections += [
        {
            "key": "npec",
            "title": "Niveaux de prise en charge (NPEC) en vigueur par certification et CPNE",
            "columns": ["CPNE", "Intitulé de la CPNE", "Certification", "Intitulé", "NPEC annuel (€)", "Applicable depuis le"],
            "rows": npec_rows(today),
        },
        {
            "key": "majorations",
            "title": "Majorations régionales de NPEC (L6211-3)",
            "columns": ["Région", "CPNE", "Certification", "Intitulé", "Majoration annuelle (€)", "Applicable depuis le"],
            "rows": raise_rows(today),
        },
        {
            "key": "organismes",
            "title": "Organismes bénéficiaires des fonds et montants versés par année",
            "columns": list(BODY_COLUMNS),
            "rows": [row[:4] for row in bodies],
        },
    ]
    payload = {"date": today.isoformat(), "opco": settings.OPCO_NAME}
    return payload, sections, scdl_csv(bodies)


def transparency_publish(*, reason: str) -> TransparencySnapshot:
    """Build and store a new snapshot (the page switches to it atomically: it reads the latest)."""
    payload, sections, text = build_payload(timezone.localdate())
    with transaction.atomic():
        snapshot = TransparencySnapshot.objects.create(reason=reason[:255], payload=payload, csv=text)
        TransparencySection.objects.bulk_create(
            TransparencySection(
                snapshot=snapshot,
                position=position,
                key=section["key"],
                title=section["title"][:255],
                columns=section["columns"],
                preview=section["rows"][:PREVIEW_ROWS],
                row_count=len(section["rows"]),
                rows=section["rows"],
            )
            for position, section in enumerate(sections)
        )
    audit.record(
        actor=None,
        action="conventions.transparency_published",
        target=snapshot,
        summary=f"Page de transparence publiée : {reason}",
    )
    return snapshot


def section_rows(snapshot: TransparencySnapshot, key: str) -> list[list]:
    return snapshot.sections.get(key=key).rows


def current_snapshot(publication_id: int | None = None, *, with_csv: bool = True) -> TransparencySnapshot | None:
    snapshots = TransparencySnapshot.objects.order_by("-built_at", "-id")
    if not with_csv:
        snapshots = snapshots.defer("csv")
    if publication_id is not None:
        return snapshots.filter(pk=publication_id).first()
    return snapshots.first()
