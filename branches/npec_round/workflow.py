"""The states of a branch's NPEC proposal, run by the spine's engine (opco.workflow): the branch
submits, OPCO staff send back with a comment or accept, then transmit to France compétences « sans
délai » (D6332-78-1 II, D6332-79 II, D6332-79-1 II)."""

from accounts import roles
from branches.npec_round.models import NpecProposal
from branches.npec_round.models import ProposalStatus as S
from opco.workflow import Action, Workflow


def _complete(proposal) -> str:
    missing = [line.rncp for line in proposal.lines.all() if line.proposed_amount is None or not line.justification.strip()]
    if not proposal.lines.exists():
        return "La proposition ne contient aucune certification à décider."
    if missing:
        return f"Chaque certification demande un niveau proposé et une justification ; manquant pour : {', '.join(missing[:10])}."
    return ""


PROPOSAL_WORKFLOW = Workflow(
    code="npec_proposal",
    model=NpecProposal,
    noun=lambda p: f"la proposition de NPEC de {p.branch}",
    actions=(
        Action(
            "submit",
            "Soumettre à l'OPCO",
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            roles=(roles.BRANCH_REP, roles.STAFF),
            precondition=_complete,
        ),
        Action("return", "Renvoyer à la branche", (S.SUBMITTED,), S.RETURNED, roles=(roles.STAFF,)),  # comment: proposal_return
        Action("accept", "Accepter", (S.SUBMITTED,), S.ACCEPTED, roles=(roles.STAFF,), decides=True),
        Action("transmit", "Transmettre à France compétences", (S.ACCEPTED,), S.TRANSMITTED, roles=(roles.STAFF,)),
    ),
    clean_exclude=("campaign", "branch", "cpne", "submitted_by", "decided_by"),
    audit_skip=("review_comment",),
)
