"""系统管理 API: leader posts and the county's leaders' quotas (same services as the pages)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.accounts.models import User
from safegrid.core.errors import ServiceError
from safegrid.regions.api_manage import CountyManagerMixin, _managed_county
from safegrid.regions.models import Department, Region
from safegrid.regions.permissions import counties_of, role_of
from safegrid.registry.models import Enterprise

from . import services
from .models import LeaderPost, Period, PostKind, Quota


class LeaderPostSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    region = serializers.CharField(source="region.code", allow_null=True, read_only=True)
    department = serializers.IntegerField(source="department_id", allow_null=True, read_only=True)
    liaison_enterprise = serializers.IntegerField(source="liaison_enterprise_id", allow_null=True, read_only=True)
    duties = serializers.ListField(source="duty_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = LeaderPost
        fields = ["id", "username", "kind", "title", "region", "department", "duties", "liaison_enterprise",
                  "active", "region_code"]


class LeaderPostWriteSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="领导的平台账号")
    kind = serializers.ChoiceField(choices=PostKind.choices)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                   help_text="所在区县或乡镇(街道)区划代码(县级、乡镇职务)")
    department = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="所在部门 id(部门职务)")
    duties = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list,
                                   help_text="安全生产责任清单")
    liaison_enterprise = serializers.CharField(max_length=18, required=False, allow_blank=True, default="",
                                               help_text="对口联系企业的统一社会信用代码")


class EndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class QuotaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quota
        fields = ["id", "region", "kind", "period", "minimum", "valid_from", "source"]


class QuotaWriteSerializer(serializers.Serializer):
    county = serializers.CharField(max_length=6)
    kind = serializers.ChoiceField(choices=PostKind.choices)
    period = serializers.ChoiceField(choices=Period.choices)
    minimum = serializers.IntegerField(min_value=1, max_value=365)
    valid_from = serializers.DateField(help_text="执行日期；此前各期仍按原定额")
    source = serializers.CharField(max_length=200)


def _resolve(request, data):
    user = User.objects.filter(username=data["username"], is_active=True).first()
    if user is None:
        raise ServiceError("user.unknown", "账号不存在或已停用。", field="username")
    region = Region.objects.filter(code=data["region"], voided_at__isnull=True).first() if data["region"] else None
    department = (Department.objects.filter(pk=data["department"], voided_at__isnull=True).first()
                  if data["department"] else None)
    liaison = None
    if data["liaison_enterprise"]:
        liaison = Enterprise.objects.filter(credit_code=data["liaison_enterprise"].upper(),
                                            voided_at__isnull=True).first()
        if liaison is None:
            raise ServiceError("enterprise.unknown", "对口联系企业不存在。", field="liaison_enterprise")
    return {"user": user, "kind": data["kind"], "title": data["title"], "region": region, "department": department,
            "duties": "\n".join(data["duties"]), "liaison_enterprise": liaison}


class LeaderPostViewSet(CountyManagerMixin, viewsets.GenericViewSet):
    """领导职务: who, which kind, where, duty list, liaison enterprise."""

    serializer_class = LeaderPostSerializer
    queryset = LeaderPost.objects.none()  # for the schema; get_queryset scopes

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LeaderPost.objects.none()
        qs = LeaderPost.objects.select_related("user", "region").order_by("pk")
        if role_of(self.request.user) == "admin":
            return qs
        return qs.filter(region_code__in=counties_of(self.request.user))

    @extend_schema(responses=LeaderPostSerializer(many=True))
    def list(self, request):
        return Response(LeaderPostSerializer(self.get_queryset(), many=True).data)

    @extend_schema(request=LeaderPostWriteSerializer, responses={201: LeaderPostSerializer})
    def create(self, request):
        body = LeaderPostWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.save_leader_post(actor=request.user, **_resolve(request, body.validated_data))
        return Response(LeaderPostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaderPostWriteSerializer, responses=LeaderPostSerializer)
    def update(self, request, pk=None):
        post = get_object_or_404(self.get_queryset(), pk=pk)
        body = LeaderPostWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.save_leader_post(actor=request.user, post=post, **_resolve(request, body.validated_data))
        return Response(LeaderPostSerializer(post).data)

    @extend_schema(request=EndSerializer, responses=LeaderPostSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        post = get_object_or_404(self.get_queryset(), pk=pk)
        body = EndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.end_leader_post(post, actor=request.user, reason=body.validated_data["reason"])
        return Response(LeaderPostSerializer(post).data)


class QuotaView(CountyManagerMixin, APIView):
    """带队检查定额: a county's own quota from a date on (a new row; earlier periods keep theirs)."""

    @extend_schema(request=QuotaWriteSerializer, responses={201: QuotaSerializer})
    def post(self, request):
        body = QuotaWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        quota = services.set_quota(actor=request.user, county=_managed_county(request.user, data.pop("county")), **data)
        return Response(QuotaSerializer(quota).data, status=status.HTTP_201_CREATED)
