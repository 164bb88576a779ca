from django.contrib import admin

from accounts.admin import add_user_inline
from branches.models import (
    AmorcageValue,
    Branch,
    BranchFundingDecision,
    BranchIdcc,
    BranchMembership,
    Cpne,
    CpneIdcc,
    NpecEntry,
    NpecExemption,
    NpecPublication,
    ProfessionalisationRate,
)
from opco.admin import AuditedModelAdmin, ReadOnlyAdmin, RecordsAuthorAdmin


class BranchIdccInline(admin.TabularInline):
    model = BranchIdcc
    extra = 0
    autocomplete_fields = ["idcc"]


@admin.register(Branch)
class BranchAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]
    inlines = [BranchIdccInline]


class BranchMembershipInline(admin.TabularInline):
    model = BranchMembership
    extra = 0
    autocomplete_fields = ["branch"]


add_user_inline(BranchMembershipInline)


@admin.register(BranchMembership)
class BranchMembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "branch", "since"]
    autocomplete_fields = ["user", "branch"]


@admin.register(Cpne)
class CpneAdmin(AuditedModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(NpecPublication)
class NpecPublicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "file_name", "imported_at", "imported_by", "entry_count", "mapping_count"]
    list_filter = ["kind"]


@admin.register(NpecEntry)
class NpecEntryAdmin(ReadOnlyAdmin):
    list_display = ["rncp", "code_diplome", "cpne", "amount", "status", "applicable_from", "publication"]
    list_filter = ["status", "publication"]
    search_fields = ["rncp", "code_diplome", "title", "cpne__code"]


@admin.register(CpneIdcc)
class CpneIdccAdmin(ReadOnlyAdmin):
    list_display = ["idcc_code", "cpne", "publication"]
    search_fields = ["idcc_code", "cpne__code", "cpne__name"]


@admin.register(NpecExemption)
class NpecExemptionAdmin(AuditedModelAdmin):
    list_display = ["rncp", "title", "source", "added_on"]
    search_fields = ["rncp", "title"]


@admin.register(AmorcageValue)
class AmorcageValueAdmin(AuditedModelAdmin):
    list_display = ["level", "amount", "valid_from", "source"]


@admin.register(ProfessionalisationRate)
class ProfessionalisationRateAdmin(RecordsAuthorAdmin):
    """Forfaits horaires de professionnalisation fixés par les branches (D6332-85). Un changement de
    forfait se saisit comme une nouvelle ligne à sa date d'application : l'historique reste lisible."""

    list_display = ["branch", "hourly_rate", "priority_public", "applicable_from", "source", "created_by", "created_at"]
    list_filter = ["priority_public", "branch"]
    search_fields = ["branch__code", "branch__name", "source"]
    autocomplete_fields = ["branch"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "applicable_from"


@admin.register(BranchFundingDecision)
class BranchFundingDecisionAdmin(RecordsAuthorAdmin):
    """Décisions de financement des branches : aide au maître d'apprentissage (D6332-93 2°) et forfait
    des périodes de reconversion (D6332-89). Un changement se saisit comme une nouvelle ligne datée."""

    list_display = [
        "branch",
        "kind",
        "active",
        "monthly_amount",
        "max_months",
        "hourly_rate",
        "amount_per_period",
        "applicable_from",
    ]
    list_filter = ["kind", "active", "branch"]
    search_fields = ["branch__code", "branch__name", "source"]
    autocomplete_fields = ["branch"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "applicable_from"


from branches.certifications import admin as certifications_admin  # noqa: E402, F401  (certification support, read only)

# --- The branches' portal: raw data, read-only (the screens and their services write them) -------------
from branches.gpec.models import GpecStudy  # noqa: E402
from branches.npec_round.models import NpecCampaign, NpecProposal  # noqa: E402
from branches.portal.models import DashboardVisit, PageFeedback  # noqa: E402


@admin.register(NpecCampaign)
class NpecCampaignAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "published_on", "deadline"]


@admin.register(NpecProposal)
class NpecProposalAdmin(ReadOnlyAdmin):
    list_display = ["branch", "cpne", "campaign", "status", "transmitted_on"]
    list_filter = ["status"]


@admin.register(GpecStudy)
class GpecStudyAdmin(ReadOnlyAdmin):
    list_display = ["title", "branch", "study_type", "status", "visibility"]


@admin.register(DashboardVisit)
class DashboardVisitAdmin(ReadOnlyAdmin):
    list_display = ["opened_at", "user", "page", "branch"]
    list_filter = ["page"]


@admin.register(PageFeedback)
class PageFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "page", "useful", "comment"]
    list_filter = ["page", "useful"]
