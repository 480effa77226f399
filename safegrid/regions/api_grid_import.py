"""POST /api/v1/grids/import/: GeoJSON grid import (multipart `file`; `?dry_run=1`; `mode=update`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from safegrid.core.roles import role_may
from safegrid.core.uploads import UploadAPIView

from .grid_import import run_grid_import
from .models import Grid


class GridImportView(UploadAPIView):
    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "mode": {"type": "string", "enum": ["create", "update"]}}}},
        parameters=[OpenApiParameter("dry_run", bool, description="只检查不写入")],
        responses={200: dict, 201: dict, 400: dict},
        description="网格导入(GeoJSON FeatureCollection，属性 code、name、village_code，可选 responsible_person、"
                    "responsible_phone)。任何要素有错误则不写入：400 {valid, features, errors: [{feature, grid_code, "
                    "field, code, message}]}。",
    )
    def post(self, request):
        if not role_may(request.user.effective_role, "change", Grid):
            self.permission_denied(request, message="您的角色无权导入网格。")
        uploaded = self.uploaded_file(request)
        mode = request.data.get("mode") or request.query_params.get("mode") or "create"
        plan = run_grid_import(uploaded.read(), request.user, mode=mode, dry_run=self.dry_run(request),
                               filename=uploaded.name)
        body = plan.preview()
        if not plan.valid:
            first = plan.errors[0]
            return Response({"code": "grid_import.invalid", "field": first["field"],
                             "message": f"共 {len(plan.errors)} 处错误，未写入任何网格。", **body}, status=400)
        return Response(body, status=200 if self.dry_run(request) else 201)
