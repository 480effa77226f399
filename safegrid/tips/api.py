"""Staff API under /api/v1/: tips (list with TipFilter, detail with the timeline, one POST per
handling step, identity reveal for granted users) and the closure rate. The identity appears only
in the reveal's own response."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.api import RestrictedViewMixin
from safegrid.core.errors import ServiceError
from safegrid.core.roles import role_may
from safegrid.regions.models import Department, Region, RegionLevel

from . import queries, services
from .filters import TipFilter
from .models import Tip, TipEvent


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TipEvent
        fields = ["id", "action", "from_state", "to_state", "actor_name", "note", "public_text", "data", "at"]


class TipSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", default=None)
    category_name = serializers.CharField(source="category.name", default=None)
    grid_code = serializers.CharField(source="grid.code", default=None)
    town_code = serializers.CharField(source="town.code", default=None)
    town_name = serializers.CharField(source="town.name", default=None)
    department_name = serializers.CharField(source="department.name", default=None)
    state_display = serializers.CharField(source="get_state_display")
    merged_into = serializers.CharField(source="merged_into.public_id", default=None)
    is_overdue = serializers.BooleanField(default=False)

    class Meta:
        model = Tip
        fields = ["id", "public_id", "channel", "description", "address", "lon", "lat", "occurred_at",
                  "enterprise_name", "enterprise", "category", "category_name", "anonymous", "grid_code", "town_code",
                  "town_name", "department", "department_name", "territorial_fallback", "state", "state_display",
                  "version", "deadline", "is_overdue", "duplicate_candidates", "merged_into", "major", "fine",
                  "hazard", "no_hazard_reason", "outcome", "closed_at", "created_at", "updated_at"]
        read_only_fields = fields


class TipDetailSerializer(TipSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(TipSerializer.Meta):
        fields = TipSerializer.Meta.fields + ["events"]


class StepSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    public_reply = serializers.CharField(required=False, allow_blank=True)
    finding = serializers.CharField(required=False, allow_blank=True)
    founded = serializers.BooleanField(required=False, default=True)
    major = serializers.BooleanField(required=False, default=False)
    outcome = serializers.CharField(required=False, allow_blank=True)
    hazard_type = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    grade = serializers.CharField(required=False, default="general")
    criterion = serializers.IntegerField(required=False, allow_null=True)
    town = serializers.CharField(required=False, allow_blank=True, help_text="乡镇(街道)区划代码；空为区县直接受理")
    department = serializers.IntegerField(required=False, allow_null=True)
    target = serializers.CharField(required=False, allow_blank=True, help_text="合并目标的公开编号")


STEPS = ["accept", "reject", "verify", "hazard", "no-hazard", "close", "reply", "reassign", "merge"]


class TipViewSet(RestrictedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Tip.objects.select_related("category", "grid", "town", "department", "merged_into")
    filterset_class = TipFilter
    extra_scope_actions = {**{step.replace("-", "_"): "change" for step in STEPS}, "reveal": "view"}

    def get_queryset(self):
        return queries.annotate_overdue(super().get_queryset())

    def get_serializer_class(self):
        return TipDetailSerializer if self.action == "retrieve" else TipSerializer

    def _step(self, request, name):
        tip = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d, user = data.validated_data, request.user
        common = {"actor": user, "version": d["version"]}
        if name == "accept":
            services.accept(tip, note=d.get("note", ""), **common)
        elif name == "reject":
            services.reject(tip, reason=d.get("reason"), public_reply=d.get("public_reply"), **common)
        elif name == "verify":
            services.verify(tip, founded=d["founded"], finding=d.get("finding"), major=d["major"], **common)
        elif name == "hazard":
            services.create_hazard(tip, hazard_type=d.get("hazard_type"), description=d.get("description"),
                                   grade=d["grade"], criterion=d.get("criterion"), **common)
        elif name == "no-hazard":
            services.record_no_hazard(tip, reason=d.get("reason"), **common)
        elif name == "close":
            services.close(tip, outcome=d.get("outcome"), public_reply=d.get("public_reply"), **common)
        elif name == "reply":
            services.reply(tip, public_reply=d.get("public_reply"), **common)
        elif name == "reassign":
            town = Region.objects.filter(code=d.get("town") or "", level=RegionLevel.TOWN).first()
            if d.get("town") and town is None:
                raise ServiceError("town.unknown", "乡镇(街道)代码无效。", field="town")
            department = Department.objects.filter(pk=d.get("department") or 0).first()
            services.reassign(tip, town=town, department=department, reason=d.get("reason"), **common)
        elif name == "merge":
            target = Tip.objects.restrict(user, "view").filter(public_id=d.get("target") or "").first()
            services.merge(tip, target=target, reason=d.get("reason", ""), **common)
        tip = self.get_queryset().get(pk=tip.pk) if self.get_queryset().filter(pk=tip.pk).exists() else tip
        return Response(TipDetailSerializer(tip).data)

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._step(request, "accept")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, "reject")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._step(request, "verify")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def hazard(self, request, pk=None):
        return self._step(request, "hazard")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"], url_path="no-hazard")
    def no_hazard(self, request, pk=None):
        return self._step(request, "no-hazard")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, "close")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._step(request, "reply")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._step(request, "reassign")

    @extend_schema(request=StepSerializer, responses=TipDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        return self._step(request, "merge")

    @extend_schema(request=StepSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The reporter's identity for a user granted identity access; audited with the reason."""
        tip = self.get_object()
        identity = services.reveal_identity(tip, actor=request.user, reason=request.data.get("reason"))
        response = Response({"public_id": tip.public_id, "anonymous": tip.anonymous, "identity": identity})
        response["Cache-Control"] = "no-store"
        return response


class ClosureRateView(APIView):
    """办结率 per town (`by=town`) or department (`by=department`), over TipFilter's filters."""

    def get(self, request):
        if not role_may(request.user.effective_role, "view", Tip):
            self.permission_denied(request, message="您的角色无权查看举报。")
        by = request.query_params.get("by", "town")
        if by not in queries.GROUPS:
            raise ServiceError("by.unknown", "by 只能是 town 或 department。", field="by")
        qs = TipFilter(request.query_params, queryset=Tip.objects.restrict(request.user, "view")).qs
        return Response({"by": by, "results": queries.closure_rate(qs, by)})
