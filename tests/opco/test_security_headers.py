"""Security headers of every answer: nothing a logged-in user sees is kept by a browser or a proxy
(`Cache-Control: no-store`, as documents already do), a CSP that pins `<base>`, a Permissions-Policy
switching off the browser features the back-office never uses."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DISABLED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


# --- Cache-Control -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", {}),
        ("/referentiels/entreprises/", {}),
        ("/referentiels/cfa/", {}),
        ("/referentiels/cfa/", {"format": "csv"}),
        ("/api/v1/schema/", {}),
        ("/api/v1/apprenticeship-contracts/AP20250000001/", {}),
        ("/cette-page-n-existe-pas/", {}),
    ],
)
def test_pages_lists_exports_and_api_answers_to_a_logged_in_user_are_not_stored(client_for, staff, path, query):
    response = client_for(staff).get(path, query)
    assert "no-store" in response["Cache-Control"], (path, response.status_code)


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/cette-ressource-n-existe-pas/"])
def test_api_answers_to_an_anonymous_caller_are_not_stored_either(client, path):
    response = client.get(path)
    assert response.status_code in (403, 404)
    assert "no-store" in response["Cache-Control"]


def test_a_view_that_sets_its_own_cache_control_keeps_it(client):
    response = client.get(reverse("health"))
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_static_files_stay_cacheable(client_for, staff):
    response = client_for(staff).get("/static/css/backoffice.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- CSP and Permissions-Policy ----------------------------------------------------------------------
def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in policy.split(";") if part.strip()}


def test_the_csp_pins_the_base_uri(client):
    response = client.get(reverse("account_login"))
    assert directives(response)["base-uri"] in ("'self'", "'none'")


@pytest.mark.parametrize("path", ["/comptes/login/", "/", "/api/v1/schema/"])
def test_a_permissions_policy_switches_off_the_browser_features_the_back_office_never_uses(client_for, staff, path):
    response = client_for(staff).get(path)
    features = {part.strip().split("=")[0]: part.strip().split("=")[1] for part in response["Permissions-Policy"].split(",")}
    for feature in DISABLED_FEATURES:
        assert features[feature] == "()", feature
