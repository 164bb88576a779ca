from django.urls import path

from sme_services.views import company, dashboard, diagnostics, needs, portfolio, promotion

app_name = "sme_services"

urlpatterns = [
    path("portefeuille/", portfolio.PortfolioView.as_view(), name="portfolio"),
    path("portefeuille/reaffecter/", portfolio.reassign, name="reassign"),
    path("regles/", portfolio.rules, name="rules"),
    path("regles/<int:pk>/", portfolio.rules, name="rule"),
    path("equipes/", portfolio.teams, name="teams"),
    path("equipes/<int:pk>/", portfolio.teams, name="team"),
    path("entreprises/nouvelle/", company.company_create, name="company_create"),
    path("entreprises/<int:pk>/", company.company_page, name="company"),
    path("entreprises/<int:pk>/echanges/", company.interaction_new, name="interaction_new"),
    path("entreprises/<int:pk>/contacts/", company.contact_new, name="contact_new"),
    path("entreprises/<int:pk>/cse/", company.cse_member_new, name="cse_new"),
    path("entreprises/<int:pk>/effectif/", company.headcount_new, name="headcount_new"),
    path("entreprises/<int:pk>/diagnostic/", diagnostics.diagnostic_open, name="diagnostic_open"),
    path("entreprises/<int:company_pk>/afest/", diagnostics.afest_edit, name="afest_new"),
    path("besoins/", needs.inbox, name="inbox"),
    path("besoins/nouveau/", needs.need_new, name="need_new"),
    path("besoins/<int:pk>/", needs.need_detail, name="need"),
    path("besoins/<int:pk>/<str:code>/", needs.need_action, name="need_action"),
    path("diagnostics/<int:pk>/", diagnostics.diagnostic_detail, name="diagnostic"),
    path("diagnostics/<int:pk>/actions/", diagnostics.plan_item_new, name="plan_item_new"),
    path("diagnostics/<int:pk>/actions/<int:item_pk>/", diagnostics.plan_item_status, name="plan_item_status"),
    path("diagnostics/<int:pk>/actions/<int:item_pk>/lien/", diagnostics.plan_item_link, name="plan_item_link"),
    path("diagnostics/<int:pk>/terminer/", diagnostics.diagnostic_complete, name="diagnostic_complete"),
    path("afest/<int:pk>/", diagnostics.afest_edit, name="afest"),
    path("documents/<str:kind>/<int:pk>/", diagnostics.document_upload, name="document_upload"),
    path("documents/<str:kind>/<int:pk>/<int:document_pk>/", diagnostics.document_download, name="document"),
    path("entreprises/<int:company_pk>/foad/", promotion.foad_edit, name="foad_new"),
    path("foad/<int:pk>/", promotion.foad_edit, name="foad"),
    path("campagnes/", promotion.campaigns, name="campaigns"),
    path("questionnaires/", promotion.questionnaires, name="questionnaires"),
    path("tableau-de-bord/", dashboard.dashboard, name="dashboard"),
    path("rapports/", dashboard.reports, name="reports"),
    path("rapports/demander/", dashboard.report_request, name="report_request"),
    path("rapports/<int:pk>/", dashboard.report_download, name="report"),
    path("branches/<int:pk>/", dashboard.branch_figures, name="branch_figures"),
    # Public: no account (login_not_required), embeddable on a branch's or partner's site.
    path("exprimer-un-besoin/", needs.public_need_form, name="public_need"),
    path("exprimer-un-besoin/siret/", needs.public_siret_lookup, name="public_siret"),
    path("enquete/<str:token>/", needs.survey, name="survey"),
]
