"""API under /api/v1/: inspections (list, detail, start, item results, sign, leader participation),
checklists, inspectors and conflicts, annual plans (generate, items, add/remove/move), random draws
(create, replay, publish), enforcement orders and penalties, leaders' quota fulfilment and an
enterprise's enforcement credit record. Every queryset goes through `restrict`."""

import datetime

from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.api import RestrictedViewMixin
from safegrid.core.errors import ServiceError
from safegrid.core.roles import STAFF_ROLES
from safegrid.hazards import clock
from safegrid.regions.models import Department
from safegrid.registry.models import Enterprise

from . import credit, directory, draw, leaders, plan, services
from .filters import InspectionFilter
from .models import (
    Checklist,
    ChecklistItem,
    EnforcementOrder,
    Finding,
    Inspection,
    InspectionMember,
    InspectionPlan,
    Inspector,
    InspectorConflict,
    LeaderPost,
    Penalty,
    PlanItem,
    RandomDraw,
)


def _version(request):
    try:
        return int(request.data.get("version"))
    except (TypeError, ValueError) as exc:
        raise ServiceError("version.required", "缺少版本号 version(用于防止覆盖他人的修改)。", field="version") from exc


def _date(value, field):
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"{field}.format", "日期格式应为 YYYY-MM-DD。", field=field) from exc


def _department(request, field="department"):
    value = request.data.get(field)
    if value in (None, ""):
        return None
    found = Department.objects.restrict(request.user, "view").filter(pk=value).first()
    if found is None:
        raise ServiceError(f"{field}.unknown", "部门不存在或不在您的辖区内。", field=field)
    return found


# --- serializers --------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    hazard_type = serializers.CharField(source="hazard_type.code", read_only=True)
    criterion_text = serializers.CharField(source="criterion", default=None, read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "no", "text", "basis", "hazard_type", "criterion", "criterion_text"]


class ChecklistSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["id", "code", "name", "basis", "edition", "general", "categories", "items"]


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="inspector.name", read_only=True)
    unit = serializers.CharField(source="inspector.unit", read_only=True)
    signed = serializers.SerializerMethodField()

    class Meta:
        model = InspectionMember
        fields = ["id", "inspector", "name", "unit", "lead", "signed", "signed_at"]

    def get_signed(self, member) -> bool:
        return bool(member.signature)


class FindingSerializer(serializers.ModelSerializer):
    item_no = serializers.IntegerField(source="item.no", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "item", "item_no", "result", "note", "hazard", "first_finding", "recorded_at"]


class InspectionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "region_code", "enterprise", "enterprise_name", "department", "department_name", "kind",
                  "kind_display", "checklist", "draw", "scheduled_on", "state", "state_display", "started_at",
                  "signed_at", "outcome", "version"]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    members = MemberSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = InspectionSerializer.Meta.fields + ["representative", "summary_note", "members", "findings"]
        read_only_fields = fields


class InspectorSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)

    class Meta:
        model = Inspector
        fields = ["id", "region_code", "name", "kind", "unit", "department", "department_name", "certificate_no",
                  "active"]
        read_only_fields = ["id", "department_name"]


class ConflictSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = InspectorConflict
        fields = ["id", "inspector", "enterprise", "enterprise_name", "kind", "note", "created_at"]


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionPlan
        fields = ["id", "region_code", "year", "name", "random_share", "max_per_year", "category_rules", "summary",
                  "version", "created_at"]
        read_only_fields = fields


class PlanItemSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = PlanItem
        fields = ["id", "enterprise", "enterprise_name", "department", "department_name", "town", "town_name",
                  "color", "kind", "required", "planned", "random_count", "quarter", "reason", "removed",
                  "removed_reason"]
        read_only_fields = fields


class DrawSerializer(serializers.ModelSerializer):
    class Meta:
        model = RandomDraw
        fields = ["id", "region_code", "department", "name", "seed", "ratios", "team_size", "scheduled_from",
                  "scheduled_to", "entity_version", "inspector_version", "summary", "published_at", "created_at"]
        read_only_fields = fields


