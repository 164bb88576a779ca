"""Every POST endpoint of the API against bodies meant to break it, through a client that enforces CSRF
as a browser session does: a user without the endpoint's role gets 403 before the body is read (a
body nested 50 000 deep, malformed JSON or a NUL byte included); a user with the role gets 400 with
the documented French `{"errors": …}` shape, never a 500. The endpoints are read from the API's
URLs, so a new one is covered the day it is added."""

import json

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, reverse

from contracts.api.urls import urlpatterns
from contracts.models import ApprenticeshipContract
from referentials.models import Company
from tests.contracts.factories import base, changed

pytestmark = pytest.mark.django_db

DEPTH = 50_000
# (name, body): each one a way to make a JSON reader fail, recurse or store what PostgreSQL refuses.
BAD_BODIES = [
    ("lists nested 50 000 deep", ("[" * DEPTH + "]" * DEPTH).encode()),
    ("objects nested 50 000 deep", ('{"a": ' * DEPTH + "1" + "}" * DEPTH).encode()),
    ("a deep list inside a payload", ('{"maitres_apprentissage": ' + "[" * DEPTH + "]" * DEPTH + "}").encode()),
    ("malformed JSON", b"{pas du json"),
    ("a NUL byte escaped in a name", b'{"apprenti": {"nom": "Du\\u0000rand"}}'),
    ("a raw NUL byte in a name", b'{"apprenti": {"nom": "Du\x00rand"}}'),
    ("a NUL byte in a key", b'{"no\\u0000m": "Durand"}'),
    ("an integer of 5 000 digits", b'{"effectif": ' + b"9" * 5000 + b"}"),
    ("NaN", b'{"taux": NaN}'),
    ("bytes that are not UTF-8", b'{"nom": "\xff\xfe"}'),
    ("a lone surrogate", b'{"nom": "Du\\ud800rand"}'),
    ("a body of 3 MB", b'{"nom": "' + b"x" * 3_000_000 + b'"}'),
]
# What a Python exception or DRF's English says; none of it may reach a user.
ENGLISH = ("Expecting", "parse error", "Invalid", "Error", "codec", "Exceeds", "not JSON compliant", "recursion", "Traceback")


def post_endpoints() -> list[str]:
    """The URL of every API route whose view answers POST (a route's parameters set to 1)."""
    urls = []
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "post"):
            urls.append(reverse(pattern.name, kwargs=dict.fromkeys(pattern.pattern.converters, 1)))
    return urls


POST_URLS = post_endpoints()


def test_the_api_has_its_post_endpoints():
    assert {
        "/api/v1/simulations/apprenticeship/",
        "/api/v1/apprenticeship-contracts/check/",
        "/api/v1/apprenticeship-contracts/",
        "/api/v1/invoices/",
        "/api/v1/reconversions/",
    } <= set(POST_URLS)


@pytest.fixture
def browser(make_user):
    """session(user) → a client logged in as `user` that sends its CSRF cookie and header, as a browser
    session calling the API does (Django's test client skips the CSRF check unless told not to)."""

    def session(user) -> Client:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(user)
        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
        client.defaults["HTTP_X_CSRFTOKEN"] = token
        return client

    return session


def post(client: Client, url: str, body: bytes):
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.parametrize("url", POST_URLS)
@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[name for name, _ in BAD_BODIES])
def test_a_user_without_the_role_is_refused_before_the_body_is_read(browser, make_user, url, name, body):
    client = browser(make_user(kind="branch_rep"))  # no API role for POST anywhere
    response = post(client, url, body)
    assert response.status_code == 403, (name, response.content[:300])
    assert response.json() == {"detail": "Votre rôle ne donne pas accès à cette ressource."}


