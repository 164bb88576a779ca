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

        # The branch portal lists the conventions covering the branch (figures, no person's data).
        from accounts import roles
        from branches.branch_page import register_branch_panel

        register_branch_panel(
            "conventions",
            template="conventions/_branch_panel.html",
            context=branch_panel_context,
            roles=(roles.STAFF, roles.BRANCH_REP),
            order=60,
        )


def branch_panel_context(user, branch) -> dict:
    from django.db.models import Q

    from conventions.enums import ConventionStatus
    from conventions.selectors import conventions_visible_to

    conventions = (
        conventions_visible_to(user)
        .filter(Q(all_branches=True) | Q(branches=branch), status=ConventionStatus.SIGNED)
        .distinct()
        .order_by("-starts_on")
    )
    return {"branch_conventions": list(conventions[:20])}


def queue_transparency(reason: str) -> None:
    """R6332-23: rebuild the public page's snapshot after a change (a Celery task)."""
    from conventions.tasks import publish_transparency

    publish_transparency.delay(reason)
