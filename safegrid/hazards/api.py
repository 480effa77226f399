"""API under /api/v1/: hazards (list, detail with timeline, report, one POST per transition,
photo upload), hazard types, major-hazard criteria, daily report, supervised listing,
credit records and the dishonesty list."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.api import FieldTemplateMixin, RestrictedViewMixin
from safegrid.core.errors import ServiceError
from safegrid.core.roles import STAFF_ROLES, role_may

from . import queries, services
from .filters import HazardFilter
from .models import Hazard, HazardEvent, HazardPhoto, HazardType, MajorHazardCriterion


class HazardTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = HazardType
        fields = ["code", "name", "active"]


class CriterionSerializer(FieldTemplateMixin, serializers.ModelSerializer):
    class Meta:
        model = MajorHazardCriterion
        fields = ["id", "sector", "sector_name", "standard", "document", "edition", "article", "item", "subject",
                  "text", "checked", "active"]


class PhotoSerializer(FieldTemplateMixin, serializers.ModelSerializer):
    url = serializers.FileField(source="file", read_only=True)
    thumbnail_url = serializers.FileField(source="thumbnail", read_only=True)

    class Meta:
        model = HazardPhoto
        fields = ["id", "kind", "url", "thumbnail_url", "original_name", "content_type", "size", "width",
                  "height", "taken_at", "gps_lon", "gps_lat", "uploaded_at"]


class EventSerializer(FieldTemplateMixin, serializers.ModelSerializer):
    class Meta:
        model = HazardEvent
        fields = ["id", "action", "from_state", "to_state", "actor_name", "reason", "data", "at"]


class HazardSerializer(FieldTemplateMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", default=None, read_only=True)
    hazard_type = serializers.CharField(source="hazard_type.code")
    hazard_type_name = serializers.CharField(source="hazard_type.name", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    grid_code = serializers.CharField(source="grid.code", default=None, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    is_due_soon = serializers.BooleanField(read_only=True, default=False)
    assigned_department_name = serializers.CharField(source="assigned_department.name", default=None,
                                                     read_only=True)

    class Meta:
        model = Hazard
        fields = ["id", "region_code", "enterprise", "enterprise_name", "town", "town_name", "grid_code",
                  "location", "lon", "lat", "source", "hazard_type", "hazard_type_name", "description", "grade",
                  "grade_display", "criterion", "handling", "state", "state_display", "version",
                  "assigned_department", "assigned_department_name", "territorial_fallback", "deadline",
                  "deadline_basis", "deadline_note", "is_overdue", "is_due_soon", "reported_at", "closed_at",
                  "recurrence_of", "merged_into"]
        read_only_fields = fields


class HazardDetailSerializer(HazardSerializer):
    lead_department_name = serializers.CharField(source="lead_department.name", default=None, read_only=True)
    cooperating_departments = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    closeout_steps = serializers.SerializerMethodField()
    criterion_detail = CriterionSerializer(source="criterion", read_only=True)

    class Meta(HazardSerializer.Meta):
        fields = HazardSerializer.Meta.fields + [
            "lead_department_name", "cooperating_departments", "responsible_person", "measures", "funds",
            "contingency_plan", "original_deadline", "extension_reason", "rectification_description",
            "criterion_detail", "events", "photos", "closeout_steps"]
        read_only_fields = fields

    def get_closeout_steps(self, hazard) -> list:
        return [{"step": s.step, "label": s.get_step_display(), "note": s.note, "at": s.at}
                for s in hazard.closeout_steps.all()]


def _version(request):
    try:
        return int(request.data.get("version"))
    except (TypeError, ValueError) as exc:
        raise ServiceError("version.required", "缺少版本号 version(用于防止覆盖他人的修改)。", field="version") from exc


def _files(request, name):
    return request.FILES.getlist(name) if hasattr(request, "FILES") else []


class HazardViewSet(RestrictedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """隐患. Transitions: POST /api/v1/hazards/<id>/<transition>/ with `version`."""

    # Outlines of the town and grid are large JSON documents no hazard answer shows.
    queryset = Hazard.objects.select_related(
        "enterprise", "hazard_type", "town", "grid", "assigned_department"
    ).defer("town__polygon", "grid__polygon")
    filterset_class = HazardFilter
    extra_scope_actions = {name: "change" for name in (
        "confirm", "reject", "merge", "assign", "plan", "submit", "accept", "send_back", "extend", "void",
        "closeout_step", "photos")}

    def get_queryset(self):
        return queries.annotate_deadlines(super().get_queryset())

    def get_serializer_class(self):
        return HazardDetailSerializer if self.action == "retrieve" else HazardSerializer

    def _done(self, hazard):
        hazard = self.get_queryset().get(pk=hazard.pk)
        return Response(HazardDetailSerializer(hazard, context={"request": self.request}).data)

    @extend_schema(request=dict, responses={201: HazardDetailSerializer})
    def create(self, request, *args, **kwargs):
        hazard = services.report_hazard(request.data, actor=request.user,
                                        before_photos=_files(request, "before_photos"),
                                        after_photos=_files(request, "after_photos"))
        if hazard.deadline is not None:  # the flags need the list's deadline annotations
            return Response(self._done(hazard).data, status=201)
        # A new report has no deadline, so it is neither overdue nor due soon: the instance just
        # written answers, with the relations report_hazard loaded from what it wrote (no re-read).
        hazard.is_overdue = hazard.is_due_soon = False
        return Response(HazardDetailSerializer(hazard, context={"request": request}).data, status=201)

    def _run(self, func, **kwargs):
        hazard = self.get_object()
        return self._done(func(hazard, actor=self.request.user, version=_version(self.request), **kwargs))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._run(services.confirm, grade=request.data.get("grade"), criterion=request.data.get("criterion"),
                         reason=request.data.get("reason", ""))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(services.reject, reason=request.data.get("reason"))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = Hazard.objects.restrict(request.user, "view").filter(pk=request.data.get("target") or 0).first()
        return self._run(services.merge, target=target, reason=request.data.get("reason", ""))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        hazard = self.get_object()
        department = None
        if request.data.get("department") not in (None, ""):
            department = services.county_department(hazard.region_code, request.data["department"])
            if department is None:
                raise ServiceError("department.unknown", "本区县没有该部门。", field="department")
        return self._done(services.assign(hazard, actor=request.user, version=_version(request),
                                          department=department, reason=request.data.get("reason", "")))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        return self._run(services.plan, data=request.data)

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._run(services.submit, description=request.data.get("description"),
                         after_photos=_files(request, "after_photos"))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(services.accept, reason=request.data.get("reason", ""))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._run(services.send_back, reason=request.data.get("reason"))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._run(services.extend, data=request.data, reason=request.data.get("reason"))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        return self._run(services.void_hazard, reason=request.data.get("reason"))

    @extend_schema(request=dict, responses={200: HazardDetailSerializer})
    @action(detail=True, methods=["post"], url_path="closeout-step")
    def closeout_step(self, request, pk=None):
        hazard = self.get_object()
        services.record_closeout_step(hazard, actor=request.user, step=request.data.get("step"),
                                      note=request.data.get("note"))
        return self._done(hazard)

    @extend_schema(request=dict, responses={201: PhotoSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        stored = services.add_photos(self.get_object(), actor=request.user, kind=request.data.get("kind"),
                                     files=_files(request, "photos"))
        return Response(PhotoSerializer(stored, many=True, context={"request": request}).data, status=201)


class HazardTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """隐患类型 dictionary."""

    queryset = HazardType.objects.filter(active=True)
    serializer_class = HazardTypeSerializer
    lookup_field = "code"
    pagination_class = None


class CriterionViewSet(viewsets.ReadOnlyModelViewSet):
    """重大事故隐患判定标准 items; `?sector=` and `?edition=` narrow the list."""

    serializer_class = CriterionSerializer
    pagination_class = None

    def get_queryset(self):
        qs = MajorHazardCriterion.objects.filter(active=True)
        for field in ("sector", "edition"):
            if self.request.query_params.get(field):
                qs = qs.filter(**{field: self.request.query_params[field]})
        return qs


class _StaffOnly(APIView):
    def check_permissions(self, request):
        super().check_permissions(request)
        role = services.role_of(request.user)
        if role not in STAFF_ROLES or not role_may(role, "view", Hazard):
            self.permission_denied(request, message="您的角色无权查看该统计。")


class DailyReportView(_StaffOnly):
    """日报送: per town, new today / open / due soon / overdue / closed today."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        report = queries.daily_report(request.user)
        return Response({**report, "columns": dict(queries.REPORT_COLUMNS)})


