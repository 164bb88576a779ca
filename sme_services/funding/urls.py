from django.urls import path

from sme_services.funding import views

app_name = "funding"

urlpatterns = [
    path("simulateur/", views.simulator, name="simulator"),
    path("regles/", views.rule_sets, name="rule-sets"),
    path("regles/comparer/", views.rule_set_compare, name="rule-set-compare"),
    path("regles/<int:pk>/", views.rule_set_detail, name="rule-set"),
    path("regles/<int:pk>/export/", views.rule_set_export, name="rule-set-export"),
    path("demandes/", views.RequestList.as_view(), name="requests"),
    path("demandes/nouvelle/", views.request_new, name="request-new"),
    path("demandes/<int:pk>/", views.request_detail, name="request-detail"),
    path("demandes/<int:pk>/accord.pdf", views.request_accord_pdf, name="request-accord"),
    path("demandes/<int:pk>/<slug:action>/", views.request_action, name="request-action"),
    path("enveloppes/", views.envelopes, name="envelopes"),
    path("enveloppes/donnees/", views.envelopes_json, name="envelopes-json"),
]
