from django.apps import AppConfig


class OpcoConfig(AppConfig):
    name = "opco"
    verbose_name = "Back-office OPCO"

    def ready(self):
        from opco import search  # noqa: F401  (registers the `unaccented` lookup and SQLite's function)
