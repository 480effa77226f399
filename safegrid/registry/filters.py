"""One FilterSet per list: the page, the API and the Excel export all use these."""

import django_filters
from django.db.models import F, Q

from safegrid.regions.filters import within_region

from .models import Enterprise, EnterpriseStatus, KeyArea, SafetyCategory, Scale


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="名称或信用代码")
    region = django_filters.CharFilter(method="filter_region", label="所在区划(含下级)")
    grid = django_filters.CharFilter(field_name="grid__code", label="网格编码")
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="category__code", to_field_name="code", queryset=SafetyCategory.objects.all(),
        label="安全监管类别")
    status = django_filters.MultipleChoiceFilter(choices=EnterpriseStatus.choices, label="经营状态")
    scale = django_filters.ChoiceFilter(choices=Scale.choices, label="规模")
    industry = django_filters.CharFilter(method="filter_industry", label="国民经济行业(门类或大类)")
    has_grid = django_filters.BooleanFilter(field_name="grid", lookup_expr="isnull", exclude=True,
                                            label="已落网格")
    operating_elsewhere = django_filters.BooleanFilter(method="filter_elsewhere", label="异地经营")

    class Meta:
        model = Enterprise
        fields = ["q", "region", "grid", "category", "status", "scale", "industry", "has_grid",
                  "operating_elsewhere"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(credit_code=value.upper()))

    def filter_region(self, queryset, name, value):
        return within_region(queryset, "scope_path", value)

    def filter_industry(self, queryset, name, value):
        return queryset.filter(Q(industry__code=value) | Q(industry__parent__code=value))

    def filter_elsewhere(self, queryset, name, value):
        differs = ~Q(registered_region_code=F("region_code"))
        return queryset.filter(differs) if value else queryset.exclude(differs)


class KeyAreaFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="名称")

    class Meta:
        model = KeyArea
        fields = ["q"]
