"""Writes on the NPEC referential made by staff (imports are in branches.npec_import)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Cpne, NpecEntry, NpecExemption, NpecPublication
from opco import audit


@transaction.atomic
def npec_decision_record(
    *,
    actor,
    rncp: str,
    cpne_code: str,
    amount: Decimal | None,
    applicable_from: date,
    status: str = "CPNE",
    title: str = "",
) -> NpecEntry:
    """A CPNE's own decision (certification, CPNE, amount or NC, applicability, status), recorded as
    a publication of its own: it takes effect through the same lookup as an imported level."""
    cpne = Cpne.objects.filter(code=cpne_code).first()
    if cpne is None:
        raise ValidationError({"cpne_code": f"CPNE « {cpne_code} » inconnue : importez d'abord un référentiel qui la liste."})
    publication = NpecPublication(
        kind=NpecPublication.Kind.DECISION,
        title=f"Décision de la CPNE {cpne.code} pour {rncp}, applicable au {applicable_from:%d/%m/%Y}",
        imported_by=actor,
        entry_count=1,
    )
    publication.full_clean()
    publication.save()
    entry = NpecEntry(
        publication=publication,
        cpne=cpne,
        rncp=rncp,
        code_as_published=rncp,
        title=title,
        amount=amount,
        status=status,
        applicable_from=applicable_from,
        sheet="saisie",
    )
    entry.full_clean()
    entry.save()
    audit.record(
        actor=actor,
        action="npec_decision_record",
        target=entry,
        changes={
            "rncp": rncp,
            "cpne": cpne.code,
            "amount": None if amount is None else str(amount),
            "applicable_from": applicable_from.isoformat(),
            "status": status,
        },
        summary=publication.title,
    )
    return entry


@transaction.atomic
def npec_exemption_add(*, actor, rncp: str, title: str = "") -> NpecExemption:
    if NpecExemption.objects.filter(rncp=rncp).exists():
        raise ValidationError({"rncp": f"{rncp} est déjà sur la liste des certifications exemptées."})
    exemption = NpecExemption(rncp=rncp, title=title)
    exemption.full_clean()
    exemption.save()
    audit.record(actor=actor, action="npec_exemption_add", target=exemption, changes={"rncp": rncp})
    return exemption


@transaction.atomic
def npec_exemption_remove(*, actor, exemption: NpecExemption) -> None:
    audit.record(actor=actor, action="npec_exemption_remove", target=exemption, changes={"rncp": exemption.rncp})
    exemption.delete()


def branch_memberships_set(*, actor, user, branches) -> None:
    """The branches a representative sees (CPNE members). Only a representative's account holds
    memberships; the account screen's administrator sets them (audited, with what changed)."""
    from accounts.enums import UserKind
    from accounts.services import MANAGE_REFUSAL, may_manage_accounts
    from branches.models import BranchMembership

    if not may_manage_accounts(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(MANAGE_REFUSAL)
    wanted = {branch.pk: branch for branch in branches}
    if wanted and user.kind != UserKind.BRANCH_REP:
        raise ValidationError({"branches": "Seul un représentant de branche est rattaché à des branches."})
    with transaction.atomic():
        current = dict(BranchMembership.objects.filter(user=user).values_list("branch_id", "branch__name"))
        removed = set(current) - set(wanted)
        added = set(wanted) - set(current)
        if not removed and not added:
            return
        BranchMembership.objects.filter(user=user, branch_id__in=removed).delete()
        BranchMembership.objects.bulk_create([BranchMembership(user=user, branch=wanted[pk]) for pk in sorted(added)])
        audit.record(
            actor=actor,
            action="branch_memberships_set",
            target=user,
            changes={"branches": [sorted(current.values()), sorted(branch.name for branch in wanted.values())]},
            summary=f"Branches de {user.email} : {', '.join(sorted(b.name for b in wanted.values())) or 'aucune'}",
        )
