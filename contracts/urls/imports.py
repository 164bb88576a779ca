from django.urls import path

from contracts.views import imports as views_imports

app_name = "contract_imports"

urlpatterns = [
    path("", views_imports.contract_imports, name="list"),
    path("<int:pk>/", views_imports.contract_import_detail, name="detail"),
    path("<int:pk>/lignes-refusees.csv", views_imports.contract_import_report, name="report"),
]
