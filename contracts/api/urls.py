from django.urls import path

from contracts.api.checks import ContractCheckView
from contracts.api.files import ContractDepositView, ContractFileView
from contracts.api.invoices import CfaDocumentReceiveView, CfaDocumentReviewView
from contracts.api.simulations import ApprenticeshipSimulationView, SchemaView

urlpatterns = [
    path("simulations/apprenticeship/", ApprenticeshipSimulationView.as_view(), name="api-simulation-apprenticeship"),
    path("apprenticeship-contracts/check/", ContractCheckView.as_view(), name="api-contract-check"),
    path("apprenticeship-contracts/", ContractDepositView.as_view(), name="api-contract-deposit"),
    path("apprenticeship-contracts/<str:file_number>/", ContractFileView.as_view(), name="api-contract-file"),
    path("invoices/", CfaDocumentReceiveView.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/review/", CfaDocumentReviewView.as_view(), name="api-invoice-review"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
]

# Périodes de reconversion (contracts.views.reconversion).
from contracts.views.reconversion import ReconversionDepositView  # noqa: E402

urlpatterns += [path("reconversions/", ReconversionDepositView.as_view(), name="api-reconversion-deposit")]
