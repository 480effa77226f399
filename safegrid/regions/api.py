from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safegrid.core.api import RestrictedViewMixin
from safegrid.core.errors import ServiceError

from . import services
from .filters import DepartmentFilter, GridFilter, RegionFilter
from .models import Department, Grid, GridOfficer, Region, RegionLevel, with_officer_counts
from .tree import scope_tree


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", allow_null=True, required=False,
                                        help_text="上级区划代码")
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_display", "parent_code", "path", "region_code"]
        read_only_fields = ["id", "path", "region_code"]


class GridSerializer(serializers.ModelSerializer):
    region_code_full = serializers.CharField(source="region.code", help_text="所属村(社区)区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True)
    officer_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "region_code_full", "region_name", "path", "region_code",
                  "polygon", "responsible_person", "responsible_phone", "officer_count"]
        read_only_fields = ["id", "path", "region_code"]


class DepartmentSerializer(serializers.ModelSerializer):
    county_code = serializers.CharField(source="county.code")

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "county_code", "region_code"]
        read_only_fields = ["id", "region_code"]


class GridOfficerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)
    grids = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = GridOfficer
        fields = ["id", "name", "full_time", "trained_on", "grids", "region_code"]


def _region_in_scope(user, code, field, levels=None):
    """The region with `code` that the user may change; unknown and out of scope read alike."""
    qs = Region.objects.restrict(user, "change").filter(voided_at__isnull=True)
    if levels:
        qs = qs.filter(level__in=levels)
    region = qs.filter(code=(code or "").strip()).first()
    if region is None:
        raise ServiceError("region.unknown", f"区划代码 {code} 不存在或不在您的辖区内。", field=field)
    return region


class RegionViewSet(RestrictedViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):
    """行政区划. Create with a parent code; the level and code are checked against the parent."""

    queryset = Region.objects.select_related("parent").filter(voided_at__isnull=True)
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent_code = (data.get("parent") or {}).get("code")
        parent = _region_in_scope(request.user, parent_code, "parent_code") if parent_code else None
        if parent is None and not request.user.is_superuser and request.user.role != "admin":
            raise ServiceError("region.parent_required", "只有系统管理员可以创建顶级区划。", field="parent_code")
        region = services.create_region(code=data["code"], name=data["name"], level=data["level"],
                                        parent=parent, actor=request.user)
        return Response(RegionSerializer(region).data, status=201)

    def partial_update(self, request, *args, **kwargs):
        region = self.get_object()
        region = services.rename_region(region, name=request.data.get("name"), actor=request.user)
        return Response(RegionSerializer(region).data)

    @extend_schema(responses={200: dict}, description="The user's jurisdiction as a nested tree.")
    @action(detail=False)
    def tree(self, request):
        return Response(scope_tree(request.user))


class GridViewSet(RestrictedViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.ReadOnlyModelViewSet):
    """网格. Polygons are GeoJSON (WGS-84 / CGCS2000, longitude first)."""

    queryset = with_officer_counts(Grid.objects.select_related("region").filter(voided_at__isnull=True)).order_by("path")
    serializer_class = GridSerializer
    filterset_class = GridFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        region = _region_in_scope(request.user, data["region"]["code"], "region_code_full",
                                  levels=[RegionLevel.TOWN, RegionLevel.VILLAGE])
        grid = services.create_grid(
            code=data["code"], name=data["name"], region=region, polygon=data["polygon"],
            responsible_person=data.get("responsible_person", ""),
            responsible_phone=data.get("responsible_phone", ""), actor=request.user,
        )
        return Response(GridSerializer(grid).data, status=201)

    def partial_update(self, request, *args, **kwargs):
        grid = self.get_object()
        allowed = {"name", "polygon", "responsible_person", "responsible_phone"}
        changes = {k: v for k, v in request.data.items() if k in allowed}
        grid = services.update_grid(grid, actor=request.user, **changes)
        return Response(GridSerializer(grid).data)

    @extend_schema(
        parameters=[OpenApiParameter("within", str, description="区划代码(含下级)")],
        responses={200: dict},
        description="Grids as a GeoJSON FeatureCollection for the map.",
    )
    @action(detail=False)
    def geojson(self, request):
        grids = self.filter_queryset(self.get_queryset())
        return Response({"type": "FeatureCollection", "features": [g.feature() for g in grids]})


class DepartmentViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """行业主管部门."""

    queryset = Department.objects.select_related("county").filter(voided_at__isnull=True)
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter


class GridOfficerViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """网格员."""

    queryset = (GridOfficer.objects.select_related("user").prefetch_related("grids")
                .filter(voided_at__isnull=True))
    serializer_class = GridOfficerSerializer
