"""The NPEC round's writes: campaigns of France compétences' recommendations, the branches'
proposals and their review, transmission, reminders (D6332-78 to D6332-79-1)."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.enums import StaffGroup, UserKind
from branches.certifications.selectors import registered_rncp_projects
from branches.models import Branch, BranchMembership, Cpne, CpneIdcc, NpecEntry
from branches.npec_round.models import NpecCampaign, NpecProposal, NpecProposalLine, NpecRecommendation, ProposalStatus
from branches.npec_round.workflow import PROPOSAL_WORKFLOW
from branches.selectors import branch_idcc_codes
from opco import audit
from opco.calendar import add_months
from opco.money import round_money
from referentials.rncp_export import RncpExport, current_export

# D6332-78-1 II and D6332-79 II: three months from the publication in the bulletin officiel;
# D6332-79-1 II: two months for revised recommendations.
DELAY_MONTHS = {NpecCampaign.Kind.RECOMMENDATION: 3, NpecCampaign.Kind.REVISION: 2}
MINIMUM_YEARS = 3  # D6332-78 IV: a level holds at least three years
BRANCH_REMINDER_DAYS = (15, 5)  # the branch is reminded 15 and 5 days before the deadline
REMINDER_BRANCH = "npec_round_branch"
REMINDER_LATE = "npec_round_late"


def campaign_deadline(kind: str, published_on: date) -> date:
    """The last day for the branches to decide: publication + 3 months (+ 2 for a revision), clipped to
    the month's end (30 November + 3 months → 28 or 29 February)."""
    return add_months(published_on, DELAY_MONTHS[kind])


# --- Recommendations, from a file or by hand --------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    rncp: str
    title: str
    cpne_code: str
    amount: Decimal


COLUMNS = {
    "rncp": ("code rncp", "rncp", "fiche rncp"),
    "title": ("intitulé", "intitule", "libellé", "libelle", "intitulé de la certification"),
    "cpne": ("code cpne", "cpne"),
    "amount": ("montant recommandé", "montant recommande", "montant", "npec recommandé", "recommandation"),
}


def _column(header: list[str], role: str) -> int | None:
    wanted = COLUMNS[role]
    return next((i for i, name in enumerate(header) if name.strip().lower() in wanted), None)


def recommendations_read(upload) -> tuple[list[Recommendation], list[str]]:
    """Rows of a CSV (« ; ») or XLSX file: Code RNCP, Intitulé, Code CPNE (optional), Montant recommandé.
    Returns the rows read and the French report of the rows refused (line and reason)."""
    name = (getattr(upload, "name", "") or "").lower()
    if getattr(upload, "size", 0) > 10 * 1024 * 1024:
        raise ValidationError("Le fichier dépasse 10 Mo.")
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(upload, read_only=True, data_only=True).active
        except Exception:
            raise ValidationError("Classeur illisible : un fichier .xlsx est attendu.") from None
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("Le fichier CSV doit être encodé en UTF-8.") from None
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    else:
        raise ValidationError("Formats acceptés : .csv (séparateur « ; ») ou .xlsx.")
    if not rows:
        raise ValidationError("Le fichier est vide.")
    header = rows[0]
    index = {role: _column(header, role) for role in COLUMNS}
    if index["rncp"] is None or index["amount"] is None:
        raise ValidationError(
            "En-têtes attendus : « Code RNCP » et « Montant recommandé » (et, s'il y a lieu, « Intitulé », « Code CPNE »)."
        )
    read, report = [], []
    for number, row in enumerate(rows[1:], start=2):

        def cell(role, row=row):
            return row[index[role]].strip() if index[role] is not None and index[role] < len(row) else ""

        if not any(v.strip() for v in row):
            continue
        rncp = cell("rncp").upper().replace(" ", "")
        if not rncp.startswith("RNCP") or not rncp[4:].isdigit():
            report.append(f"Ligne {number} : code RNCP « {cell('rncp')} » illisible.")
            continue
        try:
            amount = round_money(
                Decimal(cell("amount").replace("€", "").replace("\u202f", "").replace(" ", "").replace(",", "."))
            )
        except (InvalidOperation, ValueError):
            report.append(f"Ligne {number} : montant « {cell('amount')} » illisible.")
            continue
        if amount <= 0:
            report.append(f"Ligne {number} : le montant recommandé doit être positif.")
            continue
        read.append(Recommendation(rncp, cell("title")[:500], cell("cpne"), amount))
    return read, report


