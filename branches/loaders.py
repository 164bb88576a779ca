"""The OPCO's branches follow from the IDCC → OPCO table: loaded with the referentials, right after the
IDCC (registered into referentials.loaders in BranchesConfig.ready())."""

from pathlib import Path

from django.conf import settings

from branches.models import Branch, BranchIdcc
from referentials.loaders import LoadReport, RowIssue
from referentials.models import Idcc


def load_branches(data_dir: Path) -> LoadReport:
    """One branch per IDCC attached to this installation's OPCO, unless the IDCC already belongs to
    a branch (staff may have grouped several conventions into one branch: that is kept)."""
    report = LoadReport("branches", f"Branches de l'{settings.OPCO_NAME}")
    idccs = Idcc.objects.filter(opco_name=settings.OPCO_NAME).order_by("code")
    linked = set(BranchIdcc.objects.values_list("idcc_id", flat=True))
    for idcc in idccs:
        if idcc.pk in linked:
            report.unchanged += 1
            continue
        branch, created = Branch.objects.get_or_create(code=f"IDCC-{idcc.code}", defaults={"name": idcc.title})
        BranchIdcc.objects.create(branch=branch, idcc=idcc)
        if created:
            report.created += 1
        else:
            report.updated += 1
    if not idccs.exists():
        report.issues.append(
            RowIssue(
                "idcc_opco.csv",
                0,
                f"aucun IDCC rattaché à « {settings.OPCO_NAME} » (OPCO_NAME)",
            )
        )
    return report
