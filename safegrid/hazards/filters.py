"""HazardFilter: the API list, the ledger export (隐患台账) and the five lists use this one."""

import django_filters
from django.db.models import Q

from safegrid.registry.filters import within_region
from safegrid.registry.models import Enterprise

from . import clock, queries
from .models import Grade, Handling, Hazard, HazardType, Source, State

NAME_IDS = 2000  # text search: up to this many matching enterprises go in as an id list


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="描述、位置或单位名称")
    region = django_filters.CharFilter(method="filter_region", label="所在区划(含下级)")
    town = django_filters.CharFilter(field_name="town__code", label="乡镇(街道)代码")
    grid = django_filters.CharFilter(field_name="grid__code", label="网格编码")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="生产经营单位ID")
    # distinct=False: one value per row (no to-many join), and DISTINCT would sort whole rows.
    state = django_filters.MultipleChoiceFilter(choices=State.choices, distinct=False, label="状态")
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label="等级")
    handling = django_filters.ChoiceFilter(choices=Handling.choices, label="治理方式")
    source = django_filters.MultipleChoiceFilter(choices=Source.choices, distinct=False, label="来源")
    hazard_type = django_filters.ModelMultipleChoiceFilter(
        field_name="hazard_type__code", to_field_name="code", queryset=HazardType.objects.all(), distinct=False,
        label="隐患类型")
    department = django_filters.NumberFilter(field_name="assigned_department_id", label="责任部门ID")
    open = django_filters.BooleanFilter(method="filter_open", label="未销号")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")
    due_soon = django_filters.BooleanFilter(method="filter_due_soon", label="即将到期(3个工作日内)")
    recurrence = django_filters.BooleanFilter(field_name="recurrence_of", lookup_expr="isnull", exclude=True,
                                              label="复发")
    # Local calendar days as time ranges: `reported_at__date` would hide the column's index behind a cast.
    reported_after = django_filters.DateFilter(field_name="reported_at", method="filter_since", label="上报日期起")
    reported_before = django_filters.DateFilter(field_name="reported_at", method="filter_until", label="上报日期止")
    closed_after = django_filters.DateFilter(field_name="closed_at", method="filter_since", label="销号日期起")
    closed_before = django_filters.DateFilter(field_name="closed_at", method="filter_until", label="销号日期止")

    class Meta:
        model = Hazard
        fields = ["q", "region", "town", "grid", "enterprise", "state", "grade", "handling", "source",
                  "hazard_type", "department", "open", "overdue", "due_soon", "recurrence"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        q = Q(description__contains=value) | Q(location__contains=value)
        # Matching enterprises first: OR-ing a joined column makes the database read every hazard in
        # scope, while a list of ids combines with the trigram indexes on PostgreSQL (migration 0004).
        ids = list(Enterprise.objects.filter(name__contains=value).values_list("pk", flat=True)[:NAME_IDS + 1])
        if len(ids) > NAME_IDS:
            return queryset.filter(q | Q(enterprise__name__contains=value))
        return queryset.filter(q | Q(enterprise_id__in=ids)) if ids else queryset.filter(q)

    def filter_since(self, queryset, name, value):
        return queryset.filter(**{f"{name}__gte": queries.day_bounds(value)[0]})

    def filter_until(self, queryset, name, value):
        return queryset.filter(**{f"{name}__lt": queries.day_bounds(value)[1]})

    def filter_region(self, queryset, name, value):
        return within_region(queryset, "scope_path", value)

    def filter_open(self, queryset, name, value):
        q = Q(state__in=queries.OPEN_STATES)
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_overdue(self, queryset, name, value):
        q = queries.overdue_q(clock.today())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_due_soon(self, queryset, name, value):
        q = queries.due_soon_q(clock.today())
        return queryset.filter(q) if value else queryset.exclude(q)
