from django.apps import AppConfig


class OpcoConfig(AppConfig):
    name = "opco"
    verbose_name = "Back-office OPCO"
