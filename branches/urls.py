from django.urls import include, path

from branches import views
from branches.paygrids import views as pay_grid_views

app_name = "branches"

urlpatterns = [
    path("", views.branch_list, name="list"),
    path("<int:pk>/", views.branch_detail, name="detail"),
    path("npec/", views.NpecEntryListView.as_view(), name="npec"),
    path("npec/historique/", views.npec_history, name="npec_history"),
    path("npec/publications/", views.npec_publications, name="npec_publications"),
    path("npec/publications/<int:pk>/", views.npec_publication_detail, name="npec_publication"),
    path("npec/decision/", views.npec_decision, name="npec_decision"),
    path("npec/exemptions/", views.npec_exemptions, name="npec_exemptions"),
    path("certifications/", include("branches.certifications.urls")),
    path("grilles-de-salaires/", pay_grid_views.pay_grids, name="pay_grids"),
]

# The branches' portal (branches.portal, npec_round, gpec).
from branches.portal.urls import urlpatterns as portal_urls  # noqa: E402

urlpatterns += portal_urls
