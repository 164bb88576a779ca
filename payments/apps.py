from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = "Paiements"

    def ready(self) -> None:
        # What the header's one search box finds here (opco.search).
        from payments import search

        search.register()
        # A finance officer sees on the home page the runs waiting for their approval (four eyes: not
        # the ones they prepared), through the notifications panel.
        from notifications.panel import register_panel_source

        register_panel_source(runs_awaiting_approval)


def runs_awaiting_approval(user):
    from django.urls import reverse

    from notifications.enums import Level
    from notifications.panel import PanelItem
    from payments.enums import RunStatus
    from payments.selectors import can_act_on_payments, runs_visible_to

    if not can_act_on_payments(user):
        return
    count = runs_visible_to(user).filter(status=RunStatus.PREPARED).exclude(prepared_by=user).count()
    yield PanelItem(
        count,
        "un lot de paiement attend votre approbation",
        "{count} lots de paiement attendent votre approbation",
        f"{reverse('payments:runs')}?status={RunStatus.PREPARED}",
        Level.WARNING,
    )
