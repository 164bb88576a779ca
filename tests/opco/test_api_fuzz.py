"""Schemathesis over the API's OpenAPI schema (drf-spectacular): every operation, with inputs derived
from the schema and beyond it, bounded and seeded so that a run is reproducible, sent as a logged-in
staff member (session with MFA done, CSRF token) through the real WSGI stack. No answer may be a server
error: bad input is a 400 in the documented French shape, a refused role a 403, an unknown file a 404."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests.accounts.factories import CSRF_SECRET, session_cookies

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 15  # bounded: the suite stays fast; raise it locally to fuzz harder
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def one_connection():
    """The WSGI handler closes the database connection after each request; the test's transaction
    lives on it, so the test holds it open as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # a fixed seed: the same requests on every run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_api_operation_answers_a_server_error(case, make_user):
    staff = make_user(kind="staff", groups=["gestionnaire", "finance"])
    response = case.call(cookies=session_cookies(staff), headers={"X-CSRFToken": CSRF_SECRET})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"
