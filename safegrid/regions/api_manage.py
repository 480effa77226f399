"""系统管理 API: departments, the safety committee's specialised committees, grid officers with their
training, and grids' accountable people. Same services and permission functions as the pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.accounts.models import User
from safegrid.accounts.permissions import manageable_users
from safegrid.core.errors import ServiceError

from . import services
from .models import Department, GridOfficer, Region, RegionLevel, SpecialCommittee, TrainingResult
from .permissions import (
    can_manage_county,
    manageable_grids,
    manageable_officers,
    may_manage_officers,
    role_of,
)


class ManagedDepartmentSerializer(serializers.ModelSerializer):
    county_code = serializers.CharField(source="county.code", read_only=True)
    voided = serializers.BooleanField(source="is_voided", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "county_code", "committee_member", "voided"]


class DepartmentCreateSerializer(serializers.Serializer):
    county = serializers.CharField(max_length=6, help_text="区县区划代码")
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    committee_member = serializers.BooleanField(required=False, default=False, help_text="安委会成员单位")


class DepartmentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    short_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    committee_member = serializers.BooleanField(required=False)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


def _managed_county(user, code):
    county = Region.objects.filter(code=code, level=RegionLevel.COUNTY, voided_at__isnull=True).first()
    if county is None or not can_manage_county(user, county.region_code):
        raise ServiceError("county.unknown", f"区县 {code} 不存在或不在您的辖区内。", field="county")
    return county


class CountyManagerMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if role_of(request.user) not in ("admin", "county_office"):
            raise PermissionDenied("您的角色无权执行该操作。")


class ManagedDepartmentViewSet(CountyManagerMixin, viewsets.GenericViewSet):
    """部门: create, rename, mark as a committee member unit, void."""

    serializer_class = ManagedDepartmentSerializer
    queryset = Department.objects.none()  # for the schema; get_queryset scopes

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Department.objects.none()
        qs = Department.objects.select_related("county").order_by("region_code", "name")
        if role_of(user) == "admin":
            return qs
        return qs.filter(region_code__in={p.split("/")[2] for p in user.scope_paths() if p.count("/") >= 2})

    @extend_schema(responses=ManagedDepartmentSerializer(many=True))
    def list(self, request):
        return Response(ManagedDepartmentSerializer(self.get_queryset(), many=True).data)

    @extend_schema(request=DepartmentCreateSerializer, responses={201: ManagedDepartmentSerializer})
    def create(self, request):
        body = DepartmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        department = services.create_department(county=_managed_county(request.user, data.pop("county")),
                                                actor=request.user, **data)
        return Response(ManagedDepartmentSerializer(department).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartmentUpdateSerializer, responses=ManagedDepartmentSerializer)
    def partial_update(self, request, pk=None):
        department = get_object_or_404(self.get_queryset(), pk=pk)
        body = DepartmentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        department = services.update_department(department, actor=request.user, **body.validated_data)
        return Response(ManagedDepartmentSerializer(department).data)

    @extend_schema(request=VoidSerializer, responses=ManagedDepartmentSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        department = get_object_or_404(self.get_queryset(), pk=pk)
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        department = services.void_department(department, actor=request.user, reason=body.validated_data["reason"])
        return Response(ManagedDepartmentSerializer(department).data)


class CommitteeSerializer(serializers.ModelSerializer):
    lead_department = serializers.IntegerField(source="lead_department_id", read_only=True)
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SpecialCommittee
        fields = ["id", "name", "region_code", "lead_department", "members"]


class CommitteeWriteSerializer(serializers.Serializer):
    county = serializers.CharField(max_length=6, help_text="区县区划代码")
    name = serializers.CharField(max_length=100)
    lead_department = serializers.IntegerField(help_text="牵头单位(部门 id)")
    members = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                    help_text="成员单位(部门 id)")


class CommitteeView(CountyManagerMixin, APIView):
    """专委会: create a specialised committee with its lead unit and members."""

    @extend_schema(request=CommitteeWriteSerializer, responses={201: CommitteeSerializer})
    def post(self, request):
        body = CommitteeWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        county = _managed_county(request.user, data["county"])
        departments = {d.pk: d for d in Department.objects.filter(county=county, voided_at__isnull=True)}
        lead = departments.get(data["lead_department"])
        members = [departments[i] for i in data["members"] if i in departments]
        committee = services.save_committee(county=county, name=data["name"], lead_department=lead,
                                            members=members, actor=request.user)
        return Response(CommitteeSerializer(committee).data, status=status.HTTP_201_CREATED)


class OfficerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)
    grids = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    on_duty_allowed = serializers.BooleanField(read_only=True)
    retired = serializers.BooleanField(source="is_voided", read_only=True)

    class Meta:
        model = GridOfficer
        fields = ["id", "username", "name", "full_time", "trained_on", "on_duty_allowed", "retired", "grids",
                  "region_code"]


class AppointSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="网格员账号(角色为网格员)")
    grids = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1, help_text="网格编码")
    full_time = serializers.BooleanField(default=False, help_text="专职(须已通过岗前培训)")


class OfficerUpdateSerializer(serializers.Serializer):
    grids = serializers.ListField(child=serializers.CharField(max_length=32), required=False, help_text="网格编码")
    full_time = serializers.BooleanField(required=False)


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    deactivate_account = serializers.BooleanField(default=False, help_text="同时停用登录账号")


class TrainingSerializer(serializers.Serializer):
    course = serializers.CharField(max_length=100)
    pre_duty = serializers.BooleanField(default=True, help_text="岗前培训")
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    result = serializers.ChoiceField(choices=TrainingResult.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _grids(user, codes):
    grids = []
    for code in codes:
        grid = manageable_grids(user).filter(code=code, voided_at__isnull=True).first()
        if grid is None:
            raise ServiceError("grid.unknown", f"网格编码 {code} 不存在或不在您的辖区内。", field="grids")
        grids.append(grid)
    return grids


class ManagedOfficerViewSet(viewsets.GenericViewSet):
    """网格员(1+N): appoint, move between grids, full-/part-time, retire, training records."""

    serializer_class = OfficerSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may_manage_officers(request.user):
            raise PermissionDenied("您的角色无权管理网格员。")

    def get_queryset(self):
        return manageable_officers(self.request.user).select_related("user").prefetch_related("grids").order_by("pk")

    @extend_schema(responses=OfficerSerializer(many=True))
    def list(self, request):
        return Response(OfficerSerializer(self.get_queryset(), many=True).data)

    @extend_schema(request=AppointSerializer, responses={201: OfficerSerializer})
    def create(self, request):
        body = AppointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = manageable_users(request.user).filter(username=data["username"]).first()
        if user is None:
            raise ServiceError("user.unknown", "账号不存在或不在您的管理范围内。", field="username")
        officer = services.appoint_grid_officer(user=user, grids=_grids(request.user, data["grids"]),
                                                actor=request.user, full_time=data["full_time"])
        return Response(OfficerSerializer(officer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OfficerUpdateSerializer, responses=OfficerSerializer)
    def partial_update(self, request, pk=None):
        officer = get_object_or_404(self.get_queryset(), pk=pk)
        body = OfficerUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        grids = _grids(request.user, data["grids"]) if "grids" in data else None
        officer = services.update_officer(officer, actor=request.user, grids=grids, full_time=data.get("full_time"))
        return Response(OfficerSerializer(officer).data)

    @extend_schema(request=RetireSerializer, responses=OfficerSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        officer = get_object_or_404(self.get_queryset(), pk=pk)
        body = RetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        officer = services.retire_officer(officer, actor=request.user, **body.validated_data)
        return Response(OfficerSerializer(officer).data)

    @extend_schema(request=TrainingSerializer, responses={201: OfficerSerializer})
    @action(detail=True, methods=["post"])
    def trainings(self, request, pk=None):
        officer = get_object_or_404(self.get_queryset(), pk=pk)
        body = TrainingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.record_training(officer, actor=request.user, **body.validated_data)
        officer.refresh_from_db()
        return Response(OfficerSerializer(officer).data, status=status.HTTP_201_CREATED)


class AccountableSerializer(serializers.Serializer):
    responsible_person = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                               help_text="安全监管责任人")
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    responsible_username = serializers.CharField(required=False, allow_blank=True, default="",
                                                 help_text="责任人账号(如有)")
    liaison_person = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                           help_text="联系负责人")
    liaison_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    liaison_username = serializers.CharField(required=False, allow_blank=True, default="",
                                             help_text="联系负责人账号(如有)")


class GridAccountableView(APIView):
    """网格的安全监管责任人和联系负责人."""

    @extend_schema(request=AccountableSerializer, responses=AccountableSerializer)
    def put(self, request, pk):
        if not may_manage_officers(request.user):
            raise PermissionDenied("您的角色无权管理网格。")
        grid = get_object_or_404(manageable_grids(request.user), pk=pk)
        body = AccountableSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        for key in ("responsible", "liaison"):
            username = data.pop(f"{key}_username")
            account = None
            if username:
                account = User.objects.filter(username=username, is_active=True).first()
                if account is None:
                    raise ServiceError("user.unknown", f"账号 {username} 不存在。", field=f"{key}_username")
            data[f"{key}_user"] = account
        services.set_grid_accountable(grid, actor=request.user, **data)
        return Response(body.validated_data)
