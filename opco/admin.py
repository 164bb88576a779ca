"""The Django admin, for raw data: administrators only, every change audited.

Who is an administrator is the accounts app's to say (it owns the roles, above opco): it calls
`set_admin_access(roles.ADMINISTRATEUR)` in its AppConfig.ready(). Until then nobody gets in.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from opco import audit
from opco.models import AuditEntry

_admin_access: Callable[[object], bool] | None = None


def set_admin_access(predicate: Callable[[object], bool]) -> None:
    """Who may use the admin: `predicate(user)` (a role of opco.access is one)."""
    global _admin_access
    _admin_access = predicate


def _is_administrator(request) -> bool:
    return _admin_access is not None and _admin_access(request.user)


admin.site.has_permission = lambda request: request.user.is_active and _is_administrator(request)


def refuse_logged_in_non_administrators(view):
    """403 for a logged-in user who may not use the admin; anonymous users go on to the login page.

    Django's admin sends anyone without the permission to its login page; ours is allauth's, which sends
    a user already logged in straight back to `next`, the admin: a loop, for a logged-in non-administrator."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not admin.site.has_permission(request):
            raise PermissionDenied("L'administration technique est réservée aux administrateurs.")
        return view(request, *args, **kwargs)

    return wrapped


# Every admin URL but the login page is built with admin_view (the site's and each ModelAdmin's, when the
# URLs load): refuse before Django's own check redirects to login. The login page: opco/urls.py.
_django_admin_view = admin.site.admin_view
admin.site.admin_view = lambda view, cacheable=False: refuse_logged_in_non_administrators(_django_admin_view(view, cacheable))


class AuditedModelAdmin(admin.ModelAdmin):
    """Base of every ModelAdmin of the project: administrators only, and each save or delete
    leaves an audit entry with the fields it changed."""

    def has_module_permission(self, request):
        return _is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_add_permission(self, request):
        return _is_administrator(request)

    def has_change_permission(self, request, obj=None):
        return _is_administrator(request)

    def has_delete_permission(self, request, obj=None):
        return _is_administrator(request)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="admin_change" if change else "admin_create",
            target=obj,
            changes=audit.diff(before, audit.snapshot(obj)),
            source=AuditEntry.Source.ADMIN,
        )

    def delete_model(self, request, obj):
        audit.record(
            actor=request.user,
            action="admin_delete",
            target=obj,
            changes=audit.diff(audit.snapshot(obj), {}),
            source=AuditEntry.Source.ADMIN,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(AuditedModelAdmin):
    """Rows that change through their services only (locks, checks, audit), or never: money,
    decisions, published versions, journals. Administrators read them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordsAuthorAdmin(AuditedModelAdmin):
    """A row entered by hand remembers who entered it (`created_by`)."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The journal is append-only (database triggers too)."""

    list_display = ["occurred_at", "actor_label", "source", "action", "target_repr", "summary"]
    list_filter = ["source", "action", "target_type"]
    search_fields = ["actor_label", "target_repr", "summary", "target_id"]
    date_hierarchy = "occurred_at"
