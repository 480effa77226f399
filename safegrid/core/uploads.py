"""Upload size limits for the import pages and API (Excel ledgers, GeoJSON grids).

The request size is checked from Content-Length before anything reads the body; an upload
handler stops a body that lies about its length or is sent chunked. Views that use
`limit_upload` must be csrf_exempt outside and csrf_protect inside (the CSRF check reads
the body, so it has to come after the handler is installed).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from .errors import ServiceError

# Room for the multipart boundaries and the other form fields next to the file.
FORM_OVERHEAD = 64 * 1024


class TooLarge(ServiceError):
    status = 413

    def __init__(self, limit_mb):
        super().__init__("upload.too_large", f"文件超过 {limit_mb} MB 的上限，请拆分后分批导入。", field="file")


def max_bytes():
    return settings.SAFEGRID_IMPORT_MAX_MB * 1024 * 1024


class SizeLimitHandler(FileUploadHandler):
    """Stops reading once the uploaded bytes pass the limit (no Content-Length to trust)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_bytes():
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload(request):
    """Refuse an over-size request before its body is parsed; guard the parse itself."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + FORM_OVERHEAD:
        raise TooLarge(settings.SAFEGRID_IMPORT_MAX_MB)
    handler = SizeLimitHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler


def check_uploaded(handler, uploaded):
    """After parsing: the handler tripped, or the file came through larger than allowed."""
    if handler.exceeded or (uploaded is not None and uploaded.size > max_bytes()):
        raise TooLarge(settings.SAFEGRID_IMPORT_MAX_MB)


class UploadAPIView(APIView):
    """Base of the import endpoints: the size is refused before authentication parses the body."""

    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        self.upload_handler = limit_upload(request)
        super().initial(request, *args, **kwargs)

    def uploaded_file(self, request):
        uploaded = request.FILES.get("file")
        check_uploaded(self.upload_handler, uploaded)
        if uploaded is None:
            raise ServiceError("file.required", "请以 multipart 字段 file 上传文件。", field="file")
        return uploaded

    def dry_run(self, request):
        return request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