def campaign_record(
    *, actor, title: str, kind: str, published_on: date, recommendations: list[Recommendation], source_file: str = ""
) -> tuple[NpecCampaign, list[str]]:
    """Record a campaign with its deadline, its recommendations (unknown CPNE codes reported, not
    created), and open a proposal for every branch × CPNE that has certifications to decide."""
    if kind not in DELAY_MONTHS:
        raise ValidationError({"kind": "Nature de campagne inconnue."})
    report = []
    with transaction.atomic():
        campaign = NpecCampaign(
            title=title,
            kind=kind,
            published_on=published_on,
            deadline=campaign_deadline(kind, published_on),
            source_file=source_file[:255],
            created_by=actor,
        )
        campaign.full_clean()
        campaign.save()
        cpnes = {c.code: c for c in Cpne.objects.all()}
        seen = set()
        for rec in recommendations:
            cpne = cpnes.get(rec.cpne_code) if rec.cpne_code else None
            if rec.cpne_code and cpne is None:
                report.append(f"{rec.rncp} : CPNE « {rec.cpne_code} » inconnue, recommandation gardée pour toutes les CPNE.")
            key = (rec.rncp, cpne.pk if cpne else None)
            if key in seen:
                report.append(f"{rec.rncp} : recommandation en double, la première est gardée.")
                continue
            seen.add(key)
            NpecRecommendation.objects.create(campaign=campaign, rncp=rec.rncp, title=rec.title, cpne=cpne, amount=rec.amount)
        opened = 0
        for branch in Branch.objects.filter(active=True):
            for cpne in branch_cpnes(branch):
                if certifications_to_decide(branch=branch, cpne=cpne, campaign=campaign):
                    proposal_open(actor=actor, campaign=campaign, branch=branch, cpne=cpne)
                    opened += 1
        audit.record(
            actor=actor,
            action="npec_campaign_record",
            target=campaign,
            changes={
                "deadline": [None, str(campaign.deadline)],
                "recommendations": [None, len(seen)],
                "proposals": [None, opened],
            },
            summary=(
                f"Campagne NPEC « {title} » : date limite {campaign.deadline:%d/%m/%Y}, "
                f"{len(seen)} recommandation(s), {opened} proposition(s) ouvertes"
            ),
        )
    return campaign, report


# --- What a branch must decide ----------------------------------------------------------------------
def branch_cpnes(branch):
    """The CPNE covering the branch's conventions (« Onglet 4 » of the referential's publications)."""
    codes = CpneIdcc.objects.filter(idcc_code__in=branch_idcc_codes(branch)).values("cpne_id")
    return Cpne.objects.filter(pk__in=codes).order_by("code")


def _levels(cpne, fiches) -> dict[str, NpecEntry]:
    """The latest level of each fiche for the CPNE (NC included: an entry without amount)."""
    latest: dict[str, NpecEntry] = {}
    for entry in NpecEntry.objects.filter(cpne=cpne, rncp__in=list(fiches)).order_by("rncp", "-applicable_from", "-id"):
        latest.setdefault(entry.rncp, entry)
    return latest


