"""Login, logout, password change, the per-role home page and the role check of pages."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from safegrid.audit.services import record
from safegrid.core.roles import Role, role_may
from safegrid.regions.filters import GridFilter
from safegrid.regions.models import Department, Grid, GridOfficer, Region, RegionLevel

from .forms import LoginForm, add_bootstrap
from .services import set_password
from .templatetags.safegrid_ui import nav_items

IDLE_TIMEOUT_MESSAGE = gettext_lazy("会话因长时间未操作已超时，请重新登录。")


def safe_next(request):
    """The `next` target when it stays on this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.session.pop("idle_timeout", None):
        messages.warning(request, IDLE_TIMEOUT_MESSAGE)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(safe_next(request))
    form = LoginForm(request, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        login(request, form.user)
        return redirect(safe_next(request))
    add_bootstrap(form)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the logout is recorded in the audit trail."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            record("logout", request.user, actor=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def get_form(self, form_class=None):
        return add_bootstrap(super().get_form(form_class))

    def form_invalid(self, form):
        add_bootstrap(form)
        return super().form_invalid(form)

    def form_valid(self, form):
        # Through the one service every password change takes (policy, audit, token revocation).
        set_password(form.user, form.cleaned_data["new_password1"], actor=form.user)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.get_success_url())


def jurisdiction_names(user):
    """Names of the roots of the user's jurisdiction."""
    grants = user.scope_grants.select_related("region", "grid").order_by("path")
    names = [str(grant) for grant in grants]
    if not names and user.effective_role == Role.ADMIN:
        return [_("全部辖区")]
    return names


def jurisdiction_counts(user):
    """(label, count, icon) for the dashboard, all from restricted querysets."""
    regions = Region.objects.restrict(user, "view").filter(voided_at__isnull=True)
    grids = Grid.objects.restrict(user, "view").filter(voided_at__isnull=True)
    unstaffed = GridFilter({"has_officer": "false"}, queryset=grids).qs
    officers = GridOfficer.objects.restrict(user, "view").filter(voided_at__isnull=True)
    departments = Department.objects.restrict(user, "view").filter(voided_at__isnull=True)
    return [
        {"label": _("乡镇(街道)"), "count": regions.filter(level=RegionLevel.TOWN).count(),
         "icon": "bi-buildings"},
        {"label": _("村(社区)"), "count": regions.filter(level=RegionLevel.VILLAGE).count(),
         "icon": "bi-house-door"},
        {"label": _("网格"), "count": grids.count(), "icon": "bi-grid-3x3"},
        {"label": _("未配网格员的网格"), "count": unstaffed.count(), "icon": "bi-exclamation-triangle",
         "warn": True},
        {"label": _("网格员"), "count": officers.count(), "icon": "bi-person-badge"},
        {"label": _("行业主管部门"), "count": departments.count(), "icon": "bi-bank"},
    ]


def officer_grids(user):
    return (Grid.objects.restrict(user, "view").filter(voided_at__isnull=True)
            .select_related("region").order_by("path"))


@login_required
def home(request):
    user = request.user
    role = user.effective_role
    context = {
        "role": role,
        "jurisdiction": jurisdiction_names(user),
        "quick_links": [item for item in nav_items(user) if item.key != "home"],
    }
    if role == Role.ENTERPRISE:
        return render(request, "accounts/home_enterprise.html", context)
    context["counts"] = jurisdiction_counts(user)
    if role == Role.GRID_OFFICER:
        context["my_grids"] = officer_grids(user)
    return render(request, "accounts/home.html", context)


def role_required(action, model):
    """403 when the user's role may never `action` `model` (scope is checked by `restrict`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not role_may(request.user.effective_role, action, model):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
