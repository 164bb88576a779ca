from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications et relances"

    def ready(self) -> None:
        # Decision deadlines of every registered file kind (opco.workflow) get their reminders here.
        from notifications import deadlines

        deadlines.register()
