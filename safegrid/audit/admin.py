from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin that only shows rows: every change goes through the service functions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "object_type", "object_id", "object_repr",
                    "region_code", "client_ip"]
    list_filter = ["action", "object_type", "region_code"]
    search_fields = ["object_id", "object_repr", "actor_name", "actor__username", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
