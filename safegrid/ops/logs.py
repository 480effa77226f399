"""Logging helpers: every record carries the request id (core.middleware sets it per request)."""

import logging

from safegrid.core import context


class RequestIdFilter(logging.Filter):
    """Adds `request_id` ("-" outside a request) so a log line can be matched to the audit trail and to
    the web server's access log (nginx passes its $request_id as X-Request-ID)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = context.current().request_id or "-"
        return True
