from django.urls import path

from branches.certifications import views

app_name = "certifications"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("nouveau/", views.project_create, name="create"),
    path("publiques/", views.public_certifications, name="public"),
    path("fiche/<str:code>/", views.certification_page, name="certification"),
    path("branche/<int:pk>/echeances/", views.branch_renewals, name="branch_renewals"),
    path("branche/<int:pk>/cpne/", views.cpne_seats, name="cpne_seats"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/modifier/", views.project_edit, name="edit"),
    path("<int:pk>/action/<str:code>/", views.project_action, name="action"),
    path("<int:pk>/enregistrement/", views.project_register, name="register"),
    path("<int:pk>/refus/", views.project_refuse, name="refuse"),
    path("<int:pk>/publication/", views.project_publish, name="publish"),
    path("<int:pk>/renouvellement/", views.project_renew, name="renew"),
    path("<int:pk>/blocs/", views.bloc_add, name="bloc_add"),
    path("blocs/<int:pk>/retirer/", views.bloc_remove, name="bloc_remove"),
    path("<int:pk>/criteres/", views.criterion_answer, name="criterion"),
    path("<int:pk>/avis/", views.review_request, name="review_request"),
    path("avis/<int:pk>/", views.review_answer, name="review_answer"),
    path("<int:pk>/habilitations/", views.habilitation_add, name="habilitation_add"),
    path("<int:pk>/sessions/", views.session_add, name="session_add"),
    path("<int:pk>/candidats/", views.candidate_add, name="candidate_add"),
    path("candidats/<int:pk>/resultat/", views.candidate_result, name="candidate_result"),
    path("<int:pk>/insertion/", views.survey_record, name="survey_record"),
    path("<int:pk>/titulaires-cpf.csv", views.holders_cpf_export, name="cpf_export"),
]
