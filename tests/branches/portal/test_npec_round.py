"""The NPEC round (D6332-78 to D6332-79-1): deadlines at their boundaries, the certifications a branch
must decide (on a fixture of the RNCP export), the proposal's states through the workflow engine,
refusals that change nothing, the D6332-78 IV flag, the export read back by the referential's import,
and the reminders."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.certifications import selectors
from branches.models import BranchMembership
from branches.npec_import import read_workbook
from branches.npec_round import services
from branches.npec_round.models import NpecCampaign, NpecProposal, NpecProposalLine
from notifications.models import Reminder
from opco.models import AuditEntry, TransitionLog
from referentials.rncp_export import read_export
from tests.branches.certifications.factories import registered_project
from tests.branches.factories import branch_with
from tests.branches.portal.factories import cpne_for, npec_entry

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).resolve().parent.parent / "data" / "rncp_fixture"
R, V = NpecCampaign.Kind.RECOMMENDATION, NpecCampaign.Kind.REVISION


@pytest.mark.parametrize(
    ("kind", "published", "deadline"),
    [
        (R, date(2026, 1, 15), date(2026, 4, 15)),  # publication + 3 months, same day of the month
        (R, date(2025, 11, 30), date(2026, 2, 28)),  # clipped to the end of February
        (R, date(2027, 11, 30), date(2028, 2, 29)),  # … of a leap year
        (V, date(2026, 1, 15), date(2026, 3, 15)),  # revision: + 2 months (D6332-79-1 II)
        (V, date(2026, 12, 31), date(2027, 2, 28)),
    ],
)
def test_the_deadline_follows_the_article(kind, published, deadline):
    assert services.campaign_deadline(kind, published) == deadline


@pytest.fixture
def world(settings):
    settings.RNCP_EXPORT_DIR = str(FIXTURE)
    read_export.cache_clear()
    branch, other = branch_with("1486"), branch_with("0843")
    cpne, other_cpne = cpne_for("1486", code="CPNE9"), cpne_for("0843", code="CPNE2")
    npec_entry(cpne, "RNCP200", Decimal("7000"), date(2024, 7, 15))
    npec_entry(cpne, "RNCP30", Decimal("6000"), date(2024, 7, 15))
    npec_entry(cpne, "RNCP100", None, date(2024, 7, 15))  # « NC »: still to decide
    npec_entry(other_cpne, "RNCP100", Decimal("5000"), date(2024, 7, 15))  # another CPNE's level does not count
    yield {"branch": branch, "other": other, "cpne": cpne, "other_cpne": other_cpne}
    read_export.cache_clear()


def record(actor=None, published=date(2026, 1, 15), kind=R):
    recs = [
        services.Recommendation("RNCP700", "Technicien", "CPNE9", Decimal("9100")),
        services.Recommendation("RNCP800", "Boulanger", "CPNE2", Decimal("8000")),
        services.Recommendation("RNCP300", "Dessinateur", "", Decimal("6500")),
    ]
    return services.campaign_record(
        actor=actor, title="Recommandations 2026", kind=kind, published_on=published, recommendations=recs
    )


def test_certifications_to_decide_on_a_fixture_of_the_rncp_export(world):
    campaign, report = record()
    items = services.certifications_to_decide(branch=world["branch"], cpne=world["cpne"], campaign=campaign)
    assert [(i["rncp"], i["reason"], i["recommended"], i["current"]) for i in items] == [
        ("RNCP100", "Nouvelle certification au RNCP", None, None),
        (
            "RNCP300",
            "Renouvellement de RNCP30 (niveau 6000.00 €) : modification substantielle à apprécier ; "
            "recommandée par France compétences",
            Decimal("6500.00"),
            Decimal("6000.00"),
        ),
        ("RNCP400", "Renouvellement de RNCP40 sans niveau pour cette CPNE", None, None),
        ("RNCP700", "Nouvelle certification au RNCP ; recommandée par France compétences", Decimal("9100.00"), None),
    ]
    assert report == []
    other = services.certifications_to_decide(branch=world["other"], cpne=world["other_cpne"], campaign=campaign)
    assert [i["rncp"] for i in other] == ["RNCP200", "RNCP300", "RNCP500", "RNCP800"]


def test_recording_a_campaign_opens_the_branches_proposals(world, make_user):
    staff = make_user(kind="staff")
    campaign, _ = record(staff)
    assert campaign.deadline == date(2026, 4, 15)
    proposal = NpecProposal.objects.get(campaign=campaign, branch=world["branch"])
    assert list(proposal.lines.values_list("rncp", flat=True)) == ["RNCP100", "RNCP300", "RNCP400", "RNCP700"]
    assert AuditEntry.objects.filter(action="npec_campaign_record").count() == 1


def test_recommendations_from_a_csv_with_its_report():
    upload = SimpleUploadedFile(
        "reco.csv",
        (
            "Code RNCP;Intitulé;Code CPNE;Montant recommandé\n"
            "RNCP700;Technicien;CPNE9;9 100,00\nRNCPX;Mauvais;;1\nRNCP701;Sans montant;;-5\n"
        ).encode(),
    )
    rows, report = services.recommendations_read(upload)
    assert rows == [services.Recommendation("RNCP700", "Technicien", "CPNE9", Decimal("9100.00"))]
    assert report == ["Ligne 3 : code RNCP « RNCPX » illisible.", "Ligne 4 : le montant recommandé doit être positif."]
    with pytest.raises(ValidationError):
        services.recommendations_read(SimpleUploadedFile("reco.pdf", b"%PDF-1.4"))


def _fill(proposal, amount=Decimal("9000")):
    values = {line.pk: (amount, "Coûts observés des CFA de la branche") for line in proposal.lines.all()}
    return values


def test_the_proposal_runs_submit_return_accept_transmit(world, make_user):
    staff = make_user(kind="staff")
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=world["branch"])
    campaign, _ = record(staff)
    proposal = NpecProposal.objects.get(campaign=campaign, branch=world["branch"])

    # Submitting an incomplete proposal is refused and changes nothing.
    with pytest.raises(ValidationError, match="justification"):
        services.proposal_submit(actor=representative, proposal_id=proposal.pk)
    assert NpecProposal.objects.get(pk=proposal.pk).status == "draft" and not TransitionLog.objects.exists()

    services.proposal_lines_save(actor=representative, proposal_id=proposal.pk, values=_fill(proposal))
    services.proposal_submit(actor=representative, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == "submitted" and proposal.submitted_by == representative

    # Once submitted, the branch no longer edits it, and may not review it.
    line = proposal.lines.first()
    with pytest.raises(ValidationError):
        services.proposal_lines_save(actor=representative, proposal_id=proposal.pk, values={line.pk: (Decimal("1"), "x")})
    assert NpecProposalLine.objects.get(pk=line.pk).proposed_amount == Decimal("9000.00")
    with pytest.raises(ValidationError):
        services.proposal_accept(actor=representative, proposal_id=proposal.pk)
    with pytest.raises(ValidationError):
        services.proposal_return(actor=staff, proposal_id=proposal.pk, comment="  ")

    services.proposal_return(actor=staff, proposal_id=proposal.pk, comment="Justifiez RNCP300.")
    proposal.refresh_from_db()
    assert proposal.status == "returned" and proposal.review_comment == "Justifiez RNCP300."
    services.proposal_submit(actor=representative, proposal_id=proposal.pk)
    services.proposal_accept(actor=staff, proposal_id=proposal.pk)
    services.proposal_transmit(actor=staff, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == "transmitted" and proposal.transmitted_on is not None and proposal.decided_by == staff
    assert list(TransitionLog.objects.order_by("id").values_list("action", flat=True)) == [
        "submit",
        "return",
        "submit",
        "accept",
        "transmit",
    ]


def test_the_export_is_read_back_by_the_referential_import(world, make_user, tmp_path):
    campaign, _ = record(make_user(kind="staff"))
    proposal = NpecProposal.objects.get(campaign=campaign, branch=world["branch"])
    services.proposal_lines_save(
        actor=make_user(kind="staff"), proposal_id=proposal.pk, values=_fill(proposal, Decimal("8765.43"))
    )
    path = tmp_path / "export.xlsx"
    path.write_bytes(services.proposal_export(proposal))
    parsed = read_workbook(path)
    assert parsed.report == []
    assert {(e.certification.rncp_codes[0], e.cpne_code, e.amount) for e in parsed.long_entries} == {
        (code, "CPNE9", Decimal("8765.43")) for code in ("RNCP100", "RNCP300", "RNCP400", "RNCP700")
    }


def test_a_level_changed_before_three_years_is_flagged():
    line = NpecProposalLine(current_amount=Decimal("6000"), current_since=date(2024, 7, 15), proposed_amount=Decimal("6500"))
    assert services.changed_too_soon(line, date(2027, 7, 14))  # three years less a day
    assert not services.changed_too_soon(line, date(2027, 7, 15))  # three years to the day
    line.proposed_amount = Decimal("6000")
    assert not services.changed_too_soon(line, date(2026, 1, 1))  # kept: nothing changed


def test_reminders_to_the_branch_before_the_deadline_and_to_staff_when_late(world, make_user):
    staff = make_user(kind="staff", groups=["responsable"])
    representative = make_user(kind="branch_rep")
    BranchMembership.objects.create(user=representative, branch=world["branch"])
    campaign, _ = record(staff)  # deadline 15 April 2026
    services.round_reminders_schedule(today=date(2026, 3, 1))
    reminder = Reminder.objects.get(kind=services.REMINDER_BRANCH, recipient=representative)
    assert reminder.due_on == date(2026, 3, 31)  # 15 days before
    services.round_reminders_schedule(today=date(2026, 4, 5))  # then 5 days before
    assert sorted(Reminder.objects.filter(kind=services.REMINDER_BRANCH).values_list("due_on", flat=True)) == [
        date(2026, 3, 31),
        date(2026, 4, 10),
    ]
    assert not Reminder.objects.filter(kind=services.REMINDER_LATE).exists()
    services.round_reminders_schedule(today=date(2026, 4, 15))  # the last day: not late yet
    assert not Reminder.objects.filter(kind=services.REMINDER_LATE).exists()
    services.round_reminders_schedule(today=date(2026, 4, 16))
    late = Reminder.objects.filter(kind=services.REMINDER_LATE, recipient=staff)
    assert [r.due_on for r in late] == [date(2026, 4, 16)] * 2  # both branches' proposals are late
    services.round_reminders_schedule(today=date(2026, 4, 20))  # same week: the same reminders
    assert late.all().count() == 2
    services.round_reminders_schedule(today=date(2026, 4, 23))  # a week later: reminded again
    assert late.all().count() == 4


def test_staff_record_a_campaign_from_a_screen_with_its_report(world, client_for, make_user):
    client = client_for(make_user(kind="staff"))
    upload = SimpleUploadedFile(
        "reco.csv", "Code RNCP;Intitulé;Code CPNE;Montant recommandé\nRNCP700;Technicien;CPNE9;9100\nRNCPX;;;1\n".encode()
    )
    response = client.post(
        "/branches/campagnes-npec/nouvelle/",
        {
            "title": "BO du 15 janvier",
            "kind": "revision",
            "published_on": "2026-01-15",
            "file": upload,
            "lines": "RNCP701;Dessinateur;;7000",
        },
        follow=True,
    )
    campaign = NpecCampaign.objects.get(title="BO du 15 janvier")
    assert campaign.deadline == date(2026, 3, 15)  # a revision: two months
    assert sorted(campaign.recommendations.values_list("rncp", flat=True)) == ["RNCP700", "RNCP701"]
    html = response.content.decode()
    assert "Ligne 3 : code RNCP « RNCPX » illisible." in html and "15/03/2026" in html


def test_a_representative_gets_403_on_staff_screens_of_the_round(world, client_for, make_user):
    client = client_for(make_user(kind="branch_rep"))
    for url in ("/branches/campagnes-npec/nouvelle/", "/branches/npec/importer/"):
        assert client.get(url).status_code == 403
    before = NpecCampaign.objects.count()
    client.post("/branches/campagnes-npec/nouvelle/", {"title": "x", "kind": "revision", "published_on": "2026-01-15"})
    assert NpecCampaign.objects.count() == before


def test_the_referential_workbook_is_imported_from_a_screen_with_its_report(client_for, make_user):
    from branches.models import NpecPublication

    path = Path(__file__).resolve().parent.parent / "data" / "VF_11.02.2021_Référentiel-NPEC-20192020_avec_idcc.xlsx"
    client = client_for(make_user(kind="staff"))
    response = client.post(
        "/branches/npec/importer/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "applicable_from": "2021-02-11"},
        follow=True,
    )
    publication = NpecPublication.objects.get()
    assert publication.entry_count > 0
    assert response.redirect_chain[-1][0] == f"/branches/npec/publications/{publication.pk}/"
    assert 'id="publication-report"' in response.content.decode()
    # The same file twice is refused, with a French message, and nothing is added.
    again = client.post("/branches/npec/importer/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert again.status_code == 200 and NpecPublication.objects.count() == 1


def test_the_round_lists_the_branch_s_registered_projects_with_no_level_for_the_cpne(world):
    registered_project(world["branch"], rncp_code="RNCP900", title="CQP Monteur")
    registered_project(world["branch"], rncp_code="RNCP200")  # already has a level for CPNE9: nothing to decide
    registered_project(world["other"], rncp_code="RNCP901")  # another branch's project
    items = {i["rncp"]: i for i in services.certifications_to_decide(branch=world["branch"], cpne=world["cpne"])}
    assert list(items) == ["RNCP100", "RNCP300", "RNCP400", "RNCP900"]
    assert (items["RNCP900"]["reason"], items["RNCP900"]["title"], items["RNCP900"]["current"]) == (
        "Nouvelle certification au RNCP (projet de la branche)",
        "CQP Monteur",
        None,
    )
    # The certifications' own list reads the same projects (one function, registered_rncp_projects) and the
    # same export: each of its fiches is in the round's list.
    assert [item.rncp for item in selectors.new_rncp_without_npec(world["branch"])] == ["RNCP300", "RNCP400", "RNCP900"]
    # Once the CPNE sets its level, the project's fiche leaves the round's list.
    npec_entry(world["cpne"], "RNCP900", Decimal("7500"), date(2026, 3, 1))
    assert "RNCP900" not in [i["rncp"] for i in services.certifications_to_decide(branch=world["branch"], cpne=world["cpne"])]
