"""Companies, branches, providers and request payloads for the training funding tests."""

import copy
from decimal import Decimal

from branches.models import BranchIdcc
from referentials.models import Company
from sme_services.models import PortfolioCompany
from tests.branches.factories import BranchFactory
from tests.referentials.factories import IdccFactory, TrainingProviderFactory, valid_siret

IBAN = "FR7630006000011234567890189"


def company(n: int = 1, *, idcc: str = "1486", headcount: int = 8, branch=None, **extra) -> Company:
    """A company of IDCC `idcc`, attached to `branch` (created for the IDCC when missing)."""
    code = IdccFactory(code=idcc)
    if branch is None and not BranchIdcc.objects.filter(idcc=code).exists():
        branch = BranchFactory(name=f"Branche {idcc}")
        BranchIdcc.objects.create(branch=branch, idcc=code)
    siret = valid_siret(50_000 + n)
    defaults = {
        "siren": siret[:9],
        "name": f"Entreprise {n}",
        "headcount": headcount,
        "address": "3 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "iban": IBAN,
        "bic": "AGRIFRPP",
    }
    defaults.update(extra)
    return Company.objects.create(siret=siret, idcc=code, **defaults)


def provider(**extra):
    return TrainingProviderFactory(with_bank_account=True, address="1 rue des Écoles", postal_code="69001", city="Lyon", **extra)


PLAN = {
    "dispositif": "plan50",
    "training": {
        "title": "Tableur : fonctions avancées",
        "theme": "bureautique",
        "modality": "presentiel",
        "start": "2026-03-16",
        "end": "2026-03-17",
        "hours_per_trainee": "14",
        "trainees": 2,
        "pedagogical_cost": "900.00",
    },
    "pay": {"hourly_pay": "14.50"},
    "frais": {"amount": "150.00", "km": 200, "meals": 2},
}
# With the interpro rules and band 0–10: teaching 560, pay 336.56, frais 102 → 998.56.
PLAN_TOTAL = Decimal("998.56")


def plan_data(of: Company, **training) -> dict:
    data = copy.deepcopy(PLAN)
    data["company"] = {"siret": of.siret, "idcc": of.idcc.code, "headcount": of.headcount}
    data["training"].update(training)
    return data


def teaching_only(of: Company, cost: str = "560.00", **training) -> dict:
    """A request funded exactly `cost` when cost ≤ 560 (20 €/h × 14 h × 2)."""
    data = plan_data(of, pedagogical_cost=cost, **training)
    data.pop("pay")
    data.pop("frais")
    return data


def in_portfolio(advisor, of: Company) -> None:
    PortfolioCompany.objects.create(advisor=advisor, company=of)
