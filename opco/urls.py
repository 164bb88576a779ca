from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from accounts import roles
from opco import views
from opco.access import allow
from opco.admin import refuse_logged_in_non_administrators

admin.site.site_header = "Administration du back-office OPCO"
admin.site.site_title = "Back-office OPCO"
admin.site.index_title = "Données brutes"
admin.site.login = refuse_logged_in_non_administrators(views.admin_login_redirect)

urlpatterns = [
    path("", allow(*roles.ANY_USER)(views.home), name="home"),
    path("echeances/", allow(roles.STAFF)(views.deadlines), name="deadlines"),
    path("recherche/", require_http_methods(["GET", "POST"])(allow(*roles.ANY_USER)(views.search)), name="search"),
    path("sante/", views.health, name="health"),
    path("comptes/", include("allauth.urls")),
    path("comptes/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("referentiels/", include("referentials.urls")),
    path("branches/", include("branches.urls")),
    path("contrats/imports/", include("contracts.urls.imports")),
    path("contrats/reconversions/", include("contracts.urls.reconversion")),
    path("contrats/", include("contracts.urls")),
    path("paiements/", include("payments.urls")),
    path("conventions/", include("conventions.urls")),
    path("transparence/", include("conventions.urls_public")),
    path("api/v1/", include("conventions.api_urls")),
    path("api/v1/", include("contracts.api.urls")),
    path("api/v1/branches/", include("branches.portal.api_urls")),
    path("financements-formation/", include("sme_services.funding.urls")),
    path("api/v1/", include("sme_services.funding.api_urls")),
    path("proximite/", include("sme_services.urls")),
    path("proximite/diagnostics/", include("sme_services.cofinancing_urls")),
    path("espace-entreprise/", include("sme_services.funding.space_urls")),
    path("api/v1/", include("sme_services.api_urls")),
    path("admin/", admin.site.urls),
]

# French error pages in the site's layout, JSON under /api/ (opco.views).
handler400 = "opco.views.bad_request"
handler403 = "opco.views.permission_denied"
handler404 = "opco.views.page_not_found"
handler500 = "opco.views.server_error"
