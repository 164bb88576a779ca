from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contrats et financements"

    def ready(self) -> None:
        # Instalments are a source of payable lines (payments.sources).
        from contracts import payability
        from contracts.models import Instalment
        from payments import sources

        sources.register(
            sources.Source(
                model=Instalment,
                mirror=payability.mirror_line_status,
                release=payability.release_for_payments,
                pending_beneficiaries=payability.cfas_with_pending,
            )
        )
