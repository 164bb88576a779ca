from django.urls import path

from conventions import views

app_name = "conventions"

urlpatterns = [
    path("", views.ConventionList.as_view(), name="list"),
    path("nouvelle/", views.create, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/actions/<slug:action>/", views.act, name="act"),
    path("<int:pk>/bilans/preparer/", views.report_prepare, name="report_prepare"),
    path("versements/<int:pk>/rapprocher/", views.match, name="match"),
    path("versions/<int:pk>/", views.version, name="version"),
    path("bilans/<int:pk>/", views.report_detail, name="report"),
    path("bilans/<int:pk>/<slug:step>/", views.report_step, name="report_step"),
    path("bilans/<int:pk>/document.<slug:fmt>", views.report_document, name="report_document"),
    path("etats-annuels/", views.statements, name="statements"),
    path("etats-annuels/<int:pk>/", views.statement_detail, name="statement"),
    path("etats-annuels/<int:pk>/etat.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("etats-annuels/<int:pk>/<slug:step>/", views.statement_action, name="statement_action"),
]
