"""Realistic deposit payloads built from the referentials: real CFAs (Qualiopi, valid SIRET and
UAI, a town for the structured address of their transfers), certifications open to apprenticeship,
employers in the OPCO's branches with synthetic SIRETs. Used by the demo (seed_demo --contracts) and
the benchmark (bench_contracts).

For the payments demo, the CFAs of the demo contracts get a synthetic bank account, and the CFAs'
invoices and attestations are recorded as they would have arrived, through the real service
(`cfa_document_receive`), so that some instalments are payable today and others visibly wait for a
document (R6332-25)."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from schwifty import IBAN
from stdnum import luhn

from branches.models import BranchIdcc
from contracts.alternance.checks import PayMinimum, age_on
from contracts.enums import CfaDocumentKind
from opco import audit
from opco.models import AuditEntry
from payments.enums import ScheduleStatus
from referentials.models import Certification, Naf, TrainingProvider
from referentials.selectors import legal_parameter_on
from referentials.validators import is_valid_siret, is_valid_uai


def minimum_monthly_salary(start: date, rate, weekly_hours) -> Decimal:
    """`rate` % of the start date's SMIC, prorated under 35 h, rounded up to the cent (D6222-26)."""
    exact = legal_parameter_on("smic_monthly", start) * Decimal(rate) / 100
    if weekly_hours < 35:
        exact = exact * Decimal(weekly_hours) / 35
    return exact.quantize(Decimal("0.01"), rounding=ROUND_CEILING)


LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
    "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure "
    "André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
    "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer "
    "Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier "
    "Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte López Jean Dupuy "
    "Guillot Hubert Berger Carpentier Sánchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury "
    "Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard "
    "Baron Bertin Bailly Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot "
    "Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc Barré "
    "Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin "
    "Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud "
    "Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte"
).split()
FIRST_NAMES = (
    "Léa Emma Chloé Inès Manon Jade Louise Lina Camille Sarah Zoé Lola Alice Juliette Clara Ambre Anna Rose "
    "Mila Léna Eva Romane Louna Margaux Nina Lucas Hugo Louis Gabriel Arthur Jules Raphaël Adam Nathan Léo "
    "Ethan Paul Tom Noah Sacha Mathis Théo Maël Enzo Timéo Nolan Axel Yanis Mohamed Rayan Kylian Clément "
    "Baptiste Maxime Antoine Quentin Thomas Alexandre Romain Julien Nicolas Kevin Mathilde Pauline Marine "
    "Océane Laura Anaïs Justine Mélissa Élodie Aurélie Sophie Nathalie Isabelle Sylvie Christophe Stéphane "
    "Frédéric Laurent Olivier David Philippe Éric Patrick Pascal Thierry Sébastien Cédric Jérôme Vincent"
).split()
STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "place de la Mairie",
    "rue du Moulin",
    "boulevard Gambetta",
    "rue de l'Église",
    "chemin des Vignes",
    "rue Pasteur",
    "allée des Tilleuls",
    "route Nationale",
    "rue du Commerce",
)
TOWNS = (
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
    ("21000", "Dijon"),
    ("63000", "Clermont-Ferrand"),
    ("14000", "Caen"),
    ("87000", "Limoges"),
    ("29200", "Brest"),
    ("06000", "Nice"),
    ("37000", "Tours"),
    ("80000", "Amiens"),
    ("51100", "Reims"),
    ("25000", "Besançon"),
)
TRADES = ("Boulangerie", "Salon", "Garage", "Pharmacie", "Restaurant", "Fleuriste", "Boucherie", "Atelier", "Cabinet", "Agence")
AGES = (15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 29, 31)
AGE_WEIGHTS = (2, 8, 12, 16, 15, 12, 10, 8, 6, 4, 3, 2, 1, 1)
# The statuses of the files created without checks, as an OPCO's stock looks after a few years.


