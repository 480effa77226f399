"""Working calendar API: the years entered, a year's arrangement (administrators), and the
deadlines counted without it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.roles import STAFF_ROLES

from . import services
from .models import EstimatedDeadline, Holiday


class FestivalSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="节日，如 春节")
    start = serializers.DateField(help_text="放假开始")
    end = serializers.DateField(help_text="放假结束")
    workdays = serializers.ListField(child=serializers.DateField(), required=False, default=list,
                                     help_text="调休上班日(周六或周日)")


class YearSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=200, help_text="依据：国务院办公厅通知的名称或文号")
    festivals = serializers.ListField(child=FestivalSerializer(), min_length=1)


class DaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name", "source"]


class RecomputeSerializer(serializers.Serializer):
    recomputed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    superseded = serializers.IntegerField()


class EstimateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EstimatedDeadline
        fields = ["id", "object_type", "object_id", "object_repr", "link", "start", "working_days", "estimated_date",
                  "unknown_years", "resolved_at", "resolution", "official_date"]


def _staff(request):
    if request.user.effective_role not in STAFF_ROLES:
        raise PermissionDenied("您的角色无权查看工作日历。")


class YearView(APIView):
    """One year's official arrangement: GET the dates; PUT (administrators) the whole notice."""

    @extend_schema(responses=DaySerializer(many=True))
    def get(self, request, year):
        _staff(request)
        return Response(DaySerializer(Holiday.objects.filter(date__year=year).order_by("date"), many=True).data)

    @extend_schema(request=YearSerializer, responses=RecomputeSerializer)
    def put(self, request, year):
        body = YearSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        festivals = [services.Festival(f["name"], f["start"], f["end"], tuple(f["workdays"]))
                     for f in body.validated_data["festivals"]]
        counts = services.set_year(year=year, festivals=festivals, source=body.validated_data["source"],
                                   actor=request.user)
        return Response(counts)


class EstimateList(ListAPIView):
    """Deadlines counted with the fallback; `open=true` for those still waiting for a year."""

    serializer_class = EstimateSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EstimatedDeadline.objects.none()
        _staff(self.request)
        rows = EstimatedDeadline.objects.restrict(self.request.user, "view").order_by("estimated_date", "id")
        if self.request.query_params.get("open") == "true":
            rows = rows.filter(resolved_at__isnull=True)
        return rows
