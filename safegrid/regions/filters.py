import django_filters
from django.db.models import Q

from safegrid.core.scope import path_q

from .models import Department, Grid, Region, RegionLevel, staffed_grid_ids


def within_region(queryset, field, code):
    """Rows whose path `field` lies in the subtree of the region with this code (one rule for every list)."""
    paths = Region.objects.filter(code=code).values_list("path", flat=True)
    return queryset.filter(path_q(field, paths))


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label="层级")
    parent = django_filters.CharFilter(field_name="parent__code", label="上级区划代码")
    within = django_filters.CharFilter(method="filter_within", label="所在区划代码(含下级)")
    q = django_filters.CharFilter(method="filter_q", label="名称或代码")

    class Meta:
        model = Region
        fields = ["level", "parent", "within", "q"]

    def filter_within(self, queryset, name, value):
        return within_region(queryset, "path", value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class GridFilter(django_filters.FilterSet):
    within = django_filters.CharFilter(method="filter_within", label="所在区划代码(含下级)")
    q = django_filters.CharFilter(method="filter_q", label="名称或编码")
    has_officer = django_filters.BooleanFilter(method="filter_has_officer", label="已配网格员")

    class Meta:
        model = Grid
        fields = ["within", "q", "has_officer"]

    def filter_within(self, queryset, name, value):
        return within_region(queryset, "path", value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))

    def filter_has_officer(self, queryset, name, value):
        staffed = staffed_grid_ids()
        return queryset.filter(pk__in=staffed) if value else queryset.exclude(pk__in=staffed)


class DepartmentFilter(django_filters.FilterSet):
    county = django_filters.CharFilter(field_name="county__code", label="区县代码")

    class Meta:
        model = Department
        fields = ["county"]
