"""Reads of branches that depend on who asks: the one place that scopes them to a user."""

from django.db.models import QuerySet

from accounts import roles
from branches.models import Branch


def branches_visible_to(user) -> QuerySet[Branch]:
    """Staff and advisors see every branch of the OPCO; a representative only their own."""
    if roles.BRANCH_REP(user):
        return Branch.objects.filter(memberships__user=user)
    if roles.STAFF(user) or roles.ADVISOR(user):
        return Branch.objects.all()
    return Branch.objects.none()


def branch_idcc_codes(branch) -> list[str]:
    """The IDCC codes of the branch's conventions, as a list (a literal IN lets the planner use the
    employer-IDCC indexes of the files)."""
    return branch.idcc_codes


def idcc_codes_of_user_branches(user) -> QuerySet:
    return Branch.idccs.through.objects.filter(branch__memberships__user=user).values("idcc_id")


def npec_entries_visible_to(user):
    """Staff and advisors read the whole referential; a representative the levels of the CPNE that
    cover their branch's conventions (read-only)."""
    from branches.models import CpneIdcc, NpecEntry

    entries = NpecEntry.objects.select_related("cpne", "publication")
    if roles.STAFF(user) or roles.ADVISOR(user):
        return entries
    if roles.BRANCH_REP(user):
        idcc_codes = Branch.idccs.through.objects.filter(branch__memberships__user=user).values("idcc__code")
        cpne_ids = CpneIdcc.objects.filter(idcc_code__in=idcc_codes).values("cpne_id")
        return entries.filter(cpne_id__in=cpne_ids)
    return entries.none()


def npec_publications_visible_to(user):
    from branches.models import NpecPublication

    if roles.STAFF(user):
        return NpecPublication.objects.select_related("imported_by")
    return NpecPublication.objects.none()
