"""The demo's NPEC referential: France compétences' workbook shipped in demo/data, imported through
the real import service (branches.npec_import), once — a second seed finds its checksum and skips."""

from pathlib import Path

from branches.models import NpecEntry, NpecPublication
from branches.npec_import import file_checksum, npec_publication_import
from opco.models import AuditEntry

DEMO_NPEC_WORKBOOKS = (Path(__file__).resolve().parent / "data" / "Referentiel-des-NPEC-15.07.2024_vMAJ-18.07.2024.xlsx",)


def demo_npec_import(*, actor) -> int:
    """Import the shipped workbooks not imported yet; the number of NPEC entries then held."""
    for path in DEMO_NPEC_WORKBOOKS:
        if not NpecPublication.objects.filter(checksum=file_checksum(path)).exists():
            npec_publication_import(path=path, actor=actor, source=AuditEntry.Source.COMMAND)
    return NpecEntry.objects.count()
