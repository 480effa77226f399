"""TipFilter: the staff inbox, the API list, the export and the closure-rate page use this one."""

import django_filters
from django.db.models import Q

from safegrid.hazards import clock
from safegrid.registry.filters import within_region
from safegrid.registry.models import SafetyCategory

from . import queries
from .models import OPEN_STATES, Channel, State, Tip

# Inbox tabs: a named group of states.
BOXES = {
    "todo": ((State.RECEIVED,), "待受理"),
    "doing": ((State.ACCEPTED, State.VERIFIED, State.UNFOUNDED), "办理中"),
    "done": ((State.CLOSED, State.REJECTED), "已办结"),
    "merged": ((State.MERGED,), "已合并"),
}


class TipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="编号、内容、地点或单位")
    box = django_filters.ChoiceFilter(choices=[(k, v[1]) for k, v in BOXES.items()], method="filter_box",
                                      label="分类")
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label="状态")
    region = django_filters.CharFilter(method="filter_region", label="所在区划(含下级)")
    town = django_filters.CharFilter(field_name="town__code", label="乡镇(街道)代码")
    department = django_filters.NumberFilter(field_name="department_id", label="责任部门ID")
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="category__code", to_field_name="code", queryset=SafetyCategory.objects.all(), label="举报类别")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label="渠道")
    open = django_filters.BooleanFilter(method="filter_open", label="未办结")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")
    duplicates = django_filters.BooleanFilter(method="filter_duplicates", label="疑似重复")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="举报日期起")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="举报日期止")

    class Meta:
        model = Tip
        fields = ["q", "box", "state", "region", "town", "department", "category", "channel", "open", "overdue",
                  "duplicates", "created_after", "created_before"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(public_id__iexact=value) | Q(description__contains=value)
                               | Q(address__contains=value) | Q(enterprise_name__contains=value))

    def filter_box(self, queryset, name, value):
        return queryset.filter(state__in=BOXES[value][0])

    def filter_region(self, queryset, name, value):
        return within_region(queryset, "scope_path", value)

    def filter_open(self, queryset, name, value):
        q = Q(state__in=OPEN_STATES)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_overdue(self, queryset, name, value):
        q = queries.overdue_q(clock.today())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_duplicates(self, queryset, name, value):
        q = Q(duplicate_candidates=[])
        return queryset.exclude(q) if value else queryset.filter(q)