def certifications_to_decide(*, branch, cpne, campaign=None, export: RncpExport | None = None) -> list[dict]:
    """D6332-79 I: the fiches of the branch's conventions (RNCP export) and those France compétences
    recommends for this CPNE, and those the branch's own projects registered (the certifications'
    registered_rncp_projects), that have no NPEC for it: new in the RNCP, or renewing an older fiche (a
    renewal keeps its level unless substantially changed — D6332-78 V — so it is listed with the older
    fiche's level for the branch to confirm or change)."""
    export = export or current_export()
    fiches = set()
    for code in branch_idcc_codes(branch):
        fiches |= export.idcc_fiches.get(code, frozenset())
    projects = {item.rncp: item for item in registered_rncp_projects(branch)}
    fiches |= set(projects)
    recommended = {}
    if campaign is not None:
        # The CPNE's own recommendation first, then those naming no CPNE.
        for rec in [*campaign.recommendations.filter(cpne=cpne), *campaign.recommendations.filter(cpne__isnull=True)]:
            recommended.setdefault(rec.rncp, rec)
        fiches |= set(recommended)
    levels = _levels(cpne, fiches | {old for f in fiches for old in export.older.get(f, ())})
    result = []
    for fiche in sorted(fiches, key=lambda f: int(f[4:]) if f[4:].isdigit() else 0):
        if fiche in levels and levels[fiche].amount is not None:
            continue  # already has a level for this CPNE
        olds = sorted(export.older.get(fiche, ()))
        previous = next((levels[o] for o in olds if o in levels and levels[o].amount is not None), None)
        if previous is not None:
            reason = f"Renouvellement de {previous.rncp} (niveau {previous.amount} €) : modification substantielle à apprécier"
        elif olds:
            reason = f"Renouvellement de {', '.join(olds)} sans niveau pour cette CPNE"
        else:
            reason = "Nouvelle certification au RNCP" + (" (projet de la branche)" if fiche in projects else "")
        rec = recommended.get(fiche)
        project = projects.get(fiche)
        result.append(
            {
                "rncp": fiche,
                "title": rec.title if rec else (levels[fiche].title if fiche in levels else (project.title if project else "")),
                "reason": reason + (" ; recommandée par France compétences" if rec else ""),
                "recommended": rec.amount if rec else None,
                "current": previous.amount if previous else None,
                "current_since": previous.applicable_from if previous else None,
            }
        )
    return result


# --- The proposal -----------------------------------------------------------------------------------
def proposal_open(*, actor, campaign, branch, cpne) -> NpecProposal:
    with transaction.atomic():
        proposal, created = NpecProposal.objects.get_or_create(campaign=campaign, branch=branch, cpne=cpne)
        if created:
            for item in certifications_to_decide(branch=branch, cpne=cpne, campaign=campaign):
                NpecProposalLine.objects.create(
                    proposal=proposal,
                    rncp=item["rncp"],
                    title=item["title"][:500],
                    reason=item["reason"][:255],
                    recommended_amount=item["recommended"],
                    current_amount=item["current"],
                    current_since=item["current_since"],
                )
            audit.record(actor=actor, action="npec_proposal_open", target=proposal, summary=f"Proposition ouverte : {proposal}")
    return proposal


def may_edit(user, proposal) -> bool:
    from accounts import roles

    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.RETURNED):
        return False
    if roles.STAFF(user):
        return True
    return roles.BRANCH_REP(user) and BranchMembership.objects.filter(user=user, branch=proposal.branch).exists()


def proposal_lines_save(*, actor, proposal_id: int, values: dict[int, tuple[Decimal | None, str]]) -> NpecProposal:
    """The levels and justifications the branch enters; refused (nothing saved) once submitted."""
    with transaction.atomic():
        proposal = NpecProposal.objects.select_for_update(of=("self",)).get(pk=proposal_id)
        if not may_edit(actor, proposal):
            raise ValidationError(f"La proposition est « {proposal.get_status_display()} » : elle ne se modifie plus.")
        changes = {}
        for line in proposal.lines.select_for_update():
            if line.pk not in values:
                continue
            amount, justification = values[line.pk]
            amount = round_money(amount) if amount is not None else None
            if amount is not None and amount <= 0:
                raise ValidationError(f"{line.rncp} : le niveau proposé doit être positif.")
            if (line.proposed_amount, line.justification) != (amount, justification.strip()):
                changes[line.rncp] = [str(line.proposed_amount or ""), str(amount or "")]
                line.proposed_amount, line.justification = amount, justification.strip()
                line.full_clean(exclude=["proposal"])
                line.save()
        if changes:
            audit.record(
                actor=actor,
                action="npec_proposal_lines_save",
                target=proposal,
                changes=changes,
                summary="Niveaux proposés enregistrés",
            )
    return proposal


