"""Error pages (DEBUG off, as in production): 400, 403, 404 and 500 are French pages in the site's
layout, and `/api/…` paths answer `{"errors": {…}}` in JSON with the status. The 500 page renders
from settings alone: no database query, no request context (the failure may be the database's)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils.functional import SimpleLazyObject

pytestmark = pytest.mark.django_db

LAYOUT_FOOTER = "Back-office de l'opérateur de compétences"
UNKNOWN_PAGE = "/cette-page-n-existe-pas/"
UNKNOWN_API_PATH = "/api/v1/cette-ressource-n-existe-pas/"
DISALLOWED_HOST = "intrus.example"


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def crashing_client(client):
    """The test client answering a view's exception with the 500 handler, as production does."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def home_crashes(monkeypatch):
    from opco.home import PANELS

    def crash(request):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(PANELS, "render", crash)


@pytest.fixture
def simulation_crashes(monkeypatch):
    def crash(data):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr("contracts.api.simulations.simulation_as_json", crash)


def html(response) -> str:
    return response.content.decode()


def assert_french_page_in_layout(response, status: int, title: str):
    body = html(response)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<title>{title} · {settings.OPCO_NAME}</title>" in body
    assert '<html lang="fr">' in body and LAYOUT_FOOTER in body
    for english in ("Not Found", "Forbidden", "Bad Request", "Server Error"):
        assert english not in body


def test_the_test_settings_run_with_debug_off():
    assert settings.DEBUG is False


# --- HTML pages --------------------------------------------------------------------------------------
def test_an_unknown_page_answers_a_french_404_in_the_site_layout_to_an_anonymous_user(client):
    response = client.get(UNKNOWN_PAGE)
    assert_french_page_in_layout(response, 404, "Page introuvable")
    assert "n'existe pas" in html(response)


def test_an_unknown_page_answers_a_french_404_with_the_navigation_to_a_logged_in_user(client_for, staff):
    response = client_for(staff).get(UNKNOWN_PAGE)
    assert_french_page_in_layout(response, 404, "Page introuvable")
    assert "Se déconnecter" in html(response) and staff.email in html(response)


def test_a_page_the_role_does_not_open_answers_a_french_403_in_the_site_layout(client_for, make_user):
    response = client_for(make_user(kind="advisor")).get("/echeances/")
    assert_french_page_in_layout(response, 403, "Accès refusé")
    assert "ne permet pas" in html(response)


def test_a_form_sent_without_its_csrf_token_answers_a_french_403_in_the_site_layout(staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post("/comptes/logout/")
    assert_french_page_in_layout(response, 403, "Accès refusé")
    assert "formulaire a expiré" in html(response)


def test_a_request_for_a_host_not_allowed_answers_a_french_400_in_the_site_layout(client):
    response = client.get("/", HTTP_HOST=DISALLOWED_HOST)
    assert_french_page_in_layout(response, 400, "Requête invalide")


def test_a_crash_answers_a_french_500_in_the_site_layout(crashing_client, client_for, staff, home_crashes):
    client_for(staff)
    response = crashing_client.get("/")
    assert_french_page_in_layout(response, 500, "Erreur du serveur")
    assert "Une erreur inattendue" in html(response)


def test_the_500_page_renders_without_a_database_query_nor_the_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")

    def database_down():
        raise DatabaseError("base indisponible")

    # Any context processor reading the user (hence the session, hence the database) would fail here.
    request.user = SimpleLazyObject(database_down)
    handler = get_resolver().resolve_error_handler(500)
    with django_assert_num_queries(0):
        response = handler(request)
    assert response.status_code == 500
    assert "Erreur du serveur" in html(response) and LAYOUT_FOOTER in html(response)


# --- API paths ---------------------------------------------------------------------------------------
def assert_api_error(response, status: int, words: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert list(body) == ["errors"] and isinstance(body["errors"], dict) and body["errors"]
    messages = " ".join(body["errors"].values())
    assert words in messages, messages


def test_an_unknown_api_path_answers_a_json_404_in_french_to_an_anonymous_caller(client):
    assert_api_error(client.get(UNKNOWN_API_PATH), 404, "introuvable")


def test_an_unknown_api_path_answers_a_json_404_in_french_to_a_logged_in_caller(client_for, staff):
    assert_api_error(client_for(staff).get(UNKNOWN_API_PATH), 404, "introuvable")


def test_an_api_call_for_a_host_not_allowed_answers_a_json_400_in_french(client):
    assert_api_error(client.get("/api/v1/schema/", HTTP_HOST=DISALLOWED_HOST), 400, "Requête invalide")


def test_a_crash_of_an_api_view_answers_a_json_500_in_french(crashing_client, client_for, staff, simulation_crashes):
    client_for(staff)
    response = crashing_client.post("/api/v1/simulations/apprenticeship/", {}, content_type="application/json")
    assert_api_error(response, 500, "Erreur interne")


def test_a_django_level_403_on_an_api_path_answers_json_in_french():
    handler = get_resolver().resolve_error_handler(403)
    response = handler(RequestFactory().get("/api/v1/schema/"), exception=PermissionDenied("interne"))
    assert_api_error(response, 403, "Accès refusé")
    assert "interne" not in response.content.decode()
