"""API of the coverage report: GET /api/v1/coverage/ and /api/v1/coverage/<kind>/."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.core.api import Pagination

from . import coverage

TOWN = OpenApiParameter("town", str, description="乡镇(街道)区划代码(12 位)，限定在该乡镇内")


def _town(request):
    code = request.query_params.get("town", "")
    town = coverage.find_town(request.user, code)
    if code and town is None:
        raise NotFound
    return town


class CoverageView(APIView):
    """监管盲区: totals and the per-town breakdown of the caller's jurisdiction."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        coverage.check_role(request.user)
        report = coverage.report(request.user)
        return Response({
            "summary": report.summary,
            "workload_limit": report.limit,
            "workload_fence": report.fence,
            "kinds": [{"kind": k.key, "label": k.label, "hint": k.hint, "count": report.summary[k.key]}
                      for k in coverage.KINDS.values()],
            "towns": [t.as_dict() for t in report.towns if t.code or t.enterprises],
        })


class CoverageKindView(APIView):
    """The rows of one gap kind (paginated): no_grid, no_officer, no_department, grids_without_officer,
    untrained_officers, overloaded_officers, categories_without_department."""

    pagination_class = Pagination

    @extend_schema(parameters=[TOWN], responses={200: dict})
    def get(self, request, kind):
        coverage.check_role(request.user)
        if kind not in coverage.KINDS:
            raise NotFound
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(coverage.rows(request.user, kind, _town(request)), request, view=self)
        return paginator.get_paginated_response(coverage.with_towns(page))


urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("coverage/<slug:kind>/", CoverageKindView.as_view(), name="coverage-kind"),
]
