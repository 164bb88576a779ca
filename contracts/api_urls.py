from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from contracts.api import ApprenticeshipSimulationView
from contracts.api_checks import ContractCheckView

urlpatterns = [
    path("simulations/apprenticeship/", ApprenticeshipSimulationView.as_view(), name="api-simulation-apprenticeship"),
    path("apprenticeship-contracts/check/", ContractCheckView.as_view(), name="api-contract-check"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
