import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.totp import code_at
from tests.conftest import TEST_TOTP_SECRET

PASSWORD = "Mot-de-passe-solide-42"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    # allauth remembers used TOTP codes in the cache (no replay); each test starts clean.
    cache.clear()


def post_login(client, email, password=PASSWORD, ip="192.0.2.10"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def asks_for_the_code(response) -> bool:
    """The password was accepted: the login goes on to the second factor (every account has one)."""
    return response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")


def log_in(client, user):
    """A whole login: the password, then the current code."""
    assert asks_for_the_code(post_login(client, user.email))
    assert client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)})["Location"] == reverse("home")


def test_staff_login_asks_for_the_totp_code_then_reaches_home(client, make_user):
    user = make_user(kind="staff", groups=["gestionnaire"])
    response = post_login(client, user.email)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    # Not logged in before the second factor.
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert page.status_code == 200 and "Bonjour" in page.content.decode()


def wrong_code(secret=TEST_TOTP_SECRET):
    """A code that none of the steps the tolerance accepts (now, 30 s before or after) gives."""
    valid = {code_at(secret, time.time() + drift) for drift in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in valid)


def test_wrong_totp_codes_lock_the_account_for_15_minutes_even_for_the_right_code(client, make_user):
    user = make_user(kind="staff", groups=["gestionnaire"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, user.email)
        for _ in range(5):
            response = client.post(reverse("mfa_authenticate"), {"code": wrong_code()})
            assert "Code incorrect." in response.content.decode()
        # The sixth try, and the sixtieth, are refused whatever the code: the right one too.
        for _ in range(55):
            client.post(reverse("mfa_authenticate"), {"code": wrong_code()})
        refused = client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)})
        assert refused.status_code == 200 and "_auth_user_id" not in client.session
        assert "Trop de codes erronés : réessayez dans 15 minutes." in refused.content.decode()
        # The lock is on the account: a new login, from another address, does not lift it.
        other = Client()
        assert post_login(other, user.email, ip="198.51.100.7")["Location"] == reverse("mfa_authenticate")
        refused = other.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)})
        assert "Trop de codes erronés" in refused.content.decode() and "_auth_user_id" not in other.session
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        refused = client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)})
        assert "Trop de codes erronés : réessayez dans 5 minutes." in refused.content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        # The login itself has expired meanwhile (allauth gives 15 minutes for the second step): log in again.
        post_login(client, user.email)
        assert client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)}).status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_four_wrong_codes_do_not_lock_and_the_right_code_starts_the_count_again(client, make_user):
    user = make_user(kind="staff", groups=["gestionnaire"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, user.email)
        for _ in range(4):
            client.post(reverse("mfa_authenticate"), {"code": wrong_code()})
        assert client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)}).status_code == 302
        client.logout()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        post_login(client, user.email)
        for _ in range(4):
            client.post(reverse("mfa_authenticate"), {"code": wrong_code()})
        assert client.post(reverse("mfa_authenticate"), {"code": code_at(TEST_TOTP_SECRET)}).status_code == 302


def test_setting_up_totp_takes_five_wrong_codes_then_waits(client, make_user):
    user = make_user(kind="staff", with_totp=False)
    post_login(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    for _ in range(5):
        assert "Code incorrect." in client.post(reverse("mfa_activate_totp"), {"code": wrong_code(secret)}).content.decode()
    refused = client.post(reverse("mfa_activate_totp"), {"code": code_at(secret)})
    assert "Trop de codes erronés : réessayez dans 15 minutes." in refused.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def test_email_login_is_case_insensitive(client, make_user):
    user = make_user(kind="advisor")
    assert asks_for_the_code(post_login(client, user.email.upper()))


@pytest.mark.parametrize("kind", ["staff", "advisor", "branch_rep"])
def test_every_kind_of_account_without_authenticator_must_set_one_up(client, make_user, kind):
    user = make_user(kind=kind, with_totp=False)
    post_login(client, user.email)
    for url in [reverse("home"), reverse("referentials:providers"), reverse("branches:list"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    # allauth asks for the password again before adding a factor; the middleware lets that through.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_setting_up_totp_lifts_the_redirect(client, make_user):
    user = make_user(kind="staff", with_totp=False)
    post_login(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": code_at(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


def test_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"), {"email": "x@y.fr", "password1": "abcdefghijkl1!", "password2": "abcdefghijkl1!"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    from accounts.models import User

    assert not User.objects.filter(email="x@y.fr").exists()


def test_django_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_lockout_after_five_failures_per_user_and_ip_then_unlock_after_15_minutes(client, make_user):
    victim = make_user(kind="advisor")
    colleague = make_user(kind="advisor")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert post_login(client, victim.email, "mauvais").status_code == 200
        # The fifth failure locks; from then on even the right password is refused.
        assert post_login(client, victim.email, "mauvais").status_code == 429
        locked = post_login(client, victim.email)
        assert locked.status_code == 429
        assert "Compte temporairement bloqué" in locked.content.decode()
        assert "_auth_user_id" not in client.session
        # The same office (same IP), another user: not locked.
        assert asks_for_the_code(post_login(client, colleague.email))
        client.logout()
        # The same user from another IP: not locked either.
        assert asks_for_the_code(post_login(client, victim.email, ip="198.51.100.7"))
        client.logout()
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        from axes.handlers.proxy import AxesProxyHandler
        from django.test import RequestFactory

        request = RequestFactory().post("/comptes/login/", {"login": victim.email}, REMOTE_ADDR="192.0.2.10")
        assert AxesProxyHandler.is_locked(request, credentials={"email": victim.email})
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert asks_for_the_code(post_login(client, victim.email))


def test_four_failures_do_not_lock(client, make_user):
    user = make_user(kind="advisor")
    for _ in range(4):
        post_login(client, user.email, "mauvais")
    assert asks_for_the_code(post_login(client, user.email))


def test_idle_and_absolute_session_timeouts(client, make_user, settings):
    user = make_user(kind="advisor")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, user)
        assert client.get(reverse("home")).status_code == 200
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_RENEWAL_INTERVAL == timedelta(minutes=1)
    # Active every 20 minutes, the session still ends 10 hours after login.
    moment = start
    while moment < start + timedelta(hours=9, minutes=50):
        moment += timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(hours=10, minutes=1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # Idle for longer than 30 minutes: the session is gone.
    with time_machine.travel(start + timedelta(hours=11), tick=False):
        log_in(client, user)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(hours=11, minutes=31), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_the_idle_timeout_is_renewed_at_most_once_a_minute(client, make_user):
    """A save per request was a signed database write per page: the session is saved again only once a
    minute has passed, and a user active every 59 seconds stays logged in well past 30 minutes."""
    from django.contrib.sessions.models import Session

    user = make_user(kind="advisor")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, user)
        assert client.get(reverse("home")).status_code == 200
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == expiry  # not saved again within the minute
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date > expiry  # renewed
    moment = start + timedelta(seconds=61)
    while moment < start + timedelta(minutes=45):
        moment += timedelta(seconds=59)
        with time_machine.travel(moment, tick=False):
            assert client.get(reverse("home")).status_code == 200
    # Then idle: 30 minutes after the last renewal at most, the session is gone.
    with time_machine.travel(moment + timedelta(minutes=30, seconds=1), tick=False):
        assert client.get(reverse("home")).status_code == 302
