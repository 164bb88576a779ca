"""The company page's panels: every mission shows what it did with a company (DESIGN.md, « The
company page's panels »). The page itself (sme_services) renders `COMPANY_PANELS.render(request,
company=company)`; a mission registers from its `AppConfig.ready()`, its context taking the user and
the company and scoping what it shows to that user:

    from referentials.company_page import register_company_panel

    register_company_panel(
        "contracts", template="contracts/_company_panel.html",
        context=lambda user, company: {"contracts": contracts_visible_to(user).filter(employer=company)},
        roles=roles.STAFF + (roles.ADVISOR,), order=20,
    )

It lives here, beside the company, so that contracts, sme_services and conventions reach it without
importing one another.
"""

from opco.panels import Panels

COMPANY_PANELS = Panels()

register_company_panel = COMPANY_PANELS.register
