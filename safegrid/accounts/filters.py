"""The user list's one FilterSet: 系统管理 page and API alike."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from safegrid.core.roles import Role
from safegrid.core.scope import path_q
from safegrid.regions.models import Department, Region

from .models import ScopeGrant, User

STATUS = [("active", "启用"), ("inactive", "已停用"), ("locked", "已锁定"), ("must_change", "待首次改密")]


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="搜索")
    role = django_filters.ChoiceFilter(choices=Role.choices, label="角色", empty_label="全部角色")
    status = django_filters.ChoiceFilter(choices=STATUS, method="filter_status", label="状态", empty_label="全部状态")
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), to_field_name="code",
                                              method="filter_region", label="辖区", empty_label="全部辖区")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label="部门",
                                                  empty_label="全部部门")

    class Meta:
        model = User
        fields = ["q", "role", "status", "region", "department"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(username__icontains=value) | Q(name__contains=value) | Q(mobile=value))

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        return {
            "active": queryset.filter(is_active=True),
            "inactive": queryset.filter(is_active=False),
            "locked": queryset.filter(locked_until__gt=now),
            "must_change": queryset.filter(must_change_password=True),
        }[value]

    def filter_region(self, queryset, name, region):
        """Users whose jurisdiction, enterprise or department lies in the region's subtree."""
        grants = ScopeGrant.objects.filter(path_q("path", [region.path])).values("user_id")
        return queryset.filter(Q(pk__in=grants) | Q(enterprise__scope_path__startswith=region.path + "/")
                               | Q(enterprise__scope_path=region.path))
