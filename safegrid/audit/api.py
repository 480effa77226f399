from rest_framework import serializers, viewsets

from safegrid.core.api import RestrictedViewMixin

from .filters import AuditEventFilter
from .models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "actor_name", "action", "object_type", "object_id",
                  "object_repr", "before", "after", "reason", "request_id", "client_ip", "region_code"]


class AuditEventViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """审计日志 (read-only; the trail is append-only)."""

    queryset = AuditEvent.objects.select_related("actor")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