def synthetic_siret(n: int) -> str:
    """The n-th synthetic SIRET (SIREN from 700 000 000 up, out of La Poste's range): both Luhn keys."""
    siren_body = f"{70_000_000 + n:08d}"
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + f"{1 + n % 9:04d}"
    return body + luhn.calc_check_digit(body)


class Generator:
    """Deposit payloads from the referentials, deterministic for a seed."""

    def __init__(self, seed: int, count: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.cfas = list(
            TrainingProvider.objects.filter(qualiopi=True)
            .exclude(uai="")
            .exclude(city="")
            .order_by("siret")
            .values_list("siret", "uai", "name")[:5000]
        )
        self.cfas = [row for row in self.cfas if is_valid_siret(row[0]) and is_valid_uai(row[1])]
        limit = date(2028, 12, 31)
        certifications = Certification.objects.filter(
            open_to_apprenticeship=True, level__gte=3, level__lte=8, rncp__regex=r"^RNCP\d{2,6}$"
        ).exclude(expires_on__lt=limit)
        self.certifications = list(
            certifications.order_by("rncp", "code_diplome").values_list("rncp", "code_diplome", "level", "title")[:20000]
        )
        active = set(certifications.filter(active=True).values_list("rncp", flat=True))
        # PRO_QUALIFICATION wants a fiche in force; an inactive one without an end date is refused.
        self.active_certifications = [row for row in self.certifications if row[0] in active] or self.certifications
        self.idccs = list(BranchIdcc.objects.order_by("idcc__code").values_list("idcc__code", flat=True))
        self.nafs = list(
            Naf.objects.filter(code__regex=r"^\d{2}\.\d{2}[A-Z]$").order_by("code").values_list("code", flat=True)
        ) or ["56.10A"]
        if not (self.cfas and self.certifications and self.idccs):
            raise CommandError(
                "Référentiels incomplets : il faut des CFA certifiés Qualiopi (SIRET et UAI valides), des "
                "certifications ouvertes à l'apprentissage et des branches de l'OPCO."
            )
        # About four apprentices per employer: some employers have many, most one or two.
        self.employers = [self._employer(n) for n in range(max(20, count // 4))]

    def _employer(self, n: int) -> dict:
        rng = self.rng
        postal_code, town = rng.choice(TOWNS)
        return {
            "siret": synthetic_siret(n),
            "denomination": f"{rng.choice(TRADES)} {rng.choice(LAST_NAMES)}",
            "naf": rng.choice(self.nafs),
            "idcc": rng.choice(self.idccs),
            "effectif": rng.choice((1, 2, 3, 5, 8, 12, 18, 25, 40, 60, 120, 250)),
            "adresse": {
                "numero": str(rng.randint(1, 120)),
                "voie": rng.choice(STREETS),
                "code_postal": postal_code,
                "commune": town,
            },
        }

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def payload(self, index: int, start: date | None = None) -> dict:
        """An apprenticeship contract; `start` given, it starts that day (a recent file of the work
        queue), else between September 2024 and March 2026."""
        rng = self.rng
        # A third of the apprentices go to the largest twentieth of the employers.
        big = max(1, len(self.employers) // 20)
        employer = self.employers[rng.randrange(big) if rng.random() < 0.33 else rng.randrange(len(self.employers))]
        cfa_siret, cfa_uai, cfa_name = rng.choice(self.cfas)
        rncp, code_diplome, level, title = rng.choice(self.certifications)
        start = start or self._day(date(2024, 9, 1), date(2026, 3, 31))
        signed = start - timedelta(days=rng.randint(0, 45))
        months = rng.choice((6, 12, 12, 18, 24, 24, 24, 24, 36, 36))
        end = start + relativedelta(months=months) - timedelta(days=1)
        age = rng.choices(AGES, weights=AGE_WEIGHTS)[0]
        birth = start - relativedelta(years=age) - timedelta(days=rng.randint(1, 364))
        handicap = rng.random() < 0.03 or age >= 30
        minimum = PayMinimum.of(birth, start)
        periods = []
        year = 0
        while start + relativedelta(years=year) <= end:
            first = start + relativedelta(years=year)
            last = min(start + relativedelta(years=year + 1) - timedelta(days=1), end)
            rate = minimum.highest(first, last)[0]
            if rng.random() < 0.2:
                rate = min(100, rate + rng.choice((2, 5, 10)))
            periods.append({"date_debut": first.isoformat(), "date_fin": last.isoformat(), "taux": rate})
            year += 1
        days = (end - start).days + 1
        hours = math.ceil(Decimal("0.25") * 1607 * days / 365) + rng.choice((0, 50, 120, 250, 400))
        masters = [self._master(start, level) for _ in range(1 if rng.random() < 0.85 else 2)]
        received = min(timezone.localdate(), start + timedelta(days=rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 8, 15))))
        weekly = rng.choice((35, 35, 35, 35, 39, 30))
        return {
            "type_contrat": "11" if rng.random() < 0.9 else rng.choice(("21", "22", "23")),
            "employeur": employer,
            "apprenti": {
                "nom": rng.choice(LAST_NAMES),
                "prenom": rng.choice(FIRST_NAMES),
                "date_naissance": birth.isoformat(),
                "nir": None,
                "handicap": handicap,
                "premier_cycle_acheve": age >= 15,
                "projet_creation_reprise_entreprise": False,
                "sportif_haut_niveau": False,
                "derogation_age": None,
                "precedent_contrat_fin": None,
            },
            "maitres_apprentissage": masters,
            "formation": {
                "rncp": rncp,
                "code_diplome": code_diplome,
                "niveau": level,
                "intitule": title[:200],
                "date_debut": min(end, start + timedelta(days=rng.randint(0, 20))).isoformat(),
                "date_fin": (end - timedelta(days=rng.randint(0, 60))).isoformat(),
                "duree_heures": hours,
                "distance_pct": rng.choice((0, 0, 0, 0, 10, 20)),
            },
            "cfa": {"siret": cfa_siret, "uai": cfa_uai, "denomination": cfa_name[:120], "qualiopi": True},
            "contrat": {
                "date_conclusion": signed.isoformat(),
                "date_debut": start.isoformat(),
                "date_fin": end.isoformat(),
                "date_debut_formation_pratique": start.isoformat(),
                "duree_hebdo_heures": weekly,
                "salaire_brut_mensuel_embauche": str(minimum_monthly_salary(start, periods[0]["taux"], weekly)),
                "remunerations": periods,
            },
            "recu_le": received.isoformat(),
        }

    def pro_payload(self, index: int, start: date | None = None) -> dict:
        """A professionalisation contract (EJ20 payload of contracts.professionalisation.payload): a CDD of 6 to 24
        months, training at 15 to 25 % of the hours worked with at least 150 h (L6325-13), pay at
        the minimum of the age band reached during the contract (D6325-15/16/18), one tutor."""
        rng = self.rng
        employer = {**rng.choice(self.employers), "geiq": rng.random() < 0.05}
        cfa_siret, cfa_uai, cfa_name = rng.choice(self.cfas)
        rncp, _code, level, title = rng.choice(self.active_certifications)
        start = start or self._day(date(2025, 9, 1), date(2026, 10, 31))
        signed = start - timedelta(days=rng.randint(0, 20))
        months = rng.choice((6, 9, 12, 12, 12, 18, 24))
        end = start + relativedelta(months=months) - timedelta(days=1)
        age = rng.choice((18, 19, 20, 21, 22, 23, 24, 25, 27, 31, 38, 45))
        birth = start - relativedelta(years=age) - timedelta(days=rng.randint(1, 364))
        situation = "etudiant" if age <= 25 and rng.random() < 0.6 else rng.choice(("demandeur_emploi", "rsa", "ass"))
        diploma_level = rng.choice((0, 3, 3, 4, 4, 5))
        vocational = diploma_level >= 3 and rng.random() < 0.6
        age_at_end = age_on(birth, end)
        if age_at_end >= 26:
            rate = 100
        elif age_at_end >= 21:
            rate = 80 if diploma_level >= 4 and vocational else 70
        else:
            rate = 65 if diploma_level >= 4 and vocational else 55
        weekly = 35
        # The base PRO_FORMATION_DUREE measures the share on (1 607 h a year, prorated by days).
        worked = Decimal(1607) * Decimal((end - start).days + 1) / 365
        hours = max(150, math.ceil(worked * Decimal(rng.choice(("0.16", "0.18", "0.20", "0.22")))))
        received = min(timezone.localdate(), start + timedelta(days=rng.choice((0, 1, 2, 3, 4))))
        return {
            "type_contrat": "professionnalisation",
            "employeur": employer,
            "salarie": {
                "nom": rng.choice(LAST_NAMES),
                "prenom": rng.choice(FIRST_NAMES),
                "date_naissance": birth.isoformat(),
                "nir": None,
                "handicap": False,
                "situation": situation,
                "inscrit_france_travail_depuis": (start - relativedelta(months=rng.choice((3, 8, 14, 26)))).isoformat()
                if situation == "demandeur_emploi"
                else None,
                "diplome_niveau": diploma_level,
                "diplome_professionnel": vocational,
            },
            "tuteurs": [
                {
                    "nom": rng.choice(LAST_NAMES),
                    "prenom": rng.choice(FIRST_NAMES),
                    "date_naissance": (start - relativedelta(years=rng.randint(28, 60), days=rng.randint(0, 364))).isoformat(),
                    "experience_annees": rng.choice((2, 3, 5, 8, 12, 20)),
                    "est_employeur": False,
                    "formation_heures": rng.choice((0, 0, 14, 21, 40)),
                }
            ],
            "formation": {
                "type_qualification": "rncp",
                "rncp": rncp,
                "intitule": title[:200],
                "niveau": level,
                "date_debut": (start + timedelta(days=rng.randint(0, 10))).isoformat(),
                "date_fin": (end - timedelta(days=rng.randint(0, 20))).isoformat(),
                "duree_heures": hours,
                "accord_branche_au_dela_25": False,
            },
            "organisme": {"siret": cfa_siret, "denomination": cfa_name[:120], "uai": cfa_uai},
            "contrat": {
                "nature": "cdd",
                "date_conclusion": signed.isoformat(),
                "date_debut": start.isoformat(),
                "date_fin": end.isoformat(),
                "action_date_debut": None,
                "action_date_fin": None,
                "accord_branche_duree": months > 12,
                "duree_hebdo_heures": weekly,
                "remunerations": [{"date_debut": start.isoformat(), "date_fin": end.isoformat(), "taux": rate}],
                "salaire_minimum_conventionnel": None,
                "salaire_brut_mensuel_embauche": str(minimum_monthly_salary(start, rate, weekly)),
            },
            "tutorat_mois": 6,
            "recu_le": received.isoformat(),
        }

    def _master(self, start: date, level: int) -> dict:
        rng = self.rng
        same_field = rng.random() < 0.7
        return {
            "nom": rng.choice(LAST_NAMES),
            "prenom": rng.choice(FIRST_NAMES),
            "date_naissance": (start - relativedelta(years=rng.randint(24, 62), days=rng.randint(0, 364))).isoformat(),
            "diplome_niveau": min(8, level + rng.choice((0, 0, 1, 2))) if same_field else rng.randint(3, 7),
            "diplome_meme_domaine": same_field,
            "experience_annees": rng.choice((1, 2, 3, 5, 8, 12, 20)),
        }


# --- Payments demo ---------------------------------------------------------------------------------------
DEMO_BANK_CODE = "30004"  # a real French bank code (BNP Paribas): schwifty gives its BIC; the accounts are synthetic
DEMO_DEPOSITOR = "depot@demo.local"
# The share of contracts whose CFA has not sent the invoice of the current year yet, and of ended
# contracts whose final documents never came (their last balance is closed as not due, III 4°).
MISSING_CURRENT_INVOICE = 0.2
MISSING_FINAL_DOCUMENTS = 0.3


def demo_bank_account(siret: str) -> tuple[str, str]:
    """A valid synthetic IBAN of the demo bank, always the same for a SIRET (branch and account codes
    are its digits; schwifty computes the RIB key and the IBAN check digits), and the bank's BIC."""
    iban = IBAN.generate("FR", bank_code=DEMO_BANK_CODE, branch_code=siret[:5], account_code=f"{siret[5:14]}00")
    return str(iban), str(iban.bic)


def demo_contracts():
    from contracts.alternance.payability import FUNDED
    from contracts.models import ApprenticeshipContract

    return (
        ApprenticeshipContract.objects.filter(depositor_email=DEMO_DEPOSITOR, status__in=FUNDED, commitment__isnull=False)
        .select_related("commitment", "cfa")
        .order_by("file_number")
    )


def demo_bank_accounts_give(contracts) -> int:
    """Give a bank account to the CFAs (training bodies) and employers of `contracts` that have none
    (never replaces a real one): employers receive the tutoring and master aids."""
    from referentials.models import Company

    sirets = {contract.cfa_siret for contract in contracts if contract.cfa_id}
    employers = {contract.employer_siret for contract in contracts if contract.employer_id}
    given = 0
    for company in Company.objects.filter(siret__in=employers, iban="").order_by("siret"):
        company.iban, company.bic = demo_bank_account(company.siret)
        company.full_clean()
        company.save(update_fields=["iban", "bic"])
        audit.record(
            actor=None,
            action="referentials.company.demo_bank_account",
            target=company,
            summary="Coordonnées bancaires de démonstration (IBAN synthétique)",
            source=AuditEntry.Source.COMMAND,
        )
        given += 1
    for cfa in TrainingProvider.objects.filter(siret__in=sirets, iban="").order_by("siret"):
        cfa.iban, cfa.bic = demo_bank_account(cfa.siret)
        cfa.full_clean()
        cfa.save(update_fields=["iban", "bic"])
        audit.record(
            actor=None,
            action="referentials.provider.demo_bank_account",
            target=cfa,
            summary="Coordonnées bancaires de démonstration (IBAN synthétique)",
            source=AuditEntry.Source.COMMAND,
        )
        given += 1
    return given


@dataclass
class DemoDocuments:
    recorded: int = 0
    refused: list[str] = field(default_factory=list)


def _year_start(contract, year: int) -> date:
    return contract.start_date + relativedelta(years=year - 1)


def demo_cfa_documents_record(*, actor, contracts, seed: int = 2026, today: date | None = None) -> DemoDocuments:
    """The documents the CFAs of `contracts` sent by `today`: the annual invoice of every contract year
    begun (a few contracts miss the current one), and for an ended contract the final invoice, the
    attestation de réalisation and, when the employer owes it, the copy of the participation invoice,
    all within the 4 months (some never come). Deterministic for a seed; a document already received
    is not sent again, so running it twice records nothing the second time."""
    from contracts.alternance.cfa_documents import cfa_document_receive
    from contracts.alternance.payability import contract_end, documents_deadline
    from contracts.models import CfaDocument

    today = today or timezone.localdate()
    report = DemoDocuments()
    for contract in contracts:
        # Seeded by the deposited content (file numbers come from a sequence that depends on the database).
        rng = random.Random(f"{seed}-{contract.import_key or contract.file_number}")
        instalments = list(contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED))
        last_year = max((i.year for i in instalments), default=1)
        begun = [year for year in range(1, last_year + 1) if _year_start(contract, year) <= today]
        wanted: list[tuple[str, int | None, date, str]] = []
        for year in begun:
            if year == begun[-1] and rng.random() < MISSING_CURRENT_INVOICE:
                continue
            received = min(today, _year_start(contract, year) + timedelta(days=rng.randint(0, 20)))
            wanted.append((CfaDocumentKind.ANNUAL_INVOICE, year, received, f"FA-{contract.file_number}-{year}"))
        end = contract_end(contract)
        if end < today and rng.random() >= MISSING_FINAL_DOCUMENTS:
            received = min(today, documents_deadline(contract), end + timedelta(days=rng.randint(5, 90)))
            wanted.append((CfaDocumentKind.FINAL_INVOICE, None, received, f"FS-{contract.file_number}"))
            wanted.append((CfaDocumentKind.COMPLETION_ATTESTATION, None, received, ""))
            if contract.commitment.employer_participation > 0:
                wanted.append((CfaDocumentKind.PARTICIPATION_INVOICE, None, received, f"FP-{contract.file_number}"))
        existing = set(CfaDocument.objects.filter(contract=contract).values_list("kind", "year"))
        for kind, year, received, number in wanted:
            if (kind, year) in existing:
                continue
            try:
                cfa_document_receive(
                    actor=actor,
                    contract_reference=contract.file_number,
                    kind=kind,
                    cfa_siret=contract.cfa_siret,
                    year=year,
                    number=number,
                    amount=_invoiced(instalments, kind, year, contract),
                    issued_on=received - timedelta(days=rng.randint(0, 5)),
                    received_on=received,
                    source=AuditEntry.Source.COMMAND,
                )
            except ValidationError as exc:
                # Nothing left to unlock (a trop-perçu after a rupture, a line already settled): not sent.
                report.refused.append(f"{contract.file_number} : {' '.join(exc.messages)}")
                continue
            report.recorded += 1
    return report


def _invoiced(instalments, kind: str, year: int | None, contract) -> Decimal | None:
    """What the CFA invoices: the advance of the year and the previous year's balance, or the last balance."""
    if kind == CfaDocumentKind.ANNUAL_INVOICE:
        lines = [i for i in instalments if (i.year, i.kind) in ((year, "advance"), (year - 1, "balance"))]
    elif kind == CfaDocumentKind.FINAL_INVOICE:
        last_year = max(i.year for i in instalments)
        lines = [i for i in instalments if (i.year, i.kind) == (last_year, "balance")]
    elif kind == CfaDocumentKind.PARTICIPATION_INVOICE:
        return contract.commitment.employer_participation
    else:
        return None
    return max(Decimal("0.00"), sum((i.net for i in lines), Decimal("0.00")))


# --- Périodes de reconversion and the Pro-A stock (contracts.reconversion) -----------------------------
DEMO_RECONVERSION_NAMES = ("Lambert", "Fontaine", "Rousseau", "Mercier", "Blanc", "Guérin", "Boyer")


def _demo_reconversion_target(today: date) -> dict[str, str]:
    """An RNCP fiche in force well after the demo periods (RECO_CERTIFICATION), else the socle de
    connaissances et de compétences, which needs none (L6324-4)."""
    from django.db.models import Q

    fiche = (
        Certification.objects.filter(active=True, rncp__regex=r"^RNCP\d{2,6}$")
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today + relativedelta(years=2)))
        .order_by("rncp")
        .values_list("rncp", flat=True)
        .first()
    )
    return {"target": "rncp", "target_code": fiche} if fiche else {"target": "socle", "target_code": ""}


