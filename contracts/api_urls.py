from django.urls import path

from contracts.api import ApprenticeshipSimulationView, SchemaView
from contracts.api_checks import ContractCheckView
from contracts.api_files import ContractDepositView, ContractFileView
from contracts.api_invoices import CfaDocumentReceiveView

urlpatterns = [
    path("simulations/apprenticeship/", ApprenticeshipSimulationView.as_view(), name="api-simulation-apprenticeship"),
    path("apprenticeship-contracts/check/", ContractCheckView.as_view(), name="api-contract-check"),
    path("apprenticeship-contracts/", ContractDepositView.as_view(), name="api-contract-deposit"),
    path("apprenticeship-contracts/<str:file_number>/", ContractFileView.as_view(), name="api-contract-file"),
    path("invoices/", CfaDocumentReceiveView.as_view(), name="api-invoices"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
]

# Périodes de reconversion (contracts.views_reconversion).
from contracts.views_reconversion import ReconversionDepositView  # noqa: E402

urlpatterns += [path("reconversions/", ReconversionDepositView.as_view(), name="api-reconversion-deposit")]
