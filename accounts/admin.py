from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts.models import User
from opco.admin import AuditedModelAdmin


class BackOfficeUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "kind")


class BackOfficeUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = BackOfficeUserChangeForm
    add_form = BackOfficeUserCreationForm
    # Apps above accounts add their rows about a user with add_user_inline() (branches: memberships).
    inlines = []
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "kind", "is_active", "is_demo"]
    list_filter = ["kind", "is_active", "groups", "is_demo"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Rôle", {"fields": ("kind", "groups", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "kind", "password1", "password2")}),
    )
    filter_horizontal = ["groups"]


def add_user_inline(inline: type[InlineModelAdmin]) -> None:
    """Show an inline of a higher app on the user's admin page; call it from that app's admin.py."""
    if inline not in UserAdmin.inlines:
        UserAdmin.inlines.append(inline)
