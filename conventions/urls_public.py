"""The public transparency page (R6332-23): no login, read-only, from the latest snapshot."""

from django.urls import path

from conventions import views

app_name = "transparency"

urlpatterns = [
    path("", views.transparency, name="page"),
    path("organismes.csv", views.transparency_bodies_csv, name="bodies_csv"),
    path("rubriques/<slug:key>.csv", views.transparency_section_csv, name="section_csv"),
]
