"""Errors that service functions raise. Views show `message`; the API also sends `code` and `field`."""


class ServiceError(Exception):
    """Bad input or a rule broken: nothing was written. `code` is stable for API clients."""

    status = 400

    def __init__(self, code, message, field=None, errors=None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        # Further problems of the same call, each {"code", "field", "message"}.
        self.errors = errors or []

    def as_dict(self):
        body = {"code": self.code, "field": self.field, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class Conflict(ServiceError):
    """Someone else changed the object first (compare-and-set lost)."""

    status = 409

    def __init__(self, message, current=None, code="conflict"):
        super().__init__(code, message)
        self.current = current

    def as_dict(self):
        body = super().as_dict()
        if self.current is not None:
            body["current"] = self.current
        return body


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message, code="permission_denied"):
        super().__init__(code, message)
