from django.urls import path

from contracts.views import reconversion as views

app_name = "reconversions"

urlpatterns = [
    path("", views.ReconversionListView.as_view(), name="list"),
    path("tableau-de-bord/", views.reconversion_dashboard, name="dashboard"),
    path("nouvelle/", views.reconversion_new, name="new"),
    path("<int:pk>/", views.reconversion_detail, name="detail"),
    path("<int:pk>/actions/<slug:action>/", views.reconversion_action, name="action"),
    path("pro-a/", views.ProAListView.as_view(), name="pro_a_list"),
    path("pro-a/nouvel-avenant/", views.pro_a_new, name="pro_a_new"),
    path("pro-a/<int:pk>/", views.pro_a_detail, name="pro_a_detail"),
]
