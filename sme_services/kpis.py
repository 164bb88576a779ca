"""The advisors' dashboard figures, computed exactly (never typed): by advisor, team, branch and size
band, over a calendar year (the needs, diagnostics, funded actions) and the last 12 months (contacts)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from opco.calendar import add_months
from referentials.company_activity import companies_funded_in
from referentials.models import Company
from sme_services.enums import DiagnosticKind, InteractionKind, NeedOutcome, NeedStatus, NeedSubject, PlanItemStatus, SizeBand
from sme_services.models import ActionPlanItem, Diagnostic, Interaction, Need, PortfolioCompany, SatisfactionAnswer
from sme_services.services.needs import TAKEN_FAST_DAYS


@dataclass(frozen=True)
class Scope:
    advisor: object = None
    team: object = None
    branch: object = None
    size_band: str = ""

    def companies(self) -> QuerySet[Company]:
        """The companies under 50 of the portfolio (every assigned company when no advisor or team)."""
        companies = Company.objects.filter(pk__in=PortfolioCompany.objects.values("company_id"), headcount__lt=50)
        if self.advisor is not None:
            companies = companies.filter(advisors__advisor=self.advisor)
        if self.team is not None:
            companies = companies.filter(advisors__advisor__in=self.team.members.all())
        if self.branch is not None:
            companies = companies.filter(idcc__branch_link__branch=self.branch)
        if self.size_band == SizeBand.UNDER_11:
            companies = companies.filter(headcount__lt=11)
        elif self.size_band == SizeBand.FROM_11_TO_49:
            companies = companies.filter(headcount__gte=11)
        return companies.distinct()


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal (half up); None when nothing to divide."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


LABELS = {
    "portfolio": "Entreprises de moins de 50 du portefeuille",
    "contacted_12m": "Contactées dans les 12 derniers mois",
    "visited_12m": "Visitées dans les 12 derniers mois",
    "funded": "Entreprises avec une action financée dans l'année",
    "penetration": "Taux de pénétration (%)",
    "needs_received": "Besoins reçus",
    "taken_within_5_days": "Pris en charge sous 5 jours (%)",
    "positioning": "Taux de positionnement (%)",
    "closed_with_help": "Clôturés avec une aide proposée (%)",
    "abandoned": "Besoins abandonnés",
    "diagnostics_opened": "Diagnostics ouverts",
    "diagnostics_completed": "Diagnostics terminés",
    "plan_progress": "Avancement des plans d'action (%)",
    "ecological_actions": "Actions de transition écologique",
    "satisfaction": "Satisfaction : échange utile (%)",
    "survey_answers": "Réponses à l'enquête",
}


def compute(scope: Scope, *, year: int, today: date) -> dict:
    companies = scope.companies()
    ids = set(companies.values_list("pk", flat=True))
    since = add_months(today, -12)
    exchanges = Interaction.objects.filter(company_id__in=ids, occurred_on__gt=since, occurred_on__lte=today)
    contacted = exchanges.values("company_id").distinct().count()
    visited = exchanges.filter(kind=InteractionKind.VISIT).values("company_id").distinct().count()
    funded = len(companies_funded_in(year, among=companies))
    needs = Need.objects.filter(company_id__in=ids, received_on__year=year)
    received = needs.count()
    fast = sum(
        (taken - got).days <= TAKEN_FAST_DAYS
        for got, taken in needs.filter(taken_on__isnull=False).values_list("received_on", "taken_on")
    )
    positioned = needs.filter(Q(taken_on__isnull=False) | Q(status=NeedStatus.REFUSED)).count()
    closed = needs.filter(status=NeedStatus.CLOSED)
    diagnostics = Diagnostic.objects.filter(company_id__in=ids)
    items = ActionPlanItem.objects.filter(diagnostic__company_id__in=ids).exclude(status=PlanItemStatus.DROPPED)
    answers = SatisfactionAnswer.objects.filter(need__company_id__in=ids, answered_at__year=year)
    return {
        "portfolio": len(ids),
        "contacted_12m": contacted,
        "visited_12m": visited,
        "funded": funded,
        "penetration": rate(funded, len(ids)),
        "needs_received": received,
        "taken_within_5_days": rate(fast, received),
        "positioning": rate(positioned, received),
        "closed_with_help": rate(closed.filter(outcome=NeedOutcome.HELPED).count(), closed.count()),
        "abandoned": needs.filter(status=NeedStatus.ABANDONED).count(),
        "diagnostics_opened": diagnostics.filter(opened_on__year=year).count(),
        "diagnostics_completed": diagnostics.filter(completed_on__year=year).count(),
        "plan_progress": rate(items.filter(status=PlanItemStatus.DONE).count(), items.count()),
        "ecological_actions": diagnostics.filter(kind=DiagnosticKind.ECOLOGY, opened_on__year=year).count()
        + needs.filter(subject=NeedSubject.ECOLOGY).count(),
        "satisfaction": rate(answers.filter(useful=True).count(), answers.count()),
        "survey_answers": answers.count(),
    }
