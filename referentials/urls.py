from django.urls import path

from referentials import views

app_name = "referentials"

urlpatterns = [
    path("cfa/", views.ProviderListView.as_view(), name="providers"),
    path("cfa/<int:pk>/", views.provider_detail, name="provider"),
    path("certifications/", views.CertificationListView.as_view(), name="certifications"),
    path("idcc/", views.IdccListView.as_view(), name="idcc"),
    path("entreprises/", views.CompanyListView.as_view(), name="companies"),
    path("chargements/", views.referential_loads, name="loads"),
    path("chargements/<int:pk>/", views.referential_load_detail, name="load_detail"),
    path("parametres-legaux/", views.legal_parameters, name="legal_parameters"),
]
