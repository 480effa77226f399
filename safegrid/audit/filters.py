import django_filters

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(label="对象类型")
    object_id = django_filters.CharFilter(label="对象编号")
    action = django_filters.CharFilter(label="操作")
    actor = django_filters.CharFilter(field_name="actor__username", label="操作人用户名")
    request_id = django_filters.CharFilter(label="请求编号")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="起始时间")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="截止时间")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "actor", "request_id", "since", "until"]
