"""The contracts app's rows, by sub-domain: alternance contracts (apprenticeship and
professionalisation) and their money, and the périodes de reconversion with the Pro-A stock.
Django finds them here; code imports them from `contracts.models`."""

from contracts.models.alternance import (  # noqa: F401
    Amendment,
    ApprenticeshipContract,
    ApprenticeshipMaster,
    CfaDocument,
    CheckRun,
    Commitment,
    ContractDocument,
    ContractImport,
    ContractReminder,
    EmployerOpposition,
    Instalment,
    PayPeriod,
    Rupture,
)
from contracts.models.reconversion import (  # noqa: F401
    ProAAmendment,
    ProAEmployeeContract,
    ReconversionPayment,
    ReconversionPeriod,
)
