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
