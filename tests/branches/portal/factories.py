"""Contracts and periods stored as concluded, for the branches' portal figures (no deposit, no checks:
the portal reads statuses, dates, codes and money only)."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from branches.models import Cpne, CpneIdcc, NpecEntry, NpecPublication
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract, Commitment, Instalment, ReconversionPeriod, Rupture
from payments.enums import ScheduleStatus
from referentials.models import Company
from tests.referentials.factories import valid_siret

_numbers = count(1)


def company(idcc, postal_code="75011", n=None) -> Company:
    n = n or next(_numbers) + 5000
    return Company.objects.create(
        siret=valid_siret(n), siren=valid_siret(n)[:9], name=f"Entreprise {n}", idcc=idcc, postal_code=postal_code
    )


def concluded(
    employer: Company,
    *,
    signed_on: date,
    kind=ContractKind.APPRENTISSAGE,
    status=ContractStatus.RUNNING,
    rncp="RNCP37566",
    level=3,
    npec: Decimal | None = None,
    npec_entry=None,
    paid: Decimal | None = None,
    planned: Decimal | None = None,
    broken=False,
) -> ApprenticeshipContract:
    n = next(_numbers)
    contract = ApprenticeshipContract.objects.create(
        file_number=f"AP-F{n:05d}",
        status=ContractStatus.BROKEN if broken else status,
        contract_kind=kind,
        employer=employer,
        employer_siret=employer.siret,
        employer_name=employer.name,
        employer_idcc=employer.idcc.code if employer.idcc else "",
        apprentice_last_name="Secret",
        apprentice_first_name="Personne",
        apprentice_birth_date=date(2006, 2, 28),
        rncp=rncp,
        level=level,
        training_title=f"Formation {rncp}",
        training_start=signed_on,
        training_hours=Decimal(800),
        cfa_siret="19350012300017",
        signed_on=signed_on,
        start_date=signed_on,
        end_date=signed_on + timedelta(days=700),
        practical_training_start=signed_on,
        received_on=signed_on,
        monthly_salary=Decimal("1234.56"),
    )
    if broken:
        Rupture.objects.create(contract=contract, date=signed_on + timedelta(days=100), cause="autre")
    if npec is not None:
        commitment = Commitment.objects.create(
            contract=contract, regime="2026", npec=npec, npec_source="referentiel", annual_amount=npec, npec_entry=npec_entry
        )
        for amount, status in ((paid, ScheduleStatus.PAID), (planned, ScheduleStatus.PLANNED)):
            if amount is not None:
                Instalment.objects.create(
                    commitment=commitment, year=1, kind="avance", due_date=signed_on, gross=amount, net=amount, status=status
                )
    return contract


def concluded_period(employer: Company, *, signed_on: date, status="running") -> ReconversionPeriod:
    n = next(_numbers)
    return ReconversionPeriod.objects.create(
        file_number=f"RC-F{n:05d}",
        kind="interne",
        status=status,
        employer=employer,
        employer_siret=employer.siret,
        employer_name=employer.name,
        employer_idcc=employer.idcc.code if employer.idcc else "",
        employee_last_name="Secret",
        employee_first_name="Salarié",
        employee_birth_date=date(1980, 2, 29),
        agreement_signed_on=signed_on,
        target="rncp",
        target_code="RNCP37566",
        provider_siret="19350012300017",
        training_hours=Decimal(200),
        start_date=signed_on,
        end_date=signed_on + timedelta(days=200),
        received_on=signed_on,
        committed_amount=Decimal("3000.00"),
    )


def cpne_for(idcc_code: str, code="CPNE1", name="CPNE de test") -> Cpne:
    cpne, _ = Cpne.objects.get_or_create(code=code, defaults={"name": name})
    publication = NpecPublication.objects.create(title=f"Publication {code}")
    CpneIdcc.objects.create(publication=publication, cpne=cpne, idcc_code=idcc_code)
    return cpne


def npec_entry(cpne: Cpne, rncp: str, amount: Decimal | None, applicable_from: date) -> NpecEntry:
    publication = NpecPublication.objects.create(title=f"Niveaux {rncp} {applicable_from}")
    return NpecEntry.objects.create(
        publication=publication, cpne=cpne, rncp=rncp, amount=amount, applicable_from=applicable_from, title=f"Titre {rncp}"
    )
