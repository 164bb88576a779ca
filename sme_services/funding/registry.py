"""What the funding requests register into the lower layers, called once from sme_services.apps: the
scoping of their files, their workflow, their payable rows, the company page's and the branch page's
panels, the home page's tile."""

from django.utils import timezone


def company_panel_context(user, company) -> dict:
    """« Combien me reste-t-il cette année ? » — the company's calendar year, its requests as the
    user may see them."""
    from accounts import roles
    from opco.money import euros
    from sme_services.funding.selectors import company_year, requests_visible_to

    year = timezone.localdate().year
    rows = company_year(company, year)
    plan = rows[0]
    amounts = ("committed", "used", "inside_cap", "outside_cap", "cap", "remaining")
    shown = [{**row, **{key: "—" if row[key] is None else euros(row[key]) for key in amounts}} for row in rows]
    return {
        "company": company,
        "year": year,
        "rows": shown,
        "requests": list(requests_visible_to(user).filter(company=company)[:10]),
        "can_simulate": roles.STAFF(user) or roles.ADVISOR(user),
        "consumed": str(plan["inside_cap"]),  # a query parameter: never localised
    }


def branch_panel_context(user, branch) -> dict:
    """The branch's envelopes, aggregated: amounts only, never a request or a company."""
    from sme_services.funding.envelopes import envelope_rows, monthly_chart

    year = timezone.localdate().year
    chart = monthly_chart(year, branch=branch)
    peak = max([max(m["committed"], m["paid"], m["waiting"]) for m in chart] + [1])
    for month in chart:
        for key in ("committed", "paid", "waiting"):
            month[f"{key}_pct"] = int(month[key] * 100 / peak) if month[key] > 0 else 0
    return {"year": year, "rows": envelope_rows(year, branch=branch), "chart": chart}


def register_funding() -> None:
    from accounts import roles
    from branches.branch_page import register_branch_panel
    from notifications.kinds import register_kind
    from opco import scoping
    from opco.home import register_tile
    from payments import sources
    from payments.budgets import on_envelope_credited
    from referentials.company_page import register_company_panel
    from sme_services.funding import workflow  # noqa: F401 — registers the workflow
    from sme_services.funding.enums import RequestStatus
    from sme_services.funding.models import TrainingRequest
    from sme_services.funding.payability import source

    register_kind("training_request", "Demandes de financement de formation (< 50) : décision, file d'attente")
    scoping.register_file_kind(TrainingRequest, company="company")
    sources.register(source())
    # A new dotation or credit, entered on any door, decides the waiting lists (sme_services.funding.envelopes).
    from sme_services.funding.envelopes import waiting_lists_on_credit

    on_envelope_credited(waiting_lists_on_credit)
    register_company_panel(
        "training_funding",
        template="sme_services/funding/_company_panel.html",
        context=company_panel_context,
        roles=(roles.STAFF, roles.ADVISOR),
        order=40,
    )
    register_branch_panel(
        "training_funding_envelopes",
        template="sme_services/funding/_branch_panel.html",
        context=branch_panel_context,
        roles=(roles.STAFF, roles.BRANCH_REP),
        order=40,
    )
    register_tile(
        "training_requests_to_decide",
        label="Demandes de formation (< 50) à décider",
        url_name="funding:requests",
        count=lambda user: scoping.visible(
            user, TrainingRequest.objects.filter(status__in=(RequestStatus.RECEIVED, RequestStatus.UNDER_INSTRUCTION))
        ).count(),
        order=45,
        roles=(roles.STAFF, roles.ADVISOR),
    )
