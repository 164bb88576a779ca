"""Who may use a view: every view of the back-office declares it (DESIGN.md, security baseline).

`allow(*roles)` decorates a function view, `RoleRequiredMixin.allowed_roles` a class view. A test
walks the URL resolver and fails on any view that declares neither a role nor that it is public.
A user outside the roles gets 403; rows outside a user's scope are the selectors' job (404).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    check: Callable[[object], bool]

    def __call__(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active and self.check(user))


def user_has_any_role(user, roles: tuple[Role, ...]) -> bool:
    return any(role(user) for role in roles)


def allow(*roles: Role):
    """Decorator for function views: only users holding one of `roles` get through."""
    if not roles:
        raise ValueError("allow() demande au moins un rôle.")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_any_role(request.user, roles):
                raise PermissionDenied("Vous n'avez pas accès à cette page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


class RoleRequiredMixin:
    """Mixin for class views; subclasses set `allowed_roles`."""

    allowed_roles: tuple[Role, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed_roles or not user_has_any_role(request.user, self.allowed_roles):
            raise PermissionDenied("Vous n'avez pas accès à cette page.")
        return super().dispatch(request, *args, **kwargs)


def declared_roles(callback) -> tuple[Role, ...] | None:
    """The roles a resolved URL callback declares, or None when it declares none."""
    roles = getattr(callback, "allowed_roles", None)
    if roles is None and hasattr(callback, "view_class"):
        roles = getattr(callback.view_class, "allowed_roles", None) or None
    return roles
