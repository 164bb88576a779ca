"""The base of every API view (opco.api): role first, then CSRF, then the body."""

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from drf_spectacular.authentication import SessionScheme
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from opco.api.access import HasRole, SessionAuthentication
from opco.api.bodies import FORM_REFUSED, BoundedJSONParser, too_big


class ApiSessionScheme(SessionScheme):
    """The OpenAPI schema documents opco's session authentication as DRF's (the session cookie)."""

    target_class = "opco.api.access.SessionAuthentication"


def _flat(detail: Any) -> dict[str, str]:
    """A ParseError's detail as {field: one French message}."""
    if isinstance(detail, dict):
        return {
            str(field): " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
            for field, messages in detail.items()
        }
    return {"payload": str(detail)}


class ApiView(APIView):
    """The base of every API view. Set `allowed_roles`; override `refusal` for another error shape."""

    allowed_roles: tuple = ()
    permission_classes = [HasRole]
    authentication_classes = [SessionAuthentication]
    parser_classes = [BoundedJSONParser]
    csrf_after_permissions = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication (no body read), role, throttles
        authenticator = request.successful_authenticator
        if isinstance(authenticator, SessionAuthentication):
            authenticator.enforce_csrf(request)

    def handle_exception(self, exc):
        if isinstance(exc, ParseError):
            return self.refusal(_flat(exc.detail))
        # Django's own limits, met when DRF reads the body (request.body) before the parser.
        if isinstance(exc, RequestDataTooBig):
            return self.refusal({"payload": too_big()})
        if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
            return self.refusal({"payload": FORM_REFUSED})
        return super().handle_exception(exc)

    def refusal(self, errors: dict[str, str]) -> Response:
        """400 in the documented shape: one French message per field."""
        return Response({"errors": errors}, status=400)
