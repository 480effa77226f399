"""InspectionFilter: the list page, the API and the Excel export share it."""

import django_filters
from django.db.models import Q

from safegrid.registry.filters import within_region

from .models import Inspection, InspectionKind, InspectionState, Outcome


class InspectionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="单位名称或信用代码")
    region = django_filters.CharFilter(method="filter_region", label="所在区划(含下级)")
    state = django_filters.MultipleChoiceFilter(choices=InspectionState.choices, label="状态")
    kind = django_filters.MultipleChoiceFilter(choices=InspectionKind.choices, label="检查方式")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label="检查结果")
    draw = django_filters.NumberFilter(field_name="draw_id", label="抽取批次ID")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="生产经营单位ID")
    department = django_filters.NumberFilter(field_name="department_id", label="检查部门ID")
    mine = django_filters.BooleanFilter(method="filter_mine", label="我参加的检查")
    scheduled_after = django_filters.DateFilter(field_name="scheduled_on", lookup_expr="gte", label="计划日期起")
    scheduled_before = django_filters.DateFilter(field_name="scheduled_on", lookup_expr="lte", label="计划日期止")

    class Meta:
        model = Inspection
        fields = ["q", "region", "state", "kind", "outcome", "draw", "enterprise", "department", "mine"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(enterprise__name__contains=value) | Q(enterprise__credit_code=value.upper()))

    def filter_region(self, queryset, name, value):
        return within_region(queryset, "scope_path", value)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(members__inspector__user=user).distinct()