class EnforcementFields(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        fields = ["id", "enterprise", "enterprise_name", "inspection", "finding", "department", "document_no",
                  "legal_basis", "content", "decided_on", "created_at"]


class OrderSerializer(EnforcementFields):
    class Meta(EnforcementFields.Meta):
        model = EnforcementOrder
        fields = EnforcementFields.Meta.fields + ["kind", "deadline"]
        read_only_fields = fields


class PenaltySerializer(EnforcementFields):
    class Meta(EnforcementFields.Meta):
        model = Penalty
        fields = EnforcementFields.Meta.fields + ["amount"]
        read_only_fields = fields


# --- inspections --------------------------------------------------------------------------------


class InspectionViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """监督检查. An enterprise user sees an inspection of their company only once it started."""

    queryset = Inspection.objects.filter(voided_at__isnull=True).select_related("enterprise", "department")
    filterset_class = InspectionFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    extra_scope_actions = {"start": "change", "result": "change", "sign": "change", "participate": "view"}

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    def _done(self, inspection):
        return Response(InspectionDetailSerializer(self.get_queryset().get(pk=inspection.pk)).data)

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._done(services.start(self.get_object(), actor=request.user, version=_version(request)))

    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        inspection = self.get_object()
        item = ChecklistItem.objects.filter(pk=request.data.get("item"), checklist=inspection.checklist_id).first()
        if item is None:
            raise ServiceError("item.unknown", "该检查项不属于本次检查的检查表。", field="item")
        finding = services.record_result(inspection, actor=request.user, item=item, result=request.data.get("result"),
                                         note=request.data.get("note", ""), files=request.FILES.getlist("photos"))
        return Response(FindingSerializer(finding).data, status=201)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        data = request.data
        inspection = services.sign(
            self.get_object(), actor=request.user, version=_version(request),
            member_signatures=data.get("signatures") or {}, representative=data.get("representative"),
            representative_signature=data.get("representative_signature"), summary_note=data.get("summary_note", ""))
        return self._done(inspection)

    @action(detail=True, methods=["post"])
    def participate(self, request, pk=None):
        services.record_participation(self.get_object(), actor=request.user)
        return self._done(self.get_object())


class ChecklistViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Checklist.objects.filter(active=True).prefetch_related("items__hazard_type", "items__criterion",
                                                                      "categories")
    serializer_class = ChecklistSerializer
    pagination_class = None


# --- directories --------------------------------------------------------------------------------


class InspectorViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """检查人员名录. POST creates; POST <id>/conflicts/ declares a conflict of interest."""

    queryset = Inspector.objects.filter(voided_at__isnull=True).select_related("department")
    serializer_class = InspectorSerializer
    extra_scope_actions = {"conflicts": "change"}

    def create(self, request, *args, **kwargs):
        data = {k: request.data.get(k) for k in ("name", "unit", "kind", "certificate_no", "region_code")}
        data["department"] = _department(request)
        data["active"] = str(request.data.get("active", "true")).lower() not in ("false", "0")
        return Response(InspectorSerializer(directory.save_inspector(data, actor=request.user)).data, status=201)

    @action(detail=True, methods=["get", "post"])
    def conflicts(self, request, pk=None):
        inspector = self.get_object()
        if request.method == "GET":
            rows = InspectorConflict.objects.filter(inspector=inspector, voided_at__isnull=True)
            return Response(ConflictSerializer(rows.select_related("enterprise"), many=True).data)
        enterprise = Enterprise.objects.filter(pk=request.data.get("enterprise"),
                                               region_code=inspector.region_code).first()
        conflict = directory.add_conflict(inspector, enterprise=enterprise, kind=request.data.get("kind"),
                                          note=request.data.get("note", ""), actor=request.user)
        return Response(ConflictSerializer(conflict).data, status=201)


# --- plans and draws ----------------------------------------------------------------------------


class PlanViewSet(RestrictedViewMixin, viewsets.ReadOnlyModelViewSet):
    """年度检查计划. POST generates; items/ lists (paged); items/<id>/{remove,move}/ and add-item/ edit."""

    queryset = InspectionPlan.objects.all()
    serializer_class = PlanSerializer
    extra_scope_actions = {"generate": "change", "add_item": "change", "remove_item": "change",
                           "move_item": "change", "items": "view"}

    @action(detail=False, methods=["post"])
    def generate(self, request):
        data = request.data
        created = plan.generate_plan(actor=request.user, region_code=str(data.get("region_code") or ""),
                                     year=int(data.get("year") or clock.today().year),
                                     random_share=data.get("random_share"), max_per_year=data.get("max_per_year"),
                                     category_rules=data.get("category_rules") or {}, name=data.get("name", ""))
        return Response(PlanSerializer(created).data, status=201)

    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        qs = plan.open_items(self.get_object())
        if request.query_params.get("department"):
            qs = qs.filter(department_id=request.query_params["department"])
        if request.query_params.get("town"):
            qs = qs.filter(town_id=request.query_params["town"])
        page = self.paginate_queryset(qs.order_by("town__name", "enterprise__name", "pk"))
        return self.get_paginated_response(PlanItemSerializer(page, many=True).data)

    def _item(self, pk, item_id):
        return get_object_or_404(PlanItem.objects.select_related("plan"), pk=item_id, plan=self.get_object())

    @action(detail=True, methods=["post"], url_path="add-item")
    def add_item(self, request, pk=None):
        current = self.get_object()
        enterprise = Enterprise.objects.restrict(request.user, "view").filter(pk=request.data.get("enterprise")).first()
        if enterprise is None:
            raise ServiceError("enterprise.unknown", "生产经营单位不存在或不在您的辖区内。", field="enterprise")
        item = plan.add_item(current, enterprise=enterprise, planned=request.data.get("planned"), actor=request.user,
                             version=_version(request), reason=request.data.get("reason"),
                             kind=request.data.get("kind") or "random", department=_department(request))
        return Response(PlanItemSerializer(item).data, status=201)

    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)/remove")
    def remove_item(self, request, pk=None, item_id=None):
        item = plan.remove_item(self._item(pk, item_id), actor=request.user, version=_version(request),
                                reason=request.data.get("reason"))
        return Response(PlanItemSerializer(item).data)

    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)/move")
    def move_item(self, request, pk=None, item_id=None):
        item = plan.move_item(self._item(pk, item_id), actor=request.user, version=_version(request),
                              reason=request.data.get("reason"), department=_department(request),
                              quarter=request.data.get("quarter"), planned=request.data.get("planned"))
        return Response(PlanItemSerializer(item).data)


class DrawViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """双随机抽取. POST draws (seed from `secrets` unless given for a replay check); replay/ and publish/."""

    queryset = RandomDraw.objects.all()
    serializer_class = DrawSerializer
    extra_scope_actions = {"replay": "view", "publish": "change"}

    def create(self, request, *args, **kwargs):
        data = request.data
        team_size = data.get("team_size") or 2
        try:
            team_size = int(team_size)
        except (TypeError, ValueError) as exc:
            raise ServiceError("team_size.min", "每家单位至少抽取 2 名检查人员。", field="team_size") from exc
        created = draw.create_draw(
            actor=request.user, region_code=str(data.get("region_code") or ""), name=data.get("name", ""),
            scheduled_from=_date(data.get("scheduled_from"), "scheduled_from"),
            scheduled_to=_date(data.get("scheduled_to"), "scheduled_to"), department=_department(request),
            ratios=data.get("ratios"), team_size=team_size, categories=data.get("categories") or [])
        return Response(DrawSerializer(created).data, status=201)

    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        return Response(draw.replay(self.get_object()))

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response(DrawSerializer(draw.publish(self.get_object(), actor=request.user)).data)


# --- enforcement, leaders, credit ---------------------------------------------------------------


class OrderViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = EnforcementOrder.objects.filter(voided_at__isnull=True).select_related("enterprise")
    serializer_class = OrderSerializer
    filterset_fields = ["enterprise", "inspection", "kind"]

    def create(self, request, *args, **kwargs):
        return Response(OrderSerializer(services.issue_order(request.data, actor=request.user)).data, status=201)


class PenaltyViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Penalty.objects.filter(voided_at__isnull=True).select_related("enterprise")
    serializer_class = PenaltySerializer
    filterset_fields = ["enterprise", "inspection"]

    def create(self, request, *args, **kwargs):
        return Response(PenaltySerializer(services.issue_penalty(request.data, actor=request.user)).data, status=201)


class LeaderFulfilmentView(APIView):
    """领导带队检查定额完成情况 for the period containing `date` (default today)."""

    def get(self, request):
        if request.user.effective_role not in STAFF_ROLES:
            self.permission_denied(request, message="您的角色无权查看。")
        day = _date(request.query_params["date"], "date") if request.query_params.get("date") else clock.today()
        posts = LeaderPost.objects.restrict(request.user, "view").filter(active=True)
        return Response({"date": str(day), "results": [
            {"user": r["post"].user_id, "name": r["post"].user.display_name, "kind": r["post"].kind,
             "kind_display": r["post"].get_kind_display(), "period": r["quota"].period, "minimum": r["quota"].minimum,
             "start": str(r["start"]), "end": str(r["end"]), "count": r["count"], "met": r["met"]}
            for r in leaders.fulfilment(posts, day)]})


class EnforcementCreditView(APIView):
    """An enterprise's orders and penalties for the credit record (信用档案)."""

    def get(self, request, enterprise_id):
        if request.user.effective_role not in STAFF_ROLES:
            self.permission_denied(request, message="您的角色无权查看信用档案。")
        enterprise = get_object_or_404(Enterprise.objects.restrict(request.user, "view"), pk=enterprise_id)
        return Response({"enterprise": enterprise.pk, "name": enterprise.name, **credit.enforcement_record(enterprise)})
