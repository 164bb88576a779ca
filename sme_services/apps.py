from django.apps import AppConfig


class SmeServicesConfig(AppConfig):
    name = "sme_services"
    verbose_name = "Service de proximité (entreprises de moins de 50 salariés)"
