from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contrats et financements"

    def ready(self) -> None:
        # The contracts' own reminders join the daily round of notifications (deadlines come from the workflows).
        from contracts.alternance import reminders
        from notifications.deadlines import register_producer

        reminders.register()
        register_producer(reminders.contract_reminders_schedule)

        # Who sees a file is who sees its employer's files (opco.scoping).
        from contracts.models import ApprenticeshipContract, ProAAmendment, ReconversionPeriod
        from opco import scoping

        for model in (ApprenticeshipContract, ReconversionPeriod, ProAAmendment):
            scoping.register_file_kind(model, company="employer")

        # Instalments and the rows of the périodes de reconversion are payable schedules (payments.schedules).
        from contracts.alternance.payability import SCHEDULE as instalments
        from contracts.reconversion.payability import SCHEDULE as reconversion_payments
        from payments import sources

        sources.register(instalments.as_source())
        sources.register(reconversion_payments.as_source())

        # The OPCO's letters follow the files' transitions and the settled payment runs (contracts.letters).
        from contracts.letters.hooks import letters_on_run_settled, letters_on_transition
        from opco import workflow
        from payments import settlement

        workflow.on_transition(letters_on_transition)
        settlement.on_run_settled(letters_on_run_settled)
