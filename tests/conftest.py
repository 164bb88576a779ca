import os
from pathlib import Path

import pytest
from django.conf import settings

from accounts.totp import totp_activate
from tests.accounts.factories import UserFactory

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CHROMIUM = Path("/usr/bin/chromium")


def pytest_report_header(config):
    backends = getattr(settings, "BACKENDS_IN_USE", {})
    return [f"backends: base de données = {backends.get('database')}, Redis = {backends.get('redis')}"]


def pytest_terminal_summary(terminalreporter):
    backends = getattr(settings, "BACKENDS_IN_USE", {})
    terminalreporter.write_line(f"Services utilisés : base {backends.get('database')}, Redis {backends.get('redis')}")


@pytest.fixture
def make_user(db):
    """A user of a kind and staff groups, with a TOTP authenticator (MFA is mandatory for every kind of
    account) unless `with_totp=False`, so that tests reach the pages behind MFA."""

    def make(kind=None, groups=None, with_totp=None, **extra):
        """make_user("advisor"), make_user(groups=["finance"]), or a role's trait: make_user(finance=True)."""
        if kind is not None:
            extra["kind"] = kind
        if groups is not None:
            extra["groups"] = groups
        user = UserFactory(**extra)
        if with_totp is not False:
            totp_activate(user=user, secret=TEST_TOTP_SECRET)
        return user

    return make


@pytest.fixture
def client_for(client, make_user):
    """A test client logged in as `user` (session as after a full login with MFA)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def load(db):
    """Load some referentials from the shipped files inside the test's transaction."""
    from referentials.loaders import referentials_load

    def run(*kinds):
        return {report.kind: report for report in referentials_load(kinds=list(kinds) or None)}

    return run


@pytest.fixture
def load_certifications(db):
    """Load only some real fiches of the Kit apprentissage (the whole Kit takes half a second)."""
    from referentials.loaders import load_certifications as loader

    def run(*rncps):
        return loader(settings.REFERENTIAL_DATA_DIR, only_rncp=set(rncps))

    return run


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def need_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("PostgreSQL requis (REQUIRE_SERVICES=1)")
        pytest.skip("PostgreSQL absent")


def need_redis():
    if not settings.REDIS_URL:
        if services_required():
            pytest.fail("Redis requis (REQUIRE_SERVICES=1)")
        pytest.skip("Redis absent")


@pytest.fixture
def page():
    """A page of headless Chromium (Debian's package) driven by Playwright, for the end-to-end tests."""
    if not CHROMIUM.exists():
        if services_required():
            pytest.fail("/usr/bin/chromium absent : installez le paquet Debian « chromium » (make test le fait)")
        pytest.skip("chromium absent")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="fr-FR")
        yield context.new_page()
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_login(live_server):
    """browser_login(page, user): the browser carries `user`'s session (as after a full login with MFA;
    tests/test_browser.py walks the real login once), so each browser test goes straight to its page."""
    from django.test import Client

    def login(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    return login
