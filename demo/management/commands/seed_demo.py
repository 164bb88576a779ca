"""Demo data: one account per role, with a known password and TOTP secret, and plausible companies
in the OPCO's branches. Demo accounts exist only when this command is run."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from accounts.enums import StaffGroup, UserKind
from accounts.models import User
from accounts.services import user_create
from accounts.totp import DEMO_TOTP_SECRET, code_at, otpauth_uri, totp_activate
from branches.models import Branch, BranchMembership
from demo.certifications import demo_certifications_seed
from opco import audit
from referentials.models import Company, Idcc, Naf

DEMO_PASSWORD = "Demo-OPCO-2026!"

DEMO_USERS = [
    ("gestionnaire@demo.local", "Camille", "Gestion", UserKind.STAFF, (StaffGroup.GESTIONNAIRE,)),
    ("finance1@demo.local", "Dominique", "Finance", UserKind.STAFF, (StaffGroup.FINANCE,)),
    ("finance2@demo.local", "Alix", "Trésorerie", UserKind.STAFF, (StaffGroup.FINANCE,)),
    ("responsable@demo.local", "Sacha", "Responsable", UserKind.STAFF, (StaffGroup.RESPONSABLE,)),
    ("conseiller@demo.local", "Lou", "Conseil", UserKind.ADVISOR, ()),
    ("branche@demo.local", "Morgan", "Branche", UserKind.BRANCH_REP, ()),
    ("admin@demo.local", "Claude", "Admin", UserKind.STAFF, (StaffGroup.ADMINISTRATEUR,)),
]

# Plausible companies of proximity trades: (name, NAF, IDCC, headcount, postal code, city).
DEMO_COMPANIES = [
    ("Boulangerie Au Pain Doré", "10.71C", "0843", 8, "69003", "Lyon"),
    ("Fournil des Halles", "10.71C", "0843", 14, "33000", "Bordeaux"),
    ("Coiffure Éclat", "96.02A", "2596", 5, "44000", "Nantes"),
    ("Salon Ciseaux d'Or", "96.02A", "2596", 3, "31000", "Toulouse"),
    ("Pharmacie du Marché", "47.73Z", "1996", 22, "59000", "Lille"),
    ("Pharmacie des Remparts", "47.73Z", "1996", 9, "84000", "Avignon"),
    ("Agence Immobilière du Centre", "68.31Z", "1527", 12, "21000", "Dijon"),
    ("Cabinet d'avocats Morel et associés", "69.10Z", "1000", 31, "74000", "Annecy"),
    ("Boucherie Charcuterie Lemaire", "47.22Z", "0992", 6, "35000", "Rennes"),
    ("Fleurs et Jardins", "47.76Z", "1978", 4, "13001", "Marseille"),
    ("Cabinet dentaire des Tilleuls", "86.23Z", "1619", 7, "67000", "Strasbourg"),
    ("Chocolaterie Cacao et Merveilles", "47.24Z", "1286", 11, "06000", "Nice"),
]


def synthetic_siret(index: int) -> str:
    """A SIRET that passes the Luhn checks (SIREN and SIRET), in a range INSEE does not allocate
    to real companies here: 999 prefix, so that a demo row is never mistaken for a real one."""
    siren_body = f"999{index:05d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nic_body = siren + "0001"
    return nic_body + luhn.calc_check_digit(nic_body)


class Command(BaseCommand):
    help = (
        "Crée les comptes de démonstration (un par rôle), des entreprises et des contrats d'apprentissage "
        "de démonstration. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contracts", type=int, default=40, help="nombre de contrats de démonstration (défaut : 40)")

    @transaction.atomic
    def handle(self, *args, contracts: int = 40, **options):
        branches = Branch.objects.all()
        if not branches.exists():
            raise CommandError("Aucune branche : lancez d'abord « python manage.py load_referentials ».")

        created = 0
        for email, first_name, last_name, kind, groups in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(
                    actor=None,
                    email=email,
                    password=DEMO_PASSWORD,
                    kind=kind,
                    first_name=first_name,
                    last_name=last_name,
                    groups=groups,
                    is_demo=True,
                )
                created += 1
            if user.is_demo:
                totp_activate(user=user, secret=DEMO_TOTP_SECRET)

        representative = User.objects.get(email="branche@demo.local")
        demo_branch = Branch.objects.filter(code="IDCC-0843").first() or branches.order_by("code").first()
        if not BranchMembership.objects.filter(user=representative).exists():
            BranchMembership.objects.create(user=representative, branch=demo_branch)
            audit.record(
                actor=None,
                action="branch_membership_create",
                target=representative,
                summary=f"Membre de {demo_branch}",
                source="command",
            )

        companies = 0
        for index, (name, naf_code, idcc_code, headcount, postal_code, city) in enumerate(DEMO_COMPANIES, start=1):
            siret = synthetic_siret(index)
            if Company.objects.filter(siret=siret).exists():
                continue
            company = Company(
                siret=siret,
                siren=siret[:9],
                name=name,
                naf=Naf.objects.filter(code=naf_code).first(),
                idcc=Idcc.objects.filter(code=idcc_code).first(),
                headcount=headcount,
                postal_code=postal_code,
                city=city,
            )
            company.full_clean()
            company.save()
            audit.record(
                actor=None, action="company_create", target=company, summary="Entreprise de démonstration", source="command"
            )
            companies += 1

        contract_counts = self.seed_contracts(contracts) if contracts else {}
        payments = self.seed_payments() if contracts else ""
        reconversions = self.seed_reconversions() if contracts else {}
        self.stdout.write(
            demo_certifications_seed(
                actor=User.objects.get(email="gestionnaire@demo.local"), representative=representative, branch=demo_branch
            )
        )
        from demo.branches_portal import demo_branches_portal_seed

        self.stdout.write(demo_branches_portal_seed(password=DEMO_PASSWORD))
        from demo.sme_services import demo_sme_seed

        sme = demo_sme_seed(
            companies=list(Company.objects.filter(siret__in=[synthetic_siret(i) for i in range(1, len(DEMO_COMPANIES) + 1)]))
        )
        # The training funding after the proximity service: its AFEST request is linked to the demo AFEST
        # project, the action plan's items to their requests; the budgets last (sized on what is committed).
        training_funding = self.seed_training_funding() if contracts else ""
        budgets = self.seed_budgets() if contracts else ""
        conventions = self.seed_conventions()
        # Keep it last: the public page (R6332-23) reads whatever the seeds above put in the demo.
        from demo.conventions import demo_transparency_publish

        transparency = demo_transparency_publish()
        self.stdout.write(self.style.SUCCESS(f"Démo : {created} compte(s) et {companies} entreprise(s) créés."))
        if contract_counts:
            self.stdout.write("Contrats de démonstration : " + ", ".join(f"{n} {label}" for label, n in contract_counts.items()))
        if reconversions:
            self.stdout.write("Périodes de reconversion : " + ", ".join(f"{n} {label}" for label, n in reconversions.items()))
        if budgets:
            self.stdout.write(budgets)
        if training_funding:
            self.stdout.write(training_funding)
        if sme:
            self.stdout.write(sme)
        from demo.company_space import demo_company_space_seed

        if space := demo_company_space_seed(actor=User.objects.get(email="gestionnaire@demo.local")):
            self.stdout.write(space)
        if payments:
            self.stdout.write(payments)
        if conventions:
            self.stdout.write("Conventions : " + ", ".join(f"{n} {label}" for label, n in conventions.items()))
        if transparency:
            self.stdout.write(transparency)
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        self.stdout.write(f"Secret TOTP (double authentification) de tous les comptes : {DEMO_TOTP_SECRET}")
        self.stdout.write(
            f"  code actuel : {code_at(DEMO_TOTP_SECRET)}  (ou « make totp », ou une application d'authentification)"
        )
        self.stdout.write(f"  URI pour une application : {otpauth_uri('demo', DEMO_TOTP_SECRET)}")
        for email, *_ in DEMO_USERS:
            self.stdout.write(f"  - {email}")
        self.stdout.write(f"Le représentant de branche (branche@demo.local) est membre de : {demo_branch}")

    def seed_contracts(self, count: int) -> dict[str, int]:
        """Realistic files through the real deposit service: most accepted (with their commitment
        and schedule), some refused, the rest waiting in the work queue; a fifth in the demo
        representative's branch (IDCC 0843), a few in the advisor's portfolio."""
        from contracts.alternance.decisions import contract_accept, contract_refuse
        from contracts.alternance.deposit import contract_deposit
        from contracts.alternance.workflow import TransitionRefused, contract_transition
        from contracts.enums import ContractStatus
        from demo.contracts import Generator
        from demo.npec import demo_npec_import
        from sme_services.models import PortfolioCompany

        manager = User.objects.get(email="gestionnaire@demo.local")
        advisor = User.objects.get(email="conseiller@demo.local")
        generator = Generator(seed=2026, count=count)
        counts = {"reçus": 0, "acceptés": 0, "refusés": 0}
        self.seed_branch_decisions(manager)
        # One file in five is a professionalisation contract (EJ20), through the same deposit and workflow.
        demo_npec_import(actor=manager)
        today = timezone.localdate()
        for index in range(count):
            # The files left in the work queue arrived in the last days, as a real queue's do.
            start = today - timedelta(days=1 + index % 6) if index % 4 == 3 else None
            payload = generator.pro_payload(index, start) if index % 5 == 2 else generator.payload(index, start)
            if index % 5 == 0:
                payload["employeur"]["idcc"] = "0843"
            elif index % 5 == 4:  # the second demo branch (branche2@demo.local): hairdressing
                payload["employeur"]["idcc"] = "2596"
            deposit = contract_deposit(actor=manager, data=payload, source="command", depositor_email="depot@demo.local")
            contract = deposit.contract
            if not deposit.created or contract.status != ContractStatus.RECEIVED:
                continue
            counts["reçus"] += 1
            if index % 4 == 3:
                continue  # left in the work queue
            contract_transition(actor=manager, contract_id=contract.pk, action_code="instruct")
            run = contract.check_runs.first()
            errors = [check["code"] for check in run.results if check["status"] == "error"]
            try:
                if errors:
                    contract_refuse(actor=manager, contract_id=contract.pk, codes=errors, text="")
                    counts["refusés"] += 1
                else:
                    contract_accept(actor=manager, contract_id=contract.pk, warnings_acknowledged=True)
                    counts["acceptés"] += 1
            except TransitionRefused:
                continue
            if index % 3 == 0:
                contract.refresh_from_db()
                contract.assigned_to = manager
                contract.save(update_fields=["assigned_to"])
            if index < 8 and contract.employer_id:
                PortfolioCompany.objects.get_or_create(advisor=advisor, company_id=contract.employer_id)
        return counts

    def seed_conventions(self) -> dict[str, int]:
        from demo.conventions import demo_conventions_seed

        return demo_conventions_seed(finance=User.objects.get(email="finance1@demo.local"))

    def seed_reconversions(self) -> dict[str, int]:
        from demo.contracts import demo_reconversions_seed

        return demo_reconversions_seed(actor=User.objects.get(email="gestionnaire@demo.local"))

    def seed_training_funding(self) -> str:
        from demo.training_funding import demo_training_funding_seed

        actor, manager = (User.objects.get(email=email) for email in ("gestionnaire@demo.local", "responsable@demo.local"))
        return demo_training_funding_seed(actor=actor, manager=manager)

    def seed_budgets(self) -> str:
        """The current year's dotation of each section, entered by the demo manager when none is: what
        the demo commitments take plus a margin, so that the dashboard shows room and a threshold."""
        from payments.budgets import section_budget_set, section_dashboard
        from payments.models import SectionBudget

        year = timezone.localdate().year
        manager = User.objects.get(email="responsable@demo.local")
        entered = []
        for figures in section_dashboard(year):
            if SectionBudget.objects.filter(year=year, section=figures.section, amount__isnull=False).exists():
                continue
            # Room for about a fifth more than what is committed, in whole 10 000 €; 100 000 € at least.
            amount = max(Decimal("100000"), ((figures.committed * Decimal("1.2")) // 10000 + 1) * 10000)
            section_budget_set(
                actor=manager,
                year=year,
                section=figures.section,
                amount=amount.quantize(Decimal("0.01")),
                source="Dotation de démonstration",
                origin="command",
            )
            entered.append(f"{figures.label} {amount:,.0f} €".replace(",", " "))
        return f"Dotations {year} saisies : " + " ; ".join(entered) if entered else ""

    def seed_branch_decisions(self, manager) -> None:
        """The demo branch (IDCC 0843) decided the apprenticeship master aid (D6332-93 2°) and an hourly
        forfait for professionalisation contracts (D6332-85), from 1 July 2025."""
        from branches.models import BranchFundingDecision, BranchIdcc, ProfessionalisationRate

        link = BranchIdcc.objects.filter(idcc__code="0843").first()
        if link is None:
            return
        BranchFundingDecision.objects.get_or_create(
            branch_id=link.branch_id,
            kind=BranchFundingDecision.Kind.MASTER_AID,
            applicable_from=date(2025, 7, 1),
            defaults={
                "monthly_amount": Decimal("230.00"),
                "max_months": 12,
                "source": "Décision de démonstration de la CPNE",
                "created_by": manager,
            },
        )
        ProfessionalisationRate.objects.get_or_create(
            branch_id=link.branch_id,
            priority_public=False,
            applicable_from=date(2025, 7, 1),
            defaults={"hourly_rate": Decimal("12.00"), "source": "Décision de démonstration de la CPNE", "created_by": manager},
        )

    def seed_payments(self) -> str:
        """The CFAs of the demo contracts get a synthetic bank account, their invoices and attestations
        are recorded (a few missing), then the instalments whose conditions are met are handed over to
        payments (R6332-25): « payment_run prepare --date <aujourd'hui> » has work to do."""
        from contracts.alternance.payability import instalments_release
        from contracts.models import Instalment
        from demo.contracts import demo_bank_accounts_give, demo_cfa_documents_record, demo_contracts
        from payments.enums import ScheduleStatus

        manager = User.objects.get(email="gestionnaire@demo.local")
        contracts = list(demo_contracts())
        accounts = demo_bank_accounts_give(contracts)
        from demo.settled_run import demo_earlier_run_settle

        earlier = demo_earlier_run_settle(
            manager=manager,
            finance=User.objects.get(email="finance1@demo.local"),
            checker=User.objects.get(email="finance2@demo.local"),
            contracts=contracts,
        )
        documents = demo_cfa_documents_record(actor=manager, contracts=contracts)
        release = instalments_release()
        demo = Instalment.objects.filter(commitment__contract__in=[contract.pk for contract in contracts])
        payable = demo.filter(status=ScheduleStatus.PAYABLE).count()
        waiting = demo.filter(status=ScheduleStatus.PLANNED, due_date__lte=timezone.localdate()).count()
        not_due = demo.filter(status=ScheduleStatus.NOT_DUE).count()
        lines = [
            f"Paiements de démonstration : {accounts} IBAN synthétique(s) donné(s) (CFA, organismes, employeurs), "
            f"{documents.recorded} facture(s) ou "
            f"attestation(s) de CFA enregistrée(s) ; {payable} échéance(s) à payer, {waiting} échue(s) en attente d'une "
            f"pièce, {not_due} solde(s) non dû(s) (pièces finales hors délai)."
        ]
        lines += [earlier] if earlier else []
        lines += [f"  CFA bloqué : {problem}" for problem in release.blocked]
        return "\n".join(lines)
