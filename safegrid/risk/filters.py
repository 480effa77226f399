"""One FilterSet for the risk list: the page, the API and the Excel export."""

import django_filters

from safegrid.registry.filters import EnterpriseFilter

from .models import RiskColor

LEVELS = [(1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")]


class RiskListFilter(EnterpriseFilter):
    """The enterprise filters plus the safety code and the major hazard source level."""

    color = django_filters.MultipleChoiceFilter(field_name="grade__color", choices=RiskColor.choices, label="安全码")
    major_hazard_level = django_filters.TypedChoiceFilter(field_name="grade__major_hazard_level", choices=LEVELS,
                                                          coerce=int, label="重大危险源级别")
    has_major_hazard_source = django_filters.BooleanFilter(field_name="grade__major_hazard_level",
                                                           lookup_expr="isnull", exclude=True, label="有重大危险源")

    class Meta(EnterpriseFilter.Meta):
        fields = EnterpriseFilter.Meta.fields + ["color", "major_hazard_level", "has_major_hazard_source"]