class SupervisedView(_StaffOnly):
    """挂牌督办: overdue major hazards with their supervising unit (the next level up)."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        rows = []
        units = {}
        for hazard in queries.supervised(request.user).select_related("enterprise", "hazard_type", "town"):
            unit = units.setdefault(hazard.region_code, queries.supervising_unit(hazard))
            rows.append({**HazardSerializer(hazard).data, "supervising_unit": unit.name if unit else None,
                         "supervising_unit_code": unit.code if unit else None})
        return Response({"count": len(rows), "results": rows})


def _credit_row(enterprise):
    return {"enterprise": enterprise.pk, "name": enterprise.name, "credit_code": enterprise.credit_code,
            "region_code": enterprise.region_code, "hazards_total": enterprise.hazards_total,
            "hazards_major": enterprise.hazards_major, "recurrences": enterprise.recurrences,
            "open_items": enterprise.open_items, "overdue_items": enterprise.overdue_items}


class CreditRecordView(_StaffOnly):
    """隐患整改信用档案 per enterprise; `?dishonest=1` gives the 失信名单."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        dishonest = request.query_params.get("dishonest") in ("1", "true")
        qs = (queries.dishonesty_list if dishonest else queries.credit_records)(request.user)
        return Response({"count": qs.count(), "results": [_credit_row(e) for e in qs[:1000]]})


class DishonestyListView(CreditRecordView):
    """失信名单: enterprises over the recurrence or overdue thresholds."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        qs = queries.dishonesty_list(request.user)
        return Response({"count": qs.count(), "results": [_credit_row(e) for e in qs[:1000]]})
