from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("lues/", views.notification_mark_read, name="mark_read"),
    path("preferences/", views.notification_preferences, name="preferences"),
    path("panneau/", views.notification_panel, name="panel"),
]
