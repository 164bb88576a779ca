from django.urls import path

from sme_services.funding.api import TrainingFundingSimulationView, TrainingRequestCreateView, TrainingRequestDetailView

urlpatterns = [
    path("simulations/training-funding/", TrainingFundingSimulationView.as_view(), name="api-simulation-training-funding"),
    path("training-requests/", TrainingRequestCreateView.as_view(), name="api-training-requests"),
    path("training-requests/<str:file_number>/", TrainingRequestDetailView.as_view(), name="api-training-request"),
]
