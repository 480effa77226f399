"""Risk API: grades (the risk list), the hierarchy, assessments, the GB 18218 calculator,
major hazard sources, and the scales and rules as data (administrators add editions)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.api import RestrictedViewMixin
from safegrid.core.errors import ServiceError
from safegrid.registry.models import Enterprise

from . import gb18218, queries, services
from .filters import RiskListFilter
from .models import AssessmentScale, GradeRuleSet, MajorHazardSource, RiskAssessment, RiskEvent


class RiskEnterpriseSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    color = serializers.CharField(source="grade.color", default=None)
    score = serializers.DecimalField(source="grade.score", max_digits=6, decimal_places=1, default=None)
    major_hazard_level = serializers.IntegerField(source="grade.major_hazard_level", default=None)
    reasons = serializers.JSONField(source="grade.reasons", default=list)
    graded_at = serializers.DateTimeField(source="grade.graded_at", default=None)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "category", "region_code", "lon", "lat", "color", "score",
                  "major_hazard_level", "reasons", "graded_at"]


class RiskListViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """风险清单: enterprises with their safety code, filtered like the page and the export."""

    queryset = Enterprise.objects.filter(voided_at__isnull=True)
    serializer_class = RiskEnterpriseSerializer
    filterset_class = RiskListFilter
    extra_scope_actions = {"inspections": "view"}

    def get_queryset(self):
        return queries.risk_enterprises(self.request.user, self.scope_action())

    @extend_schema(responses={200: dict}, description="Required inspections a year from the colour and category.")
    @action(detail=True)
    def inspections(self, request, pk=None):
        per_year, kind, reason = services.required_inspections(self.get_object())
        return Response({"per_year": per_year, "kind": kind, "reason": reason})


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskAssessment
        fields = ["id", "method", "inputs", "scale_data", "score", "color", "assessor", "assessed_on", "created_at"]


class RiskEventSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = RiskEvent
        fields = ["id", "enterprise", "unit", "unit_name", "name", "method", "score", "color", "assessed_on",
                  "version", "assessments"]


class RiskEventViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """风险事件 with their assessment history; POST assess/ to (re)assess by LEC or LS."""

    queryset = RiskEvent.objects.filter(voided_at__isnull=True).select_related("unit").prefetch_related("assessments")
    serializer_class = RiskEventSerializer
    extra_scope_actions = {"assess": "change"}

    @extend_schema(request=dict, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        event = self.get_object()
        entry = services.assess(event, request.data, actor=request.user,
                                version=_int(request.data.get("version", event.version)))
        return Response(AssessmentSerializer(entry).data, status=201)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServiceError("version.required", "缺少版本号 version。", field="version") from None


class Gb18218View(APIView):
    """POST a unit {unit_type, people_500m, substances: [{name|cas|categories, quantity}]}: the result, step by step."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request):
        return Response(gb18218.compute(request.data))


class MajorHazardSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = MajorHazardSource
        fields = ["id", "enterprise", "name", "unit_type", "people_500m", "substances", "standard", "ratio_sum",
                  "r_value", "is_major", "level", "version"]
        read_only_fields = fields


class MajorHazardSourceViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """重大危险源: POST registers a unit of the user's enterprise (computed, snapshot kept)."""

    queryset = MajorHazardSource.objects.filter(voided_at__isnull=True)
    serializer_class = MajorHazardSourceSerializer

    def create(self, request, *args, **kwargs):
        enterprise = Enterprise.objects.filter(pk=request.user.enterprise_id).first()
        if enterprise is None:
            raise ServiceError("enterprise.required", "只有关联了生产经营单位的企业用户可以登记重大危险源。",
                               field="enterprise")
        source = services.register_source(enterprise, request.data, actor=request.user)
        return Response(MajorHazardSourceSerializer(source).data, status=201)


class ScaleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentScale
        fields = ["id", "province", "method", "edition", "scales", "bands", "source", "active", "created_at"]
        read_only_fields = ["id", "edition", "active", "created_at"]


class ScaleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """LEC/LS scales and colour bands per province; POST (administrators) adds a new edition."""

    queryset = AssessmentScale.objects.all()
    serializer_class = ScaleSerializer

    def create(self, request, *args, **kwargs):
        d = request.data
        scale = services.set_scale(province=str(d.get("province", "*")), method=d.get("method"),
                                   scales=d.get("scales") or {}, bands=d.get("bands") or [], source=d.get("source"),
                                   actor=request.user)
        return Response(ScaleSerializer(scale).data, status=201)


class RuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeRuleSet
        fields = ["id", "region", "edition", "rules", "source", "active", "created_at"]
        read_only_fields = ["id", "edition", "active", "created_at"]


class RuleSetViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Safety-code rule sets ('*', province or county); POST (administrators) adds a new edition."""

    queryset = GradeRuleSet.objects.all()
    serializer_class = RuleSetSerializer

    def create(self, request, *args, **kwargs):
        d = request.data
        rule_set = services.set_rule_set(region=str(d.get("region", "*")), rules=d.get("rules") or {},
                                         source=d.get("source"), actor=request.user)
        return Response(RuleSetSerializer(rule_set).data, status=201)
