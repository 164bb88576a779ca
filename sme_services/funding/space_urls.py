from django.urls import path

from sme_services.funding import space_views as views

app_name = "company_space"

urlpatterns = [
    path("envoyer/<int:company_pk>/", views.send, name="send"),
    path("liens/<int:pk>/revoquer/", views.revoke, name="revoke"),
    # Public: reached by a signed, expiring, revocable link (no account).
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/simuler/", views.simulate, name="simulate"),
    path("<str:token>/deposer/", views.file, name="file"),
]
