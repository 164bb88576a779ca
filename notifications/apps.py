from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications et relances"

    def ready(self) -> None:
        # Decision deadlines of every registered file kind (opco.workflow) get their reminders here.
        from notifications import deadlines

        deadlines.register()

        # What each user has to look at, first on the home page (opco.home).
        from opco import home

        home.register_panel("notifications", template="notifications/_panel.html", context=lambda user: {}, order=1)
