from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contrats et financements"

    def ready(self) -> None:
        # What the header's one search box finds here (opco.search).
        from contracts import search

        search.register()
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

        # The certifications a branch's contracts use, for its renewal alerts (branches.certifications.lifecycle).
        from branches.certifications.lifecycle import register_used_certifications

        register_used_certifications(
            "contracts",
            "contrats d'apprentissage",
            lambda branch: (
                ApprenticeshipContract.objects.filter(employer__idcc__branch_link__branch=branch)
                .values_list("rncp", flat=True)
                .distinct()
            ),
        )

        # The branches' portal aggregates the contracts by branch (branches.portal.facts).
        from contracts import branch_figures

        branch_figures.register()

        # The company page shows the company's contracts (referentials.company_page), and a contract running
        # in a year is a funded action of its employer (referentials.company_activity: the penetration rate).
        from contracts.enums import ContractStatus
        from contracts.selectors import contracts_visible_to
        from referentials.company_activity import register_funded_actions
        from referentials.company_page import register_company_panel

        register_company_panel(
            "contracts",
            template="contracts/_company_panel.html",
            context=lambda user, company: {
                "company_contracts": contracts_visible_to(user).filter(employer=company).order_by("-start_date", "-id")[:50]
            },
            order=20,
        )
        funded = (
            ContractStatus.ACCEPTED,
            ContractStatus.DEPOSITED,
            ContractStatus.RUNNING,
            ContractStatus.ENDED,
            ContractStatus.BROKEN,
        )
        # An action plan of the proximity service points to a contract by its file number
        # (referentials.linked_files): the lookup is scoped like the contract's own page.
        from referentials.linked_files import register_file_lookup

        register_file_lookup("alternance", "Contrat en alternance", _contract_lookup)
        register_funded_actions(
            "contracts",
            lambda year: ApprenticeshipContract.objects.filter(
                status__in=funded, start_date__year__lte=year, end_date__year__gte=year
            ).values("employer_id"),
        )

        # The OPCO's letters follow the files' transitions and the settled payment runs (contracts.letters).
        from contracts.letters.hooks import letters_on_run_settled, letters_on_transition
        from opco import workflow
        from payments import settlement

        workflow.on_transition(letters_on_transition)
        settlement.on_run_settled(letters_on_run_settled)


def _contract_lookup(user, number: str):
    from django.urls import reverse

    from contracts.selectors import contracts_visible_to
    from referentials.linked_files import LinkedFile

    contract = contracts_visible_to(user).filter(file_number=number).first()
    if contract is None:
        return None
    return LinkedFile(
        kind="alternance",
        number=contract.file_number,
        company_id=contract.employer_id,
        status=contract.get_status_display(),
        url=reverse("contracts:detail", args=[contract.pk]),
        label=f"{contract.get_contract_kind_display()} : {contract.apprentice_first_name} {contract.apprentice_last_name}",
    )
