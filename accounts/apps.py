from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self) -> None:
        # Only administrators reach the Django admin (opco.admin refuses everyone until told).
        from accounts import roles
        from opco.admin import set_admin_access

        set_admin_access(roles.ADMINISTRATEUR)

        # Staff see the files of every company (opco.scoping).
        from opco import scoping

        scoping.register_company_rule(roles.STAFF, lambda user: scoping.EVERY_COMPANY)

        # A staff member finds on the home page their files whose decision deadline comes (opco.workflow).
        from opco import home

        home.register_panel(
            "deadlines", template="includes/deadlines_panel.html", context=_deadlines_context, roles=(roles.STAFF,), order=5
        )


def _deadlines_context(user) -> dict:
    from django.utils import timezone

    from opco.views import DUE_WITHIN_DAYS
    from opco.workflow import files_due

    rows = files_due(today=timezone.localdate(), within_days=DUE_WITHIN_DAYS, assigned_to=user)
    overdue = sum(1 for row in rows if row.overdue)
    return {"overdue": overdue, "soon": len(rows) - overdue, "within_days": DUE_WITHIN_DAYS}
