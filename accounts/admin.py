from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts.models import User
from branches.models import BranchMembership
from opco.admin import AuditedModelAdmin


class BackOfficeUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "kind")


class BackOfficeUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class BranchMembershipInline(admin.TabularInline):
    model = BranchMembership
    extra = 0
    autocomplete_fields = ["branch"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = BackOfficeUserChangeForm
    add_form = BackOfficeUserCreationForm
    inlines = [BranchMembershipInline]
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
