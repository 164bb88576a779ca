from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("simulateur/", views.simulator, name="simulator"),
    path("simulateur/certifications/", views.certification_suggestions, name="certification_suggestions"),
]
