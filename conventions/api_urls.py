from django.urls import path

from conventions.api import ConventionDetailView, ConventionListView

urlpatterns = [
    path("conventions/", ConventionListView.as_view(), name="api-conventions"),
    path("conventions/<int:pk>/", ConventionDetailView.as_view(), name="api-convention"),
]
