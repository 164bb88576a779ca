"""The security headers in headless Chromium: the browser accepts every feature the Permissions-Policy
names and the CSP, on the login page and on an error page, with no console error or warning."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("path", "heading"), [("/comptes/login/", None), ("/cette-page-n-existe-pas/", "Page introuvable")])
def test_chromium_accepts_the_security_headers_without_a_console_message(page, live_server, path, heading):
    problems: list[str] = []
    url = f"{live_server.url}{path}"

    def watch(message):
        # The site has no favicon, and a 404 page reports its own status: neither is a header's problem.
        source = message.location.get("url", "")
        if message.type in ("error", "warning") and "favicon" not in source and source != url:
            problems.append(message.text)

    page.on("console", watch)
    response = page.goto(url)
    assert "camera=()" in response.headers["permissions-policy"]
    if heading:
        assert page.locator("h1").inner_text() == heading
    page.wait_for_load_state("networkidle")
    assert problems == []
