from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safegrid.core.api import RestrictedViewMixin
from safegrid.core.errors import ServiceError
from safegrid.core.services import void
from safegrid.regions.models import Department, Grid, Region

from . import services
from .filters import EnterpriseFilter
from .models import Enterprise, IndustryCode, ResponsibilityRule, SafetyCategory


def operating_regions(user):
    """Regions where the user may place an enterprise (their jurisdiction)."""
    return Region.objects.restrict(user, "view")


class EnterpriseSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name", read_only=True)
    industry = serializers.CharField(source="industry.code", allow_null=True, required=False, default=None)
    operating_region = serializers.CharField(source="operating_region.code", required=False)
    operating_region_name = serializers.CharField(source="operating_region.name", read_only=True)
    registered_region = serializers.CharField(source="registered_region.code", required=False)
    grid_code = serializers.CharField(source="grid.code", read_only=True, default=None)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None)
    operating_elsewhere = serializers.BooleanField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    scale_display = serializers.CharField(source="get_scale_display", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id", "credit_code", "no_credit_code_reason", "name", "legal_representative",
            "legal_representative_mobile", "principal_person", "principal_mobile", "safety_manager",
            "safety_manager_mobile", "industry", "category", "category_name", "scale", "scale_display",
            "status", "status_display", "status_since", "headcount", "registered_region",
            "registered_region_code", "operating_region", "operating_region_name", "region_code",
            "address", "lon", "lat", "grid_code", "grid_name", "grid_override_reason",
            "operating_elsewhere", "version",
        ]
        read_only_fields = ["id", "region_code", "registered_region_code", "grid_override_reason", "version"]


class EnterpriseDetailSerializer(EnterpriseSerializer):
    responsible = serializers.SerializerMethodField()

    class Meta(EnterpriseSerializer.Meta):
        fields = EnterpriseSerializer.Meta.fields + ["responsible"]

    def get_responsible(self, enterprise) -> dict:
        found = services.responsible_departments(enterprise)
        return {
            "lead": found["lead"].name if found["lead"] else None,
            "cooperating": [d.name for d in found["cooperating"]],
            "territorial_fallback": found["territorial_fallback"],
            "town": found["town"].name,
        }


def _raw(data):
    """Request data in the shape `services.clean_enterprise` reads (codes, not nested objects)."""
    return {key: value for key, value in data.items() if key not in ("id", "version")}


