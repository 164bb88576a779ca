"""The co-financing screen of a diagnostic, under /proximite/diagnostics/ (its own URL module, so that the
proximity service's routes stay as they are)."""

from django.urls import path

from sme_services.views import cofinancing

app_name = "sme_cofinancing"

urlpatterns = [
    path("<int:pk>/cofinancement/", cofinancing.diagnostic_cofinancing, name="diagnostic"),
]
