from django.apps import AppConfig


class ReferentialsConfig(AppConfig):
    name = "referentials"
    verbose_name = "Référentiels"

    def ready(self):
        # The calendar (opco, a lower layer) reads public holidays from here without importing us.
        from opco.calendar import register_holiday_provider
        from referentials.selectors import public_holidays_between

        register_holiday_provider(public_holidays_between)
