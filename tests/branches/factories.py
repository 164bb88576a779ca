"""Branches for the tests: a branch and the conventions collectives (IDCC) it covers, its funding
decisions (reconversion forfaits, master aid) and its professionalisation hourly rates."""

from datetime import date
from decimal import Decimal

import factory

from branches.models import Branch, BranchFundingDecision, BranchIdcc, ProfessionalisationRate
from tests.referentials.factories import IdccFactory

RECONVERSION = BranchFundingDecision.Kind.RECONVERSION
MASTER_AID = BranchFundingDecision.Kind.MASTER_AID


class BranchFactory(factory.django.DjangoModelFactory):
    """A branch; `idccs=["1486", …]` attaches those IDCC (created if missing, titled
    `idccs__title` or « Convention <code> »)."""

    class Meta:
        model = Branch
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"B-{n:04d}")
    name = factory.Sequence(lambda n: f"Branche {n:04d}")

    @factory.post_generation
    def idccs(self, create, extracted, title="", **kwargs):
        for code in extracted or ():
            idcc = IdccFactory(code=code, title=title or f"Convention {code}")
            BranchIdcc.objects.create(branch=self, idcc=idcc)


def branch_with(code: str = "1486") -> Branch:
    """Branch « B-<code> » covering the IDCC <code>."""
    return BranchFactory(code=f"B-{code}", name=f"Branche {code}", idccs=[code])


def funding_decision(
    branch, on: date, *, hourly=None, per_period=None, extended=False, active=True, kind=RECONVERSION, source=""
) -> BranchFundingDecision:
    """A funding decision of `branch` applicable from `on`: a reconversion forfait (per hour or per
    period) by default, or a master aid of 230 € a month for 12 months."""
    return BranchFundingDecision.objects.create(
        branch=branch,
        kind=kind,
        hourly_rate=None if hourly is None else Decimal(hourly),
        amount_per_period=None if per_period is None else Decimal(per_period),
        monthly_amount=Decimal("230.00") if kind == MASTER_AID else None,
        max_months=12 if kind == MASTER_AID else None,
        extended_by_agreement=extended,
        active=active,
        applicable_from=on,
        source=source,
    )


def pro_rate(branch, hourly, on: date, priority=False, source="") -> ProfessionalisationRate:
    """A professionalisation hourly forfait of `branch` from `on` (D6332-85), for the priority public
    (L6325-1-1) when `priority`."""
    return ProfessionalisationRate.objects.create(
        branch=branch, hourly_rate=Decimal(hourly), applicable_from=on, priority_public=priority, source=source
    )
