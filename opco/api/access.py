"""Who may call the API, and the session's CSRF check that never parses a body (opco.api)."""

from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from rest_framework import authentication
from rest_framework.exceptions import ParseError
from rest_framework.permissions import BasePermission

from opco.access import user_has_any_role
from opco.api.bodies import FORM_REFUSED

ROLE_REFUSED = "Votre rôle ne donne pas accès à cette ressource."


class HasRole(BasePermission):
    """The view's `allowed_roles` (opco.access roles): a user holding none of them gets 403."""

    message = ROLE_REFUSED

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and user_has_any_role(request.user, view.allowed_roles)


class SessionAuthentication(authentication.SessionAuthentication):
    """The Django session, with a CSRF check that never parses a JSON body (see opco.api);
    for a view that says `csrf_after_permissions` (ApiView), the check is left to the view, which runs
    it right after its permissions."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        view = (request.parser_context or {}).get("view")
        if not getattr(view, "csrf_after_permissions", False):
            self.enforce_csrf(request)
        return (user, None)

    def enforce_csrf(self, request):
        # Django's request: its POST reads a form body (where the token may be) and nothing else.
        django_request = getattr(request, "_request", request)
        try:
            super().enforce_csrf(django_request)
        except (MultiPartParserError, SuspiciousOperation):
            raise ParseError(FORM_REFUSED) from None
