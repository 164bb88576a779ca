"""Walks the URL resolver: every back-office URL sends anonymous users to login, and every view of
the project's apps declares who may use it — so a new route cannot forget either."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from opco.access import declared_roles

PROJECT_APPS = (
    "opco",
    "accounts",
    "notifications",
    "referentials",
    "branches",
    "contracts",
    "payments",
    "sme_services",
    "conventions",
)
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
}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def is_api_view(callback) -> bool:
    from rest_framework.views import APIView

    view_class = getattr(callback, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def concrete_path(route: str) -> str:
    """A path for a route, with sample values for its parameters."""
    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<(?:str|slug|path)?:?\w+>", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


ALL_ROUTES = list(walk(get_resolver().url_patterns))


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
    module = getattr(pattern.callback, "__module__", "")
    # Every API view declares its roles, whatever package its class comes from (a schema view too).
    if (not module.startswith(PROJECT_APPS) and not is_api_view(pattern.callback)) or route.startswith("admin/"):
        return
    public = getattr(pattern.callback, "login_required", True) is False and not is_api_view(pattern.callback)
    roles = declared_roles(pattern.callback) or getattr(getattr(pattern.callback, "cls", None), "allowed_roles", None)
    assert public or roles, f"{route} ({module}) ne déclare aucun rôle autorisé"
