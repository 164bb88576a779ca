"""Reads of the training funding requests that depend on who asks: scoped by the registry
(opco.scoping: staff everything, an advisor their portfolio, a representative their branch)."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from opco import scoping
from opco.money import round_money
from referentials.models import Company
from sme_services.funding.enums import Dispositif
from sme_services.funding.models import FundingRuleSet, TrainingRequest
from sme_services.funding.workflow import COUNTED

ZERO = Decimal("0.00")


def requests_visible_to(user) -> QuerySet[TrainingRequest]:
    rows = TrainingRequest.objects.select_related("company", "branch", "rule_set", "provider", "assigned_to")
    return scoping.visible(user, rows).order_by("-received_on", "-id")


def rule_sets_visible_to(user) -> QuerySet[FundingRuleSet]:
    return FundingRuleSet.objects.select_related("imported_by").order_by("-id")


def company_year(company: Company, year: int) -> list[dict]:
    """The company's calendar year by dispositif: committed (accepted, not yet done), used (service
    fait or paid), inside and outside the cap, and what remains under the cap of the rule set that
    applies to a training starting today (TRAINING_FUNDING.md §3)."""
    from sme_services.funding.rules import select_rule_set
    from sme_services.funding.rulesets import parsed_rule_sets

    rows = TrainingRequest.objects.filter(company=company, start__year=year, status__in=COUNTED)
    out = []
    for dispositif in Dispositif:
        mine = rows.filter(dispositif=dispositif.value)
        counted = round_money(mine.aggregate(total=Sum("counted_against_cap"))["total"] or ZERO)
        total = round_money(mine.aggregate(total=Sum("committed"))["total"] or ZERO)
        used = round_money(mine.filter(status__in=COUNTED[1:]).aggregate(total=Sum("committed"))["total"] or ZERO)
        outside = round_money(mine.filter(hors_plafond=True).aggregate(total=Sum("committed"))["total"] or ZERO)
        cap = None
        reference = None
        on = max(date(year, 1, 1), min(timezone.localdate(), date(year, 12, 31)))
        idcc = company.idcc.code if company.idcc_id else "0000"
        rule_set = select_rule_set(parsed_rule_sets(), dispositif=dispositif.value, idcc=idcc, start=on)
        if rule_set is not None and company.headcount is not None:
            band = rule_set.band_for(company.headcount) if company.headcount < 50 else None
            cap = band.annual_cap if band else None
            reference = rule_set.reference
        out.append(
            {
                "dispositif": dispositif.label,
                "committed": total - used,
                "used": used,
                "inside_cap": counted,
                "outside_cap": outside,
                "cap": cap,
                "remaining": None if cap is None else max(ZERO, cap - counted),
                "rule_set": reference,
            }
        )
    return out
