"""Raw data of notifications for administrators: reminders and notifications are read-only (they are
written by services, exactly once); an action cancels planned reminders through the service."""

from django.contrib import admin, messages

from notifications import services
from notifications.models import Notification, NotificationPreference, Reminder
from opco.admin import AuditedModelAdmin


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = [
        "due_on",
        "kind",
        "target_type",
        "target_id",
        "recipient",
        "email",
        "status",
        "channels",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "target_type"]
    search_fields = ["kind", "target_id", "email", "recipient__email", "subject"]
    date_hierarchy = "due_on"
    actions = ["cancel_planned"]

    @admin.action(description="Annuler les relances prévues sélectionnées")
    def cancel_planned(self, request, queryset):
        cancelled = sum(
            services.reminder_cancel(reminder_id=pk, actor=request.user) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{cancelled} relance(s) annulée(s).", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "title", "level", "read_at"]
    list_filter = ["level", "kind"]
    search_fields = ["title", "user__email"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AuditedModelAdmin):
    list_display = ["user", "kind", "by_email", "in_app"]
    list_filter = ["kind", "by_email", "in_app"]
    search_fields = ["user__email", "kind"]
    autocomplete_fields = ["user"]
