from django.apps import AppConfig


class ReferentialsConfig(AppConfig):
    name = "referentials"
    verbose_name = "Référentiels"

    def ready(self) -> None:
        # What the header's one search box finds here (opco.search).
        from referentials import search

        search.register()
        # The home page counts the referentials (opco.home).
        from opco import home
        from referentials.models import Certification, Company, Idcc, TrainingProvider

        home.register_tile(
            "providers",
            label="organismes de formation (CFA)",
            url_name="referentials:providers",
            count=lambda user: TrainingProvider.objects.count(),
            order=10,
        )
        home.register_tile(
            "certifications",
            label="certifications (Kit apprentissage)",
            url_name="referentials:certifications",
            count=lambda user: Certification.objects.count(),
            order=20,
        )
        home.register_tile(
            "idcc",
            label="conventions collectives",
            url_name="referentials:idcc",
            count=lambda user: Idcc.objects.count(),
            order=30,
        )
        home.register_tile(
            "companies",
            label="entreprises",
            url_name="referentials:companies",
            count=lambda user: Company.objects.count(),
            order=40,
        )

        # Administrators are warned on their home page when the newest SMIC is over 12 months old.
        from django.utils import timezone

        from accounts import roles
        from referentials.legal_parameters import stale_smic

        home.register_panel(
            "stale_smic",
            template="referentials/_smic_warning_panel.html",
            context=lambda user: {"stale": stale_smic(timezone.localdate())},
            roles=(roles.ADMINISTRATEUR,),
            order=5,
        )

        # The calendar (opco, a lower layer) reads public holidays from here without importing us.
        from opco.calendar import register_holiday_provider
        from referentials.selectors import public_holidays_between

        register_holiday_provider(public_holidays_between)
