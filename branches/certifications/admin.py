"""Raw data of certification support for administrators, read only: every write goes through the
services (audit, CPNE roles, workflow). The NIR is not shown here either."""

from django.contrib import admin

from branches.certifications.models import (
    Bloc,
    Candidate,
    CertificationProject,
    CertificationWatch,
    CpneSeat,
    CriterionAnswer,
    EmploymentSurvey,
    Habilitation,
    Review,
    Session,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CertificationProject)
class CertificationProjectAdmin(ReadOnlyAdmin):
    list_display = ["file_number", "branch", "title", "kind", "repertoire", "status", "rncp_code", "registration_ends_on"]
    list_filter = ["status", "kind", "repertoire"]
    search_fields = ["file_number", "title", "rncp_code"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["last_name", "first_name", "session", "result", "certified_on"]
    exclude = ["nir"]  # L6113-8: the NIR goes to the CPF system only


for model in (CpneSeat, Bloc, CriterionAnswer, Review, Habilitation, Session, EmploymentSurvey, CertificationWatch):
    admin.site.register(model, ReadOnlyAdmin)
