from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from contracts.api import ApprenticeshipSimulationView

urlpatterns = [
    path("simulations/apprenticeship/", ApprenticeshipSimulationView.as_view(), name="api-simulation-apprenticeship"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