def proposal_submit(*, actor, proposal_id: int) -> NpecProposal:
    with transaction.atomic():
        proposal, action = PROPOSAL_WORKFLOW.lock(proposal_id, "submit", actor=actor)
        if not may_edit(actor, proposal):
            raise ValidationError("Seuls les représentants de cette branche et l'OPCO soumettent sa proposition.")
        return PROPOSAL_WORKFLOW.apply(proposal, action, actor=actor, submitted_on=timezone.localdate(), submitted_by=actor)


def proposal_return(*, actor, proposal_id: int, comment: str) -> NpecProposal:
    if not comment.strip():
        raise ValidationError({"comment": "Un renvoi à la branche demande un commentaire."})
    with transaction.atomic():
        proposal, action = PROPOSAL_WORKFLOW.lock(proposal_id, "return", actor=actor)
        proposal.review_comment = comment.strip()
        return PROPOSAL_WORKFLOW.apply(proposal, action, actor=actor, review_comment=comment.strip())


def proposal_accept(*, actor, proposal_id: int) -> NpecProposal:
    return PROPOSAL_WORKFLOW.transition(actor=actor, pk=proposal_id, code="accept")


def proposal_transmit(*, actor, proposal_id: int) -> NpecProposal:
    """D6332-78-1 II: the OPCO passes the levels on to France compétences « sans délai »: the export in
    the referential's layout is recorded with its date."""
    with transaction.atomic():
        proposal, action = PROPOSAL_WORKFLOW.lock(proposal_id, "transmit", actor=actor)
        today = timezone.localdate()
        name = f"npec-{proposal.cpne.code}-{proposal.branch.code}-{today:%Y%m%d}.xlsx"
        return PROPOSAL_WORKFLOW.apply(proposal, action, actor=actor, transmitted_on=today, transmission_file=name)


# --- D6332-78 IV ------------------------------------------------------------------------------------
def changed_too_soon(line: NpecProposalLine, on: date) -> bool:
    """A level set less than three years before `on` and changed by the proposal (D6332-78 IV: lawful
    only to follow France compétences' recommendations or their revision — flagged for review)."""
    if line.current_amount is None or line.current_since is None or line.proposed_amount is None:
        return False
    if line.proposed_amount == line.current_amount:
        return False
    return line.current_since > add_months(on, -12 * MINIMUM_YEARS)


# --- Export in the referential's layout --------------------------------------------------------------
EXPORT_HEADER = [
    "Code RNCP",
    "Code diplôme",
    "Libellé de la formation",
    "Code CPNE",
    "CPNE",
    "NPEC final",
    "Statut",
    "Date d'applicabilité",
]