class EnterpriseViewSet(RestrictedViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """生产经营单位. Writes use raw values; errors list every field problem."""

    # Polygons of the related grid and regions are large JSON documents the list never shows.
    queryset = Enterprise.objects.select_related(
        "category", "industry", "operating_region", "registered_region", "grid"
    ).defer("grid__polygon", "operating_region__polygon", "registered_region__polygon").filter(
        voided_at__isnull=True)
    filterset_class = EnterpriseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    extra_scope_actions = {"status": "change", "grid_override": "change", "void": "change",
                           "points": "view"}

    def get_serializer_class(self):
        return EnterpriseDetailSerializer if self.action == "retrieve" else EnterpriseSerializer

    @extend_schema(request=EnterpriseSerializer, responses={201: EnterpriseDetailSerializer})
    def create(self, request, *args, **kwargs):
        enterprise = services.create_enterprise(_raw(request.data), actor=request.user,
                                                operating_regions=operating_regions(request.user))
        return Response(EnterpriseDetailSerializer(enterprise).data, status=201)

    @extend_schema(request=EnterpriseSerializer, responses={200: EnterpriseDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        enterprise = services.update_enterprise(
            enterprise, _raw(request.data), actor=request.user,
            operating_regions=operating_regions(request.user), version=_version(request),
        )
        return Response(EnterpriseDetailSerializer(enterprise).data)

    @extend_schema(request=dict, responses={200: EnterpriseDetailSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        enterprise = services.set_status(
            self.get_object(), status=request.data.get("status"), since=request.data.get("status_since"),
            actor=request.user, version=_version(request), reason=request.data.get("reason", ""),
        )
        return Response(EnterpriseDetailSerializer(enterprise).data)

    @extend_schema(request=dict, responses={200: EnterpriseDetailSerializer})
    @action(detail=True, methods=["post", "delete"], url_path="grid-override")
    def grid_override(self, request, pk=None):
        enterprise = self.get_object()
        if request.method == "DELETE":
            enterprise = services.clear_grid_override(enterprise, actor=request.user)
        else:
            grid = Grid.objects.restrict(request.user, "view").filter(
                code=request.data.get("grid"), region_code=enterprise.region_code, voided_at__isnull=True).first()
            if grid is None:
                raise ServiceError("grid.unknown", "网格不存在或不在您的辖区内。", field="grid")
            enterprise = services.override_grid(enterprise, grid=grid, reason=request.data.get("reason"),
                                                actor=request.user)
        return Response(EnterpriseDetailSerializer(enterprise).data)

    @extend_schema(request=dict, responses={200: EnterpriseDetailSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        enterprise = void(self.get_object(), request.data.get("reason"), request.user)
        return Response(EnterpriseDetailSerializer(enterprise).data)

    @extend_schema(responses={200: dict}, description="Compact points for the map: [id, lon, lat, category, name].")
    @action(detail=False)
    def points(self, request):
        rows = (self.filter_queryset(self.get_queryset()).filter(lon__isnull=False)
                .values_list("id", "lon", "lat", "category__code", "name"))
        return Response({"fields": ["id", "lon", "lat", "category", "name"], "points": list(rows)})


def _version(request):
    """The version the client read; required, or a write would silently overwrite a newer one."""
    raw = request.data.get("version")
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ServiceError("version.required", "缺少版本号 version(用于防止覆盖他人的修改)。", field="version") from exc


class SafetyCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyCategory
        fields = ["code", "name", "group", "usually_unclaimed", "source"]


class SafetyCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """安全监管行业类别 (reference data)."""

    queryset = SafetyCategory.objects.all()
    serializer_class = SafetyCategorySerializer
    lookup_field = "code"
    pagination_class = None


class IndustryCodeSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None)

    class Meta:
        model = IndustryCode
        fields = ["code", "name", "level", "parent"]


class IndustryCodeViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017 国民经济行业分类 (reference data)."""

    queryset = IndustryCode.objects.select_related("parent")
    serializer_class = IndustryCodeSerializer
    lookup_field = "code"
    pagination_class = None


class ResponsibilityRuleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name", read_only=True)
    lead_department = serializers.CharField(source="lead_department.name", allow_null=True, default=None)
    cooperating_departments = serializers.SlugRelatedField(slug_field="name", many=True,
                                                           queryset=Department.objects.all())

    class Meta:
        model = ResponsibilityRule
        fields = ["id", "region_code", "category", "category_name", "lead_department",
                  "cooperating_departments", "note"]
        read_only_fields = ["id"]


class ResponsibilityRuleViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """三管三必须: category → lead and cooperating departments per county. POST sets one."""

    queryset = ResponsibilityRule.objects.select_related("category", "lead_department").prefetch_related(
        "cooperating_departments")
    serializer_class = ResponsibilityRuleSerializer
    extra_scope_actions = {"set_rule": "change"}
    pagination_class = None

    @extend_schema(request=dict, responses={200: ResponsibilityRuleSerializer})
    @action(detail=False, methods=["post"], url_path="set")
    def set_rule(self, request):
        user = request.user
        county = Region.objects.restrict(user, "view").filter(code=request.data.get("region_code"),
                                                               level=3).first()
        if county is None:
            raise ServiceError("region.unknown", "区县代码不存在或不在您的辖区内。", field="region_code")
        category = SafetyCategory.objects.filter(code=request.data.get("category")).first()
        if category is None:
            raise ServiceError("category.unknown", "安全监管类别不存在。", field="category")
        departments = {d.name: d for d in Department.objects.filter(region_code=county.region_code,
                                                                   voided_at__isnull=True)}
        lead_name = request.data.get("lead_department") or None
        names = request.data.get("cooperating_departments") or []
        unknown = [n for n in ([lead_name] if lead_name else []) + list(names) if n not in departments]
        if unknown:
            raise ServiceError("department.unknown", f"本区县没有部门：{'、'.join(unknown)}。",
                               field="lead_department")
        rule = services.set_responsibility_rule(
            county=county, category=category, lead_department=departments.get(lead_name),
            cooperating=[departments[n] for n in names], actor=user, note=request.data.get("note", ""))
        return Response(ResponsibilityRuleSerializer(rule).data)
