"""POST /api/v1/enterprises/import/: the Excel ledger import (multipart `file`; `?dry_run=1` previews)."""

import tempfile
from pathlib import Path

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from safegrid.core.errors import ServiceError
from safegrid.core.uploads import UploadAPIView

from . import ledger


class LedgerImportView(UploadAPIView):
    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string",
                                                                                  "format": "binary"}}}},
        parameters=[OpenApiParameter("dry_run", bool, description="只检查不写入，返回预览")],
        responses={200: dict, 201: dict, 400: dict},
        description="企业台账导入(.xlsx，与模板同格式)。任何一行有错误则不写入，400 返回全部错误 "
                    "{valid, rows, errors: [{row, column, field, code, message}]}。",
    )
    def post(self, request):
        if not ledger.may_import(request.user):
            self.permission_denied(request, message="您的角色无权导入企业台账。")
        uploaded = self.uploaded_file(request)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ledger.xlsx"
            with open(path, "wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
            try:
                plan = ledger.run_import(path, request.user, filename=uploaded.name, dry_run=self.dry_run(request))
            except ServiceError as exc:
                body = {**exc.as_dict(), "valid": False, "rows": 0, "errors": exc.errors or [exc.as_dict()]}
                return Response(body, status=exc.status)
        body = plan.preview()
        if not plan.valid:
            first = plan.errors[0]
            return Response({"code": "ledger.invalid", "field": first["field"],
                             "message": f"共 {len(plan.errors)} 处错误，未写入任何数据。", **body}, status=400)
        return Response(body, status=200 if self.dry_run(request) else 201)