def proposal_export(proposal: NpecProposal) -> bytes:
    """The long sheet of the référentiel des NPEC (« Onglet 3 »), one row per certification: what the
    import (branches.npec_import) reads back."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Onglet 3 - référentiel NPEC"
    sheet.append(EXPORT_HEADER)
    for line in proposal.lines.order_by("rncp"):
        sheet.append(
            [
                line.rncp,
                "",
                line.title,
                proposal.cpne.code,
                proposal.cpne.name,
                float(line.proposed_amount) if line.proposed_amount is not None else "NC",
                "Proposé par la CPNE",
                proposal.campaign.deadline,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Reminders (notifications.deadlines register_producer) ------------------------------------------
def _staff_reviewers():
    users = get_user_model().objects.filter(kind=UserKind.STAFF, is_active=True)
    responsables = users.filter(groups__name=StaffGroup.RESPONSABLE.value)
    return responsables if responsables.exists() else users.filter(groups__name=StaffGroup.GESTIONNAIRE.value)


def round_reminders_schedule(*, today: date) -> int:
    """Before the deadline, remind each representative of a branch whose proposal is not yet submitted
    (15 and 5 days before); after it, remind staff once a week of every proposal not yet transmitted.
    A reminder is unique per target, kind and day (notifications.reminder_schedule): the branch's
    reminder hangs off the membership, the late one off the proposal."""
    from notifications.services import reminder_schedule

    planned = 0
    open_statuses = (ProposalStatus.DRAFT, ProposalStatus.RETURNED)
    pending = NpecProposal.objects.filter(status__in=open_statuses, campaign__deadline__gte=today).select_related(
        "campaign", "branch"
    )
    by_branch: dict[int, list[NpecProposal]] = {}
    for proposal in pending:
        by_branch.setdefault(proposal.branch_id, []).append(proposal)
    for branch_id, proposals in by_branch.items():
        days = [p.campaign.deadline - timedelta(days=d) for p in proposals for d in BRANCH_REMINDER_DAYS]
        upcoming = [day for day in days if day >= today]
        if not upcoming:
            continue
        first = min(proposals, key=lambda p: p.campaign.deadline)
        lines = "; ".join(
            f"« {p.campaign.title} » (CPNE {p.cpne.code}) avant le {p.campaign.deadline:%d/%m/%Y}" for p in proposals
        )
        for membership in BranchMembership.objects.filter(branch_id=branch_id, user__is_active=True).select_related("user"):
            reminder_schedule(
                target=membership,
                kind=REMINDER_BRANCH,
                due_on=min(upcoming),
                recipient=membership.user,
                link=reverse("branches:proposal", args=[first.pk]),
                subject=f"NPEC : proposition à soumettre avant le {first.campaign.deadline:%d/%m/%Y}",
                context={
                    "message": (
                        f"La branche {first.branch} doit soumettre ses niveaux de prise en charge : {lines} "
                        "(C. trav. D6332-78-1 II, D6332-79 II, D6332-79-1 II)."
                    )
                },
            )
            planned += 1
    reviewer = _staff_reviewers().order_by("email").first()
    if reviewer is None:
        return planned
    late = (
        NpecProposal.objects.filter(campaign__deadline__lt=today)
        .exclude(status=ProposalStatus.TRANSMITTED)
        .select_related("campaign", "branch")
    )
    for proposal in late:
        # Once a week from the day after the deadline.
        weeks = (today - proposal.campaign.deadline - timedelta(days=1)).days // 7
        reminder_schedule(
            target=proposal,
            kind=REMINDER_LATE,
            due_on=proposal.campaign.deadline + timedelta(days=1 + 7 * weeks),
            recipient=reviewer,
            link=reverse("branches:proposal", args=[proposal.pk]),
            subject=f"NPEC en retard : {proposal.branch} ({proposal.get_status_display()})",
            context={
                "message": (
                    f"La date limite du {proposal.campaign.deadline:%d/%m/%Y} est passée pour « {proposal.campaign.title} » ; "
                    f"la proposition de {proposal.branch} est « {proposal.get_status_display()} ». "
                    "L'OPCO transmet sans délai à France compétences (D6332-78-1 II)."
                )
            },
        )
        planned += 1
    return planned


def cpne_mapping_record(*, actor, cpne_code: str, cpne_name: str, idcc_codes: list[str]) -> Cpne:
    """Record that a CPNE covers these IDCC when no imported referential says so yet (a new CPNE, a
    demo): a publication of kind « décision » holding the mappings, never overwriting an import."""
    from branches.models import NpecPublication

    with transaction.atomic():
        cpne, _ = Cpne.objects.get_or_create(code=cpne_code, defaults={"name": cpne_name})
        publication = NpecPublication.objects.create(
            kind=NpecPublication.Kind.DECISION,
            title=f"Rattachements de la CPNE {cpne_code}",
            imported_by=actor,
            mapping_count=len(idcc_codes),
        )
        for code in idcc_codes:
            CpneIdcc.objects.create(publication=publication, cpne=cpne, idcc_code=code)
        audit.record(
            actor=actor,
            action="cpne_mapping_record",
            target=publication,
            changes={"idcc": [None, idcc_codes]},
            summary=str(publication),
        )
    return cpne
