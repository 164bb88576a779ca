from django.urls import path

from contracts.views import cfa_documents as views_cfa_documents
from contracts.views import correction as views_correction
from contracts.views import deposit as views_deposit
from contracts.views import instruction as views_instruction
from contracts.views import oppositions as views_oppositions
from contracts.views import regularisation as views_regularisation
from contracts.views import simulator as views

app_name = "contracts"

urlpatterns = [
    path("simulateur/", views.simulator, name="simulator"),
    path("simulateur/professionnalisation/", views.simulator_professionalisation, name="simulator_professionalisation"),
    path("simulateur/certifications/", views.certification_suggestions, name="certification_suggestions"),
    path("", views_instruction.ContractListView.as_view(), name="list"),
    path("file/", views_instruction.ContractQueueView.as_view(), name="queue"),
    path("lot/", views_instruction.contracts_bulk, name="bulk"),
    path("nouveau/", views_deposit.contract_new, name="new"),
    path("nouveau/professionnalisation/", views_deposit.pro_contract_new, name="new_pro"),
    path("nouveau/siret/", views_deposit.check_siret, name="check_siret"),
    path("nouveau/uai/", views_deposit.check_uai, name="check_uai"),
    path("nouveau/rncp/", views_deposit.check_rncp, name="check_rncp"),
    path("oppositions/", views_oppositions.oppositions, name="oppositions"),
    path("regularisations/", views_regularisation.regularisations, name="regularisations"),
    path("factures-cfa/", views_cfa_documents.CfaDocumentListView.as_view(), name="cfa_documents"),
    path("factures-cfa/<int:pk>/fichier/", views_cfa_documents.cfa_document_download, name="cfa_document_file"),
    path("<int:pk>/", views_instruction.contract_detail, name="detail"),
    path("<int:pk>/actions/<slug:action>/", views_instruction.contract_action, name="action"),
    path("<int:pk>/corriger/", views_correction.contract_correct_view, name="correct"),
    path("<int:pk>/corriger-deca/", views_correction.contract_deca_correct_view, name="correct_deca"),
    path("<int:pk>/pieces/", views_instruction.document_upload, name="document_upload"),
    path("<int:pk>/pieces/<int:document_pk>/", views_instruction.document_download, name="document"),
    path("<int:pk>/factures-cfa/", views_cfa_documents.contract_cfa_documents, name="contract_cfa_documents"),
]
