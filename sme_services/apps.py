from django.apps import AppConfig


class SmeServicesConfig(AppConfig):
    name = "sme_services"
    verbose_name = "Service de proximité (entreprises de moins de 50 salariés)"

    def ready(self) -> None:
        # An advisor sees the files of the companies of their portfolio (opco.scoping).
        from accounts import roles
        from opco import scoping
        from sme_services.models import AfestProject, Diagnostic, FoadAction, Interaction, Need, PortfolioCompany

        scoping.register_company_rule(
            roles.ADVISOR, lambda user: PortfolioCompany.objects.filter(advisor=user).values("company_id")
        )
        for model in (Need, Interaction, Diagnostic, AfestProject, FoadAction):
            scoping.register_file_kind(model, company="company")

        # The needs' workflow (opco.workflow) and their reminders in the daily round (notifications).
        from notifications.deadlines import register_producer
        from notifications.kinds import register_kind
        from sme_services import workflow  # noqa: F401  (registers the needs' workflow)
        from sme_services.services import interactions, needs

        register_kind(needs.KIND_ADVISOR, "Besoins non pris en charge depuis 9 jours")
        register_kind(needs.KIND_MANAGER, "Besoins de l'équipe non pris en charge depuis 21 jours")
        register_kind(interactions.KIND_NEXT_STEP, "Prochaines étapes de mes échanges avec les entreprises")
        register_kind(interactions.KIND_FOLLOW_UP, "Suivis des plans d'action à 3 et 6 mois")
        register_kind("sme_report_ready", "Rapports trimestriels des conseillers prêts")
        register_producer(needs.need_reminders_schedule)
        from sme_services.services.portfolio import portfolio_route_unassigned

        register_producer(portfolio_route_unassigned)

        # The branch portal shows the branch's aggregated figures, never a contact (branches.branch_page);
        # the home page an advisor's inbox counts (opco.home).
        from branches.branch_page import register_branch_panel
        from opco import home
        from sme_services import selectors

        register_branch_panel(
            "sme_services", template="sme_services/_branch_panel.html", context=selectors.branch_figures, order=40
        )
        home.register_panel(
            "sme_inbox",
            template="sme_services/_home_panel.html",
            context=lambda user: {"inbox_counts": selectors.inbox_counts(user)},
            roles=(roles.ADVISOR,),
            order=15,
        )

        # Training funding requests (sme_services.funding): their scoping, workflow, payable rows and panels.
        from sme_services.funding.registry import register_funding

        register_funding()
        from sme_services.funding import space_views

        space_views.register()  # the company's space: signed links for the companies' contacts

        # R6332-23 1°: the rule sets, current and past, on the public transparency page.
        from sme_services.funding.publication import register_publication

        register_publication()

        # R6332-23: the cost of diagnostics on the transparency page; co-financing lines on diagnostics.
        from sme_services import diagnostic_funding
        from sme_services import publication as diagnostic_publication

        diagnostic_publication.register()
        diagnostic_funding.register()
