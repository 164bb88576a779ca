"""Session and MFA policies that no view can forget."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SESSION_STARTED_KEY = "backoffice_session_started_at"
SESSION_RENEWED_KEY = "backoffice_session_renewed_at"


class SessionAbsoluteTimeoutMiddleware:
    """Logs a user out once SESSION_ABSOLUTE_TIMEOUT has passed since login, active or not, and renews
    the idle timeout (the session's age, settings.SESSION_COOKIE_AGE).

    The renewal saves the session at most once per SESSION_RENEWAL_INTERVAL, not on every request: a save
    is a signed write to the database, a tenth of a list page's time under load (issue 19). A user idle
    for SESSION_IDLE_TIMEOUT is therefore logged out after between that time less the interval and that time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = timezone.now()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now.isoformat()
            elif now - datetime.fromisoformat(started) > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                messages.info(request, "Votre session a expiré : veuillez vous reconnecter.")
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            renewed = request.session.get(SESSION_RENEWED_KEY)
            if renewed is None or now - datetime.fromisoformat(renewed) >= settings.SESSION_RENEWAL_INTERVAL:
                request.session[SESSION_RENEWED_KEY] = now.isoformat()  # saved: the idle timeout starts again
        return self.get_response(request)


class MfaRequiredMiddleware:
    """A user whom accounts says requires MFA (every account) must have a TOTP authenticator before any other page.

    There is no setting to switch this off: a user without an authenticator is sent to set one up.
    """

    # Paths a user without an authenticator still needs: setting it up, logging out, assets.
    ALLOWED_URL_NAMES = ("mfa_activate_totp", "mfa_index", "account_logout", "account_reauthenticate")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.requires_mfa and not user.has_totp:
            allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES}
            if request.path not in allowed and not request.path.startswith(("/" + settings.STATIC_URL.lstrip("/"),)):
                messages.warning(
                    request,
                    "La double authentification est obligatoire pour votre compte : "
                    "configurez une application d'authentification pour continuer.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every answer but static files.

    - `Cache-Control: private, no-store` unless the view set its own: lists, exports, API answers and
      pages all show file data (names, dates of birth, IBANs) that no browser cache, shared
      proxy or back button should keep, as documents already do. Every answer, not only those to
      logged-in users: the back-office has nothing public worth caching, and deciding by user would
      read the session on paths that never did (an unknown /api/ path, a crash). A public page that
      wants caching says so with its own Cache-Control.
    - `Permissions-Policy` (settings.PERMISSIONS_POLICY): browser features the back-office never uses
      are switched off, for it and for anything injected into it.

    Placed right after SecurityMiddleware so that it also sees what inner middleware answer (a host
    not allowed, the login redirect). Static files keep the Cache-Control WhiteNoise gives them, and a
    static path WhiteNoise does not serve is left alone too.
    """

    NO_STORE = "private, no-store"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items())
        if policy:
            response.setdefault("Permissions-Policy", policy)
        static = request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if not static and not response.has_header("Cache-Control"):
            response["Cache-Control"] = self.NO_STORE
        return response
