from django.urls import path

from sme_services.api import CompanySummaryView, NeedsView

urlpatterns = [
    path("needs/", NeedsView.as_view(), name="api-needs"),
    path("companies/<str:siret>/", CompanySummaryView.as_view(), name="api-company-summary"),
]
