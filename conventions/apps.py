from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conventions"
    verbose_name = "Conventions État et régions"

    def ready(self) -> None:
        # The spine's co-financing asks these rules for every line drawn on a convention's envelope.
        from conventions import eligibility
        from notifications.kinds import register_kind
        from opco import publication
        from payments.cofinancing import register_eligibility

        register_eligibility(eligibility.PREFIX, eligibility.rules)
        register_kind("conventions.bilan", "Bilans de conventions à remettre au financeur")
        publication.register_listener("conventions.transparency", queue_transparency)


def queue_transparency(reason: str) -> None:
    """R6332-23: rebuild the public page's snapshot after a change (a Celery task)."""
    from conventions.tasks import publish_transparency

    publish_transparency.delay(reason)
