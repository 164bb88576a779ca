from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.db.models import Sum

from accounts.models import User
from branches.models import BranchMembership
from referentials.models import Company
from referentials.validators import is_valid_iban, is_valid_siret

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "gestionnaire@demo.local": ("staff", {"gestionnaire"}),
    "finance1@demo.local": ("staff", {"finance"}),
    "finance2@demo.local": ("staff", {"finance"}),
    "responsable@demo.local": ("staff", {"responsable"}),
    "conseiller@demo.local": ("advisor", set()),
    "branche@demo.local": ("branch_rep", set()),
    "branche2@demo.local": ("branch_rep", set()),
    "admin@demo.local": ("staff", {"administrateur"}),
}


def test_seed_demo_needs_the_referentials():
    with pytest.raises(CommandError, match="load_referentials"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_one_account_per_role_with_totp_and_is_idempotent(load, capsys):
    load("idcc", "branches", "naf")
    call_command("seed_demo", contracts=0)
    output = capsys.readouterr().out
    assert "Demo-OPCO-2026!" in output and "OPCODEMOBACKOFFICETOTPSECRETAAAA" in output
    users = {u.email: u for u in User.objects.all()}
    assert set(users) == set(DEMO_EMAILS)
    for email, (kind, groups) in DEMO_EMAILS.items():
        user = users[email]
        assert (user.kind, set(user.group_names), user.is_demo) == (kind, groups, True)
        assert user.check_password("Demo-OPCO-2026!")
        assert Authenticator.objects.filter(user=user, type="totp").count() == 1
    assert users["admin@demo.local"].is_staff and not users["gestionnaire@demo.local"].is_staff
    membership = BranchMembership.objects.get(user=users["branche@demo.local"])
    assert membership.branch.code == "IDCC-0843" and membership.is_admin
    assert BranchMembership.objects.get(user=users["branche2@demo.local"]).branch.code == "IDCC-2596"
    assert Company.objects.count() == 12
    assert all(is_valid_siret(c.siret) and c.idcc.opco_name == "OPCO entreprises de proximité" for c in Company.objects.all())

    call_command("seed_demo", contracts=0)
    assert User.objects.count() == 8 and Company.objects.count() == 12
    assert Authenticator.objects.count() == 8 and BranchMembership.objects.count() == 2


def test_demo_totp_prints_a_code_only_when_demo_accounts_exist(load, capsys):
    with pytest.raises(CommandError):
        call_command("demo_totp")
    load("idcc", "branches", "naf")
    call_command("seed_demo", contracts=0)
    capsys.readouterr()
    call_command("demo_totp")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()


def test_seed_demo_deposits_realistic_contracts_through_the_real_services(load, capsys):
    from contracts.enums import ContractStatus
    from contracts.models import ApprenticeshipContract, CfaDocument, Commitment
    from sme_services.models import PortfolioCompany

    load()
    call_command("seed_demo", contracts=12)
    assert ApprenticeshipContract.objects.count() == 12
    # Professionalisation contracts (one in five) are deposited by their acceptance (D6325-2).
    accepted = ApprenticeshipContract.objects.filter(status__in=(ContractStatus.ACCEPTED, ContractStatus.DEPOSITED))
    assert accepted.count() + ApprenticeshipContract.objects.filter(status=ContractStatus.REFUSED).count() == 9
    assert Commitment.objects.count() == accepted.count() > 0
    assert all(c.commitment.instalments.exists() for c in accepted)
    assert ApprenticeshipContract.objects.filter(status=ContractStatus.RECEIVED).count() == 3  # the work queue
    assert ApprenticeshipContract.objects.filter(employer_idcc="0843").count() >= 3
    assert PortfolioCompany.objects.filter(advisor__email="conseiller@demo.local").exists()
    documents = list(CfaDocument.objects.values_list("id", flat=True))
    assert documents  # the CFAs' invoices of the payments demo
    call_command("seed_demo", contracts=12)
    assert ApprenticeshipContract.objects.count() == 12
    assert list(CfaDocument.objects.values_list("id", flat=True)) == documents


TODAY = date(2026, 11, 26)


@time_machine.travel(datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
def test_seed_demo_gives_the_payments_demo_work_for_today(load, capsys):
    from django.contrib.contenttypes.models import ContentType

    from contracts.enums import ContractStatus
    from contracts.models import ApprenticeshipContract, CfaDocument, Instalment
    from conventions.models import TransparencySnapshot
    from demo.contracts import demo_bank_account
    from payments.enums import LineStatus, RunStatus, ScheduleStatus
    from payments.models import PayableLine, PaymentRun, Transfer
    from payments.runs import payment_run_prepare
    from referentials.models import Company, TrainingProvider

    load()
    call_command("seed_demo", contracts=20)
    output = capsys.readouterr().out.splitlines()
    summary = [line for line in output if line.startswith(("Paiements de démonstration", "Lot de paiement réglé"))]
    # An earlier run, settled (the CFAs' documents of 2025 first), then this year's documents: work for today.
    assert summary == [
        "Paiements de démonstration : 23 IBAN synthétique(s) donné(s) (CFA, organismes, employeurs), 13 facture(s) ou "
        "attestation(s) de CFA enregistrée(s) ; 12 échéance(s) à payer, 2 échue(s) en attente d'une pièce, 0 solde(s) non "
        "dû(s) (pièces finales hors délai).",
        "Lot de paiement réglé (pièces reçues jusqu'au 31/12/2025) : 8 pièce(s) de CFA, 37 ligne(s), 14 virement(s), "
        "66\u202f918,90 €.",
    ]

    # Every CFA of a funded demo contract has its synthetic account: valid, stable, with the bank's BIC.
    funded = ApprenticeshipContract.objects.filter(status__in=(ContractStatus.ACCEPTED, ContractStatus.DEPOSITED))
    cfas = list(TrainingProvider.objects.filter(siret__in=funded.values("cfa_siret")))
    assert len(cfas) == 14
    # … and every employer of a funded contract too (tutoring and master aids are paid to it).
    employers = Company.objects.filter(siret__in=funded.values("employer_siret"))
    assert employers.exists() and all(is_valid_iban(company.iban) for company in employers)
    for cfa in cfas:
        assert (cfa.iban, cfa.bic) == demo_bank_account(cfa.siret) and is_valid_iban(cfa.iban) and cfa.bic == "BNPAFRPP"
        assert cfa.city

    # The payable instalments are handed over to payments, due by today.
    payable = Instalment.objects.filter(status=ScheduleStatus.PAYABLE)
    # (the demo's started période de reconversion hands its advance over too: a line of another source)
    lines = PayableLine.objects.filter(source_type=ContentType.objects.get_for_model(Instalment))
    payable_lines = lines.filter(status=LineStatus.PAYABLE)
    assert sorted(payable_lines.values_list("source_id", flat=True)) == sorted(payable.values_list("id", flat=True))
    assert payable.count() == 12  # one file in five is in the hairdressing branch (issue 16)
    assert all(line.amount > 0 and line.due_date <= TODAY for line in payable_lines)
    # The earlier run: settled, its instalments paid, its bodies on the public page (R6332-23).
    settled = PaymentRun.objects.get(status=RunStatus.SETTLED)
    paid = Instalment.objects.filter(status=ScheduleStatus.PAID)
    assert sorted(lines.filter(status=LineStatus.PAID).values_list("source_id", flat=True)) == sorted(
        paid.values_list("id", flat=True)
    )
    assert (settled.line_count, settled.transfer_count, settled.total) == (37, 14, Decimal("66918.90"))
    assert settled.prepared_by.email == "finance1@demo.local" and settled.approved_by.email == "finance2@demo.local"
    snapshot = TransparencySnapshot.objects.get()
    bodies = snapshot.sections.get(key="organismes").rows
    assert (len(bodies), sum(Decimal(row[3]) for row in bodies)) == (11, Decimal("61863.90"))  # employers excluded
    assert (
        sum(Decimal(row[3]) for row in bodies)
        == Transfer.objects.filter(run=settled, account__kind__in=["cfa", "organisme"]).aggregate(total=Sum("amount"))["total"]
    )

    # The lines that wait are advances or balances whose invoice the CFA has not sent.
    invoiced = set(CfaDocument.objects.filter(kind="facture_annuelle").values_list("contract_id", "year"))
    waiting = Instalment.objects.filter(status=ScheduleStatus.PLANNED, due_date__lte=TODAY).select_related("commitment")
    assert waiting.count() == 2
    for instalment in waiting:
        year = instalment.year if instalment.kind == "advance" else instalment.year + 1
        assert instalment.kind in ("advance", "balance")
        assert (instalment.commitment.contract_id, year) not in invoiced

    # Idempotent: a second run records nothing new.
    documents = list(CfaDocument.objects.values_list("id", flat=True))
    line_ids = sorted(PayableLine.objects.values_list("id", flat=True))
    call_command("seed_demo", contracts=20)
    assert "Paiements de démonstration : 0 IBAN synthétique(s) donné(s) (CFA, organismes, employeurs), 0 facture(s)" in (
        capsys.readouterr().out
    )
    assert list(CfaDocument.objects.values_list("id", flat=True)) == documents
    assert sorted(PayableLine.objects.values_list("id", flat=True)) == line_ids
    assert PaymentRun.objects.count() == 1 and TransparencySnapshot.objects.count() == 1

    # « payment_run prepare --date <today> » has work to do.
    run = payment_run_prepare(actor=User.objects.get(email="finance1@demo.local"), execution_date=TODAY).run
    # 12 instalments, the advance of the started période de reconversion and the training funded after
    # its service fait (sme_services.funding's demo).
    assert run.line_count == 12 + 1 + 1 and run.transfer_count == len(
        {line.account_id for line in PayableLine.objects.filter(run=run)}
    )

    # The funding demo (seeded after the proximity service): an AFEST request linked to the demo AFEST project,
    # the action plan's « financement » item linked to its request; the request paid after its service fait
    # becomes « payée » once the demo's payment run is settled (payments mirrors the paid lines).
    from payments.runs import payment_run_approve, payment_run_execute, payment_run_mark_sent, payment_run_settle
    from sme_services.funding.enums import RequestStatus
    from sme_services.models import ActionPlanItem, AfestProject, TrainingRequest

    project = AfestProject.objects.get(title="Tourier confirmé")
    afest = TrainingRequest.objects.get(afest_project=project)
    assert (afest.modality, afest.company_id, afest.status) == ("afest", project.company_id, RequestStatus.ACCEPTED)
    item = ActionPlanItem.objects.get(kind="financement", diagnostic__company=project.company, funding_request__isnull=False)
    assert item.funding_request.title == "Vente et relation client" and item.request_reference == item.funding_request.file_number
    assert ActionPlanItem.objects.get(kind="afest", diagnostic__company=project.company).afest_project == project
    done = TrainingRequest.objects.get(title="Management de proximité")
    assert done.status == RequestStatus.SERVICE_FAIT
    finance1, finance2 = (User.objects.get(email=f"finance{n}@demo.local") for n in (1, 2))
    payment_run_approve(actor=finance2, run_id=run.pk)
    payment_run_execute(run_id=run.pk)
    payment_run_mark_sent(actor=finance1, run_id=run.pk)
    payment_run_settle(actor=finance2, run_id=run.pk)
    done.refresh_from_db()
    assert done.status == RequestStatus.PAID
    requests = TrainingRequest.objects.count()
    call_command("seed_demo", contracts=20)
    assert TrainingRequest.objects.count() == requests and TrainingRequest.objects.get(pk=done.pk).status == RequestStatus.PAID
