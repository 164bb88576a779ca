"""Reads of the proximity service that depend on who asks: the one place that scopes rows to a user.
OPCO staff (managers) see everything; an advisor their portfolio and the needs routed to them; a branch
representative no company and no need — only their branch's aggregated figures (branch_figures)."""

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from accounts import roles
from opco import scoping
from referentials.models import Company
from sme_services.enums import NeedStatus
from sme_services.models import AfestProject, Diagnostic, FoadAction, Interaction, Need, PortfolioCompany


def companies_visible_to(user) -> QuerySet[Company]:
    """The companies whose page the user may open."""
    if roles.STAFF(user):
        return Company.objects.all()
    if roles.ADVISOR(user):
        return Company.objects.filter(pk__in=PortfolioCompany.objects.filter(advisor=user).values("company_id"))
    return Company.objects.none()


def portfolio_of(user) -> QuerySet[Company]:
    """The portfolio list: « jamais accompagnées » first (no interaction, no need taken, no diagnostic),
    then by name. `followed_then_name` (« 0 » or « 1 », then the name) is that order as one key, so that
    the list pages by keyset on (key, id) (opco.lists) without losing it."""
    companies = (
        companies_visible_to(user)
        .select_related("naf", "idcc")
        .annotate(
            accompanied=Exists(Interaction.objects.filter(company=OuterRef("pk")))
            | Exists(Diagnostic.objects.filter(company=OuterRef("pk")))
            | Exists(Need.objects.filter(company=OuterRef("pk"), taken_on__isnull=False)),
        )
    )
    companies = companies.annotate(
        followed_then_name=Concat(
            Case(When(accompanied=True, then=Value("1")), default=Value("0"), output_field=CharField()),
            "name",
            output_field=CharField(),
        )
    )
    return companies.order_by("accompanied", "name", "id")


def _scoped(user, queryset: QuerySet) -> QuerySet:
    if roles.STAFF(user) or roles.ADVISOR(user):
        return scoping.visible(user, queryset)
    return queryset.none()


def needs_visible_to(user) -> QuerySet[Need]:
    needs = Need.objects.select_related("company", "assigned_to", "campaign")
    if roles.STAFF(user):
        return needs
    if roles.ADVISOR(user):
        portfolio = PortfolioCompany.objects.filter(advisor=user).values("company_id")
        return needs.filter(Q(assigned_to=user) | Q(company_id__in=portfolio))
    return needs.none()


def interactions_visible_to(user) -> QuerySet[Interaction]:
    return _scoped(user, Interaction.objects.select_related("company", "advisor"))


def diagnostics_visible_to(user) -> QuerySet[Diagnostic]:
    return _scoped(user, Diagnostic.objects.select_related("company", "advisor", "questionnaire"))


def afest_visible_to(user) -> QuerySet[AfestProject]:
    return _scoped(user, AfestProject.objects.select_related("company", "advisor", "campaign"))


def foad_visible_to(user) -> QuerySet[FoadAction]:
    return _scoped(user, FoadAction.objects.select_related("company", "advisor"))


INBOX_TABS = (
    ("a_traiter", "À traiter", (NeedStatus.PENDING,)),
    ("en_cours", "En cours", (NeedStatus.TAKEN,)),
    ("clotures", "Clôturés", (NeedStatus.CLOSED,)),
    ("refuses", "Refusés", (NeedStatus.REFUSED,)),
    ("abandonnes", "Abandonnés", (NeedStatus.ABANDONED,)),
)


def inbox(user) -> QuerySet[Need]:
    """An advisor's inbox: the needs routed to them; a manager's: every need."""
    needs = needs_visible_to(user)
    return needs.filter(assigned_to=user) if roles.ADVISOR(user) else needs


def inbox_counts(user) -> list[tuple[str, str, int]]:
    counts = dict(inbox(user).values_list("status").annotate(n=Count("id")).order_by())
    return [(code, label, sum(counts.get(s, 0) for s in statuses)) for code, label, statuses in INBOX_TABS]


def branch_figures(user, branch) -> dict:
    """The branch portal's panel: figures only, never a company or a contact (branches.branch_page)."""
    from datetime import date

    from sme_services.kpis import Scope, compute

    year = date.today().year
    return {"sme_branch": branch, "sme_year": year, "sme_kpis": compute(Scope(branch=branch), year=year, today=date.today())}
