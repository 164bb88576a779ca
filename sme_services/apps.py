from django.apps import AppConfig


class SmeServicesConfig(AppConfig):
    name = "sme_services"
    verbose_name = "Service de proximité (entreprises de moins de 50 salariés)"

    def ready(self) -> None:
        # An advisor sees the files of the companies of their portfolio (opco.scoping).
        from accounts import roles
        from opco import scoping
        from sme_services.models import PortfolioCompany

        scoping.register_company_rule(
            roles.ADVISOR, lambda user: PortfolioCompany.objects.filter(advisor=user).values("company_id")
        )

        # Training funding requests (sme_services.funding): their scoping, workflow, payable rows and panels.
        from sme_services.funding.registry import register_funding

        register_funding()

        # R6332-23 1°: the rule sets, current and past, on the public transparency page.
        from sme_services.funding.publication import register_publication

        register_publication()
