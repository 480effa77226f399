"""系统管理 API: accounts. Same services and permission function as the pages (accounts.permissions);
an account outside what the caller manages answers 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.regions.models import Department, Grid, Region
from safegrid.registry.models import Enterprise

from . import services
from .filters import UserFilter
from .models import User
from .permissions import manageable_users, may_manage_users


class ManagedUserSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    department = serializers.IntegerField(source="department_id", allow_null=True, read_only=True)
    enterprise = serializers.IntegerField(source="enterprise_id", allow_null=True, read_only=True)
    scope = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "mobile", "role", "role_display", "department", "enterprise", "scope",
                  "is_active", "locked", "must_change_password", "last_login"]

    def get_scope(self, user) -> list[str]:
        return [g.path for g in user.scope_grants.all()]

    def get_locked(self, user) -> bool:
        return user.is_locked()


class UserWriteSerializer(serializers.Serializer):
    """Role and jurisdiction: region codes (county or town), grid codes, department id, enterprise credit code."""

    name = serializers.CharField(max_length=50, help_text="姓名")
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    regions = serializers.ListField(child=serializers.CharField(max_length=12), required=False, default=list,
                                    help_text="辖区区划代码(区县 6 位或乡镇 12 位)")
    grids = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list,
                                  help_text="网格编码(网格员)")
    department = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="部门 id")
    enterprise = serializers.CharField(max_length=18, required=False, allow_blank=True, default="",
                                       help_text="所属单位统一社会信用代码(企业用户)")


class UserCreateSerializer(UserWriteSerializer):
    username = serializers.CharField(max_length=150)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="原因(停用时必填)")


class PasswordResetSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(help_text="新的随机密码，只返回这一次；用户首次登录须修改")


def resolve_scope(actor, data):
    """Codes and ids from a request body -> objects in the caller's view (unknown reads as out of scope)."""
    regions = []
    for code in data.get("regions", []):
        region = Region.objects.restrict(actor, "view").filter(code=code, voided_at__isnull=True).first()
        if region is None:
            raise ServiceError("region.unknown", f"区划代码 {code} 不存在或不在您的辖区内。", field="regions")
        regions.append(region)
    grids = []
    for code in data.get("grids", []):
        grid = Grid.objects.restrict(actor, "view").filter(code=code, voided_at__isnull=True).first()
        if grid is None:
            raise ServiceError("grid.unknown", f"网格编码 {code} 不存在或不在您的辖区内。", field="grids")
        grids.append(grid)
    department = None
    if data.get("department"):
        department = Department.objects.restrict(actor, "view").filter(pk=data["department"],
                                                                       voided_at__isnull=True).first()
        if department is None:
            raise ServiceError("department.unknown", "部门不存在或不在您的辖区内。", field="department")
    enterprise = None
    if data.get("enterprise"):
        enterprise = Enterprise.objects.restrict(actor, "view").filter(
            credit_code=data["enterprise"].upper(), voided_at__isnull=True).first()
        if enterprise is None:
            raise ServiceError("enterprise.unknown", "该信用代码的单位不存在或不在您的辖区内。", field="enterprise")
    return {"regions": regions, "grids": grids, "department": department, "enterprise": enterprise}


class ManagedUserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """系统管理 › 用户与账号: the accounts the caller manages."""

    serializer_class = ManagedUserSerializer
    filterset_class = UserFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may_manage_users(request.user):
            raise PermissionDenied("您的角色无权管理账号。")

    def get_queryset(self):
        return manageable_users(self.request.user).prefetch_related("scope_grants").order_by("username")

    def _target(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=UserCreateSerializer, responses={201: PasswordResetSerializer})
    def create(self, request):
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        password = services.generate_password()
        user = services.create_user(username=data["username"], password=password, role=data["role"],
                                    actor=request.user, name=data["name"], mobile=data["mobile"], must_change=True,
                                    **resolve_scope(request.user, data))
        return Response({"username": user.username, "password": password}, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserWriteSerializer, responses=ManagedUserSerializer)
    def partial_update(self, request, pk=None):
        target = self._target(pk)
        body = UserWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = services.update_user(target, actor=request.user, name=data["name"], mobile=data["mobile"],
                                    role=data["role"], **resolve_scope(request.user, data))
        return Response(ManagedUserSerializer(user).data)

    @extend_schema(request=ReasonSerializer, responses=ManagedUserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        return self._set_active(request, pk, False)

    @extend_schema(request=ReasonSerializer, responses=ManagedUserSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._set_active(request, pk, True)

    def _set_active(self, request, pk, active):
        target = self._target(pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.set_active(target, active, actor=request.user, reason=body.validated_data["reason"])
        return Response(ManagedUserSerializer(user).data)

    @extend_schema(request=None, responses=PasswordResetSerializer)
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        target = self._target(pk)
        password = services.reset_password(target, actor=request.user)
        return Response({"username": target.username, "password": password})
