"""The project's routes as the URL resolver sees them, for the tests that walk them all
(tests/opco/test_url_access.py, tests/opco/test_permission_matrix.py)."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from opco.access import declared_roles

PROJECT_APPS = (
    "opco",
    "accounts",
    "notifications",
    "referentials",
    "branches",
    "contracts",
    "payments",
    "sme_services",
    "conventions",
)


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def is_api_view(callback) -> bool:
    from rest_framework.views import APIView

    view_class = getattr(callback, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def is_public(callback) -> bool:
    """Marked login_not_required, and not an API view (DRF checks the API's callers itself)."""
    return getattr(callback, "login_required", True) is False and not is_api_view(callback)


def is_project_view(route: str, callback) -> bool:
    """A view of the project's apps, or any API view (a schema view too); the Django admin is not."""
    module = getattr(callback, "__module__", "")
    return (module.startswith(PROJECT_APPS) or is_api_view(callback)) and not route.startswith("admin/")


def roles_of(callback) -> tuple:
    """The roles a view declares: `allow(...)`, `RoleRequiredMixin.allowed_roles` or an API view's
    `allowed_roles`."""
    return declared_roles(callback) or getattr(getattr(callback, "cls", None), "allowed_roles", None) or ()


def concrete_path(route: str) -> str:
    """A path for a route, with sample values for its parameters."""
    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<(?:str|slug|path)?:?\w+>", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


ALL_ROUTES = list(walk(get_resolver().url_patterns))