@pytest.mark.parametrize("url", POST_URLS)
@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[name for name, _ in BAD_BODIES])
def test_a_bad_body_gets_a_french_400_with_the_errors_shape(browser, staff, url, name, body):
    response = post(browser(staff), url, body)  # a gestionnaire: every POST endpoint is theirs
    assert response.status_code == 400, (name, response.content[:300])
    answer = response.json()
    assert set(answer) <= {"errors", "codes"} and answer["errors"], answer
    text = json.dumps(answer, ensure_ascii=False)
    assert not any(word in text for word in ENGLISH), text


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            b'{"apprenti": {"nom": "Du\\u0000rand"}}',
            {"apprenti.nom": "caractère nul (U+0000) interdit"},
        ),
        (
            b'{"maitres_apprentissage": [{"nom": "Martin"}, {"prenom": "Cl\\u0000aire"}]}',
            {"maitres_apprentissage[1].prenom": "caractère nul (U+0000) interdit"},
        ),
        (b'{"no\\u0000m": "x"}', {"payload": "caractère nul (U+0000) interdit dans un nom de champ"}),
        (b'{"apprenti": {"no\\u0000m": "x"}}', {"apprenti": "caractère nul (U+0000) interdit dans un nom de champ"}),
        (
            ("[" * DEPTH + "]" * DEPTH).encode(),
            {"payload": "JSON refusé : plus de 16 niveaux d'imbrication (ligne 1, colonne 17)"},
        ),
        (b'{"nom": "x"}' + b" " * 3_000_000, {"payload": "Contenu trop volumineux : 2\u202f560 Ko au plus"}),
        (b'{"nom": "Du\\ud800rand"}', {"nom": "caractère Unicode invalide (demi-paire de substitution isolée)"}),
        (b"{pas du json", {"payload": "JSON invalide : nom de champ entre guillemets doubles attendu (ligne 1, colonne 2)"}),
        (b'{"taux": NaN}', {"payload": "JSON invalide : NaN et Infinity ne sont pas des nombres JSON"}),
        (b'{"n": ' + b"9" * 5000 + b"}", {"payload": "JSON invalide : nombre de plus de 4\u202f300 chiffres"}),
        (b'{"nom": "\xff"}', {"payload": "Contenu illisible : le JSON doit être encodé en UTF-8"}),
    ],
)
def test_the_refusal_names_the_field_or_says_what_is_wrong_with_the_json(browser, staff, body, errors):
    response = post(browser(staff), "/api/v1/apprenticeship-contracts/", body)
    assert (response.status_code, response.json()) == (400, {"errors": errors})


def test_a_deposit_with_a_nul_byte_in_a_name_is_refused_and_nothing_is_stored(browser, staff):
    payload = changed({**base(), "recu_le": "2025-09-02"}, {"apprenti.nom": "Du\x00rand"})
    response = post(browser(staff), "/api/v1/apprenticeship-contracts/", json.dumps(payload).encode())
    assert (response.status_code, response.json()) == (400, {"errors": {"apprenti.nom": "caractère nul (U+0000) interdit"}})
    assert not ApprenticeshipContract.objects.exists() and not Company.objects.exists()


def test_the_reconversion_api_keeps_its_documented_refusal_shape(browser, staff):
    response = post(browser(staff), "/api/v1/reconversions/", b'{"employee_last_name": "Ma\\u0000rtin"}')
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"employee_last_name": ["caractère nul (U+0000) interdit"]}, "codes": []},
    )


# --- CSRF is still enforced, after the role ---------------------------------------------------------------
def test_a_session_without_the_csrf_token_is_refused(make_user, staff):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(staff)
    response = client.post("/api/v1/apprenticeship-contracts/", data=json.dumps(base()), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ApprenticeshipContract.objects.exists()


def test_a_session_with_its_csrf_token_deposits(browser, staff):
    payload = {**base(), "recu_le": "2025-09-02"}
    response = post(browser(staff), "/api/v1/apprenticeship-contracts/", json.dumps(payload).encode())
    assert response.status_code == 201, response.content
    assert ApprenticeshipContract.objects.count() == 1


# --- Forms (the invoices endpoint also takes multipart/form-data) -------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=kind\r\n\r\nfacture\r\n--x--"),  # no boundary
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=\r\n\r\n" + b"a" * 10),
        ("application/x-www-form-urlencoded", "&".join(f"f{n}=1" for n in range(1200)).encode()),  # > 1 000 fields
    ],
)
def test_an_unreadable_form_gets_a_french_400_and_a_user_without_the_role_a_403(browser, make_user, staff, content_type, body):
    refused = browser(make_user(kind="branch_rep")).post("/api/v1/invoices/", data=body, content_type=content_type)
    assert refused.status_code == 403
    response = browser(staff).post("/api/v1/invoices/", data=body, content_type=content_type)
    assert response.status_code == 400, response.content[:300]
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "errors" in response.json() and not any(word in text for word in ENGLISH), text


def test_a_multipart_upload_through_a_csrf_checked_session_is_received(browser, staff, contract, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    made = contract()
    upload = SimpleUploadedFile(
        "facture.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf"
    )
    body = {"contract": made.file_number, "kind": "facture_annuelle", "cfa_siret": made.cfa_siret, "year": 1, "number": "F-1"}
    response = browser(staff).post("/api/v1/invoices/", data={**body, "amount": "2188.00", "file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["released"] == 1
