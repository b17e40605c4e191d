"""The organisers' audit trail: read only."""

from django.contrib import admin

from socex.admin_base import ModelAdmin

from ..models import WorkshopAuditEntry


@admin.register(WorkshopAuditEntry)
class WorkshopAuditEntryAdmin(ModelAdmin):
    list_display = ["created_at", "edition", "action", "actor", "detail"]
    list_filter = ["edition", "action"]
    list_select_related = ["edition", "actor"]
    search_fields = ["detail", "registration__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
