from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contrats et financements"

    def ready(self) -> None:
        # Who sees a file is who sees its employer's files (opco.scoping).
        from contracts.models import ApprenticeshipContract, ProAAmendment, ReconversionPeriod
        from opco import scoping

        for model in (ApprenticeshipContract, ReconversionPeriod, ProAAmendment):
            scoping.register_file_kind(model, company="employer")

        # Instalments are a payable schedule (payments.schedules).
        from contracts.alternance.payability import SCHEDULE as instalments
        from payments import sources

        sources.register(instalments.as_source())

        # Rows of the périodes de reconversion's schedules too (contracts.reconversion).
        from contracts.models.reconversion import ReconversionPayment
        from contracts.reconversion import payability as reconversion

        sources.register(
            sources.Source(
                model=ReconversionPayment,
                mirror=reconversion.mirror_line_status,
                release=reconversion.release_for_payments,
                pending_beneficiaries=reconversion.providers_with_pending,
            )
        )
