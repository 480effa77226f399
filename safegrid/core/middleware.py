import re
import uuid

from django.conf import settings

from . import context, refcache

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request):
    """The client address; X-Forwarded-For only when a trusted proxy is configured."""
    if getattr(settings, "SAFEGRID_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed) for the audit trail, and
    a scope in which the reference caches read their generations once (core.refcache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = context.set_current(
            context.RequestContext(request_id=request.request_id, client_ip=client_ip(request))
        )
        try:
            with refcache.request_scope():
                response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
