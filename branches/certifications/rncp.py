"""When a certification's registration ends — the one answer every screen and the contracts'
CERTIFICATION check share: the referential's « date d'échéance », or the registration the branch obtained
through a project when the referential does not know it yet. The RNCP export itself (lineage, links to
conventions collectives) is read by referentials.rncp_export.
"""

from datetime import date


def registration_end(code: str, referential_rows=None) -> date | None:
    """When the registration of fiche `code` ends: the referential's « date d'échéance » (the latest of
    its rows; none when one row has none), else the end of the registration a branch obtained through a
    project (R6113-12's decision), else None. `referential_rows`: the Certification rows the caller
    already read (the contracts' check reads them once)."""
    from branches.certifications.enums import ProjectStatus
    from branches.certifications.models import CertificationProject
    from referentials.models import Certification

    rows = list(Certification.objects.filter(rncp=code)) if referential_rows is None else list(referential_rows)
    if rows:
        dates = [row.expires_on for row in rows]
        if None not in dates:
            return max(dates)
        return None
    registered = (
        CertificationProject.objects.filter(rncp_code=code, status__in=(ProjectStatus.REGISTERED, ProjectStatus.WITHDRAWN))
        .exclude(registration_ends_on=None)
        .order_by("-registration_ends_on")
        .values_list("registration_ends_on", flat=True)
        .first()
    )
    return registered
