import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse


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


class PasswordChangeRequiredMiddleware:
    """A password given by an administrator (new account, reset) is changed before anything else:
    every page except the password page and log-out leads there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password:
            allowed = (reverse("password_change"), reverse("logout"), settings.STATIC_URL)
            if not request.path.startswith(allowed) and not request.path.startswith("/api/"):
                messages.warning(request, "您的密码由管理员设置，请先修改为只有您知道的新密码。")
                return redirect("password_change")
        return self.get_response(request)
