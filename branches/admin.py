from django.contrib import admin

from branches.models import Branch, BranchIdcc, BranchMembership
from opco.admin import AuditedModelAdmin


class BranchIdccInline(admin.TabularInline):
    model = BranchIdcc
    extra = 0
    autocomplete_fields = ["idcc"]


@admin.register(Branch)
class BranchAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]
    inlines = [BranchIdccInline]


@admin.register(BranchMembership)
class BranchMembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "branch", "since"]
    autocomplete_fields = ["user", "branch"]
