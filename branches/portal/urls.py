"""The branches' portal: figures, D6332-78 III count, NPEC round, GPEC observatory, people."""

from django.urls import path

from branches.gpec import views as gpec
from branches.npec_round import views as npec_round
from branches.portal import views as portal

urlpatterns = [
    path("<int:pk>/chiffres/", portal.branch_figures, name="figures"),
    path("<int:pk>/membres/", portal.members, name="members"),
    path("<int:pk>/observatoire/", gpec.observatory, name="observatory"),
    path("contrats-par-certification-cpne/", portal.cpne_counts, name="cpne_counts"),
    path("avis/", portal.feedback, name="feedback"),
    path("campagnes-npec/", npec_round.round_list, name="round_list"),
    path("campagnes-npec/nouvelle/", npec_round.campaign_new, name="campaign_new"),
    path("campagnes-npec/<int:pk>/", npec_round.campaign_detail, name="campaign"),
    path("propositions-npec/<int:pk>/", npec_round.proposal_detail, name="proposal"),
    path("propositions-npec/<int:pk>/fichier/", npec_round.proposal_export, name="proposal_export"),
    path("npec/importer/", npec_round.npec_workbook_import, name="npec_workbook_import"),
    path("etudes/", gpec.study_list, name="studies"),
    path("etudes/<int:pk>/", gpec.study_detail, name="study"),
    path("etudes/<int:pk>/documents/<int:document_pk>/", gpec.study_document, name="study_document"),
    path("<int:branch_pk>/etudes/nouvelle/", gpec.study_edit, name="study_new"),
    path("<int:branch_pk>/etudes/<int:pk>/modifier/", gpec.study_edit, name="study_edit"),
]
