"""Walks the URL resolver: every back-office URL sends anonymous users to login, and every view of
the project's apps declares who may use it — so a new route cannot forget either."""

import pytest
from django.urls import reverse

from tests.routes import ALL_ROUTES, concrete_path, is_api_view, is_project_view, is_public, roles_of

# Public on purpose (marked login_not_required): logging in or out, the sign-up page that says sign-up
# is closed, password reset, e-mail confirmation, the second-factor step of login, the health probe.
PUBLIC_ROUTES = {
    "sante/",
    "comptes/login/",
    "comptes/logout/",
    "comptes/inactive/",
    "comptes/signup/",
    "comptes/confirm-email/",
    "comptes/password/reset/",
    "comptes/login/code/confirm/",
    "comptes/^confirm-email/(?P<key>[-:\\w]+)/$",
    "comptes/password/reset/key/done/",
    "comptes/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
    "comptes/password/reset/done/",
    "comptes/2fa/authenticate/",
    "admin/login/",
    "branches/certifications/publiques/",  # the certifications the branches publish (issue 17)
    # R6332-23: the transparency page and its CSV are public by law.
    "transparence/",
    "transparence/organismes.csv",
    "transparence/rubriques/<slug:key>.csv",
    # The proximity service's public needs form (embeddable, no account), its SIRET lookup, and the
    # satisfaction survey reached by a signed link (sme_services).
    "proximite/exprimer-un-besoin/",
    "proximite/exprimer-un-besoin/siret/",
    "proximite/enquete/<str:token>/",
    # The company's space, reached by a signed, expiring, revocable link (sme_services.funding.company_space).
    "espace-entreprise/<str:token>/",
    "espace-entreprise/<str:token>/simuler/",
    "espace-entreprise/<str:token>/deposer/",
}


def test_the_walk_sees_the_project_routes():
    routes = {route for route, _ in ALL_ROUTES}
    assert "referentiels/cfa/" in routes and "admin/" in routes and len(routes) > 50


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), ALL_ROUTES, ids=[r for r, _ in ALL_ROUTES])
def test_anonymous_users_are_sent_to_login(client, route, pattern):
    public = getattr(pattern.callback, "login_required", True) is False
    if is_api_view(pattern.callback):
        # DRF authenticates API calls itself: an anonymous call is refused, not redirected.
        assert client.get(concrete_path(route)).status_code in (401, 403), route
        return
    if public:
        assert route in PUBLIC_ROUTES, f"{route} est public sans être dans la liste des pages publiques"
        return
    path = concrete_path(route)
    response = client.get(path)
    login = reverse("account_login")
    assert response.status_code in (302, 404, 405), f"{path} a répondu {response.status_code} à un anonyme"
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(login) or location.startswith("/admin/login/"), f"{path} → {location}"


@pytest.mark.parametrize(("route", "pattern"), ALL_ROUTES, ids=[r for r, _ in ALL_ROUTES])
def test_every_project_view_declares_its_roles(route, pattern):
    # Every API view declares its roles, whatever package its class comes from (a schema view too).
    if not is_project_view(route, pattern.callback):
        return
    module = getattr(pattern.callback, "__module__", "")
    assert is_public(pattern.callback) or roles_of(pattern.callback), f"{route} ({module}) ne déclare aucun rôle autorisé"
