from django.urls import path

from accounts import management_screens, views

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("gestion/", management_screens.AccountListView.as_view(), name="manage"),
    path("gestion/nouveau/", management_screens.account_new, name="manage_new"),
    path("gestion/<int:pk>/", management_screens.account_detail, name="manage_detail"),
    path("gestion/<int:pk>/actions/<slug:action>/", management_screens.account_action, name="manage_action"),
]