def demo_reconversions_seed(*, actor, today: date | None = None) -> dict[str, int]:
    """A few périodes de reconversion through the real services, dated around `today`: one just
    received, one overdue (received 25 days ago), three accepted (one external, one started with its
    advance handed over to payments), one refused; and two Pro-A amendments of the stock (one without
    tutor, so that an old-rule check shows red). Idempotent: nothing is done when they exist."""
    from contracts.models.reconversion import ProAAmendment, ReconversionPeriod
    from contracts.reconversion.pro_a import pro_a_amendment_record
    from contracts.reconversion.services import (
        reconversion_accept,
        reconversion_deposit,
        reconversion_instruct,
        reconversion_refuse,
        reconversion_start,
    )
    from referentials.models import Company

    today = today or timezone.localdate()
    if ReconversionPeriod.objects.filter(employee_last_name__in=DEMO_RECONVERSION_NAMES).exists():
        return {}
    provider = (
        TrainingProvider.objects.exclude(iban="").exclude(city="").order_by("siret").first()
        or TrainingProvider.objects.exclude(city="").order_by("siret").first()
    )
    if provider is None:
        return {}
    employer = Company.objects.filter(idcc__code="0843").order_by("siret").first() or Company.objects.order_by("siret").first()
    siret, name = (employer.siret, employer.name) if employer else (synthetic_siret(9001), "Boulangerie de démonstration")
    base = {
        "kind": "interne",
        "employer_siret": siret,
        "employer_name": name,
        "employer_idcc": "0843",
        "employee_first_name": "Camille",
        "employee_birth_date": date(1985, 6, 12),
        **_demo_reconversion_target(today),
        "provider_siret": provider.siret,
        "training_hours": Decimal("300"),
    }

    def period(n: int, received_ago: int, start_in: int, **changes):
        received = today - timedelta(days=received_ago)
        start = received + timedelta(days=start_in)
        data = {
            **base,
            "employee_last_name": DEMO_RECONVERSION_NAMES[n],
            "agreement_signed_on": received - timedelta(days=3),
            "start_date": start,
            "end_date": start + relativedelta(months=9),
            **changes,
        }
        return reconversion_deposit(actor=actor, data=data, received_on=received)

    counts = {"reçues": 0, "acceptées": 0, "refusées": 0, "avenants Pro-A": 0}
    period(0, 5, 20)
    instructed = period(1, 25, 28)
    reconversion_instruct(actor=actor, period_id=instructed.pk)
    counts["reçues"] += 2
    for n, changes in (
        (2, {"training_hours": Decimal("420")}),
        (3, {"kind": "externe", "host_siret": synthetic_siret(9002), "host_name": "Atelier", "host_contract_kind": "cdi"}),
    ):
        accepted = period(n, 3, 25, **changes)
        reconversion_instruct(actor=actor, period_id=accepted.pk)
        reconversion_accept(actor=actor, period_id=accepted.pk, allow_overrun=True)
        counts["acceptées"] += 1
    running = period(4, 60, 20)
    reconversion_instruct(actor=actor, period_id=running.pk)
    reconversion_accept(actor=actor, period_id=running.pk, allow_overrun=True)
    reconversion_start(actor=actor, period_id=running.pk, started_on=running.start_date, invoice_received_on=running.start_date)
    counts["acceptées"] += 1
    refused = period(5, 10, 20)
    reconversion_refuse(actor=actor, period_id=refused.pk, codes=["RECO_PIECES"], text="Convention de formation non fournie.")
    counts["refusées"] += 1
    if not ProAAmendment.objects.filter(deposit_reference__startswith="DEMO-PROA-").exists():
        for n, tutor in ((1, "Bernard"), (2, "")):
            pro_a_amendment_record(
                actor=actor,
                data={
                    "deposit_reference": f"DEMO-PROA-{n}",
                    "signed_on": date(2025, 9, 15),
                    "employer_siret": siret,
                    "employer_name": name,
                    "employer_idcc": "0843",
                    "employee_last_name": DEMO_RECONVERSION_NAMES[6],
                    "employee_first_name": f"Alex {n}",
                    "employee_birth_date": date(1980, 2, 2),
                    "employee_contract": "cdi",
                    "below_licence": True,
                    "certification_code": "RNCP35234",
                    "start_date": date(2025, 10, 1),
                    "end_date": date(2026, 9, 30),
                    "training_hours": Decimal("300"),
                    "total_hours": Decimal("1600"),
                    "tutor_last_name": tutor,
                    "tutor_first_name": "Anne" if tutor else "",
                },
            )
            counts["avenants Pro-A"] += 1
    return counts
