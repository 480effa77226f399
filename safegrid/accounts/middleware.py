import time

from django.conf import settings
from django.contrib.auth import logout


class IdleTimeoutMiddleware:
    """Logs a session out after SAFEGRID_IDLE_TIMEOUT_MINUTES without a request."""

    KEY = "last_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self.KEY in request.session:
            idle = time.time() - request.session[self.KEY]
            if idle > settings.SAFEGRID_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                request.session["idle_timeout"] = True
        if request.user.is_authenticated:
            request.session[self.KEY] = int(time.time())
        return self.get_response(request)
