"""Branch funding decisions read by date: which branch holds an IDCC, and the apprenticeship master
aid it decided (D6332-93 2°)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from branches.models import BranchFundingDecision, BranchIdcc


def idcc_codes(idcc_code: str) -> list[str]:
    code = idcc_code.strip().upper()
    codes = [code]
    if code.isdigit() and len(code) < 4:  # « 843 » for the published « 0843 »
        codes.append(code.zfill(4))
    return codes


def branch_id_for_idcc(idcc_code: str) -> int | None:
    """The branch that holds the IDCC, or None (no IDCC, or an IDCC outside the OPCO's branches)."""
    if not idcc_code or not idcc_code.strip():
        return None
    link = BranchIdcc.objects.filter(idcc__code__in=idcc_codes(idcc_code)).first()
    return link.branch_id if link is not None else None


def latest_decision(idcc_code: str, kind: str, on: date) -> BranchFundingDecision | None:
    """The branch's decision of that kind applicable on `on` (the latest `applicable_from` on or before
    it), or None; a decision recorded as stopped (`active=False`) means none from its date."""
    branch_id = branch_id_for_idcc(idcc_code)
    if branch_id is None:
        return None
    decision = (
        BranchFundingDecision.objects.filter(branch_id=branch_id, kind=kind, applicable_from__lte=on)
        .order_by("-applicable_from")
        .first()
    )
    return decision if decision is not None and decision.active else None


@dataclass(frozen=True)
class MasterAid:
    monthly_amount: Decimal
    max_months: int
    source_text: str


def master_aid_for(idcc_code: str, on: date) -> MasterAid | None:
    """The master aid for a contract signed on `on` with an employer under `idcc_code`, when its branch
    decided one (D6332-93 2°: 230 € a month for at most 12 months)."""
    decision = latest_decision(idcc_code, BranchFundingDecision.Kind.MASTER_AID, on)
    if decision is None:
        return None
    source = decision.source or f"décision de la branche {decision.branch} du {decision.applicable_from:%d/%m/%Y}"
    return MasterAid(decision.monthly_amount, decision.max_months, source)
