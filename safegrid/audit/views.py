"""The audit trail pages: a filtered, paginated list and one event's before/after."""

import functools
import json

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from safegrid.accounts.forms import add_bootstrap
from safegrid.accounts.views import role_required

from .filters import AuditEventFilter
from .models import AuditEvent

# Chinese names of the actions the services record; unknown actions show their code.
ACTION_LABELS = {
    "login": _("登录"),
    "logout": _("退出登录"),
    "login_failed": _("登录失败"),
    "login_refused_locked": _("登录被拒(已锁定)"),
    "login_refused_disabled": _("登录被拒(已停用)"),
    "account_locked": _("账户锁定"),
    "account_unlock": _("账户解锁"),
    "password_change": _("修改密码"),
    "admin_user_change": _("管理后台修改用户"),
    "token_issue": _("签发 API 令牌"),
    "user_create": _("创建用户"),
    "user_enable": _("启用用户"),
    "user_disable": _("停用用户"),
    "scope_grant": _("授予辖区"),
    "region_create": _("新建行政区划"),
    "region_update": _("修改行政区划"),
    "grid_create": _("新建网格"),
    "grid_update": _("修改网格"),
    "department_create": _("新建行业主管部门"),
    "grid_officer_appoint": _("任命网格员"),
    "void": _("作废"),
}
DATETIME_FIELDS = ("since", "until")


def action_label(action):
    return ACTION_LABELS.get(action) or app_action_labels().get(action, action)


@functools.cache
def app_action_labels():
    """Labels contributed by the domain apps: an AppConfig may define `audit_action_labels()`."""
    labels = {}
    for config in apps.get_app_configs():
        contribute = getattr(config, "audit_action_labels", None)
        if contribute:
            labels.update(contribute())
    return labels


def model_of(object_type):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type):
    """'regions.grid' -> the model's Chinese verbose name, else the raw type."""
    model = model_of(object_type)
    return model._meta.verbose_name if model else object_type


def field_label(model, name):
    """The Chinese verbose name of a snapshot key, else the key itself."""
    try:
        return model._meta.get_field(name).verbose_name if model else name
    except FieldDoesNotExist:
        return name


def filter_form(filterset):
    form = add_bootstrap(filterset.form)
    for name in DATETIME_FIELDS:
        form.fields[name].widget.input_type = "datetime-local"
    form.fields["action"].widget.attrs["list"] = "sg-audit-actions"
    return form


def labelled(events):
    for event in events:
        event.action_label = action_label(event.action)
        event.object_type_label = object_type_label(event.object_type)
    return events


@role_required("view", AuditEvent)
def index(request):
    events = AuditEvent.objects.restrict(request.user, "view").select_related("actor")
    filterset = AuditEventFilter(request.GET or None, queryset=events)
    page = Paginator(filterset.qs, settings.SAFEGRID_AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    labelled(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/index.html", {
        "form": filter_form(filterset),
        "page": page,
        "query": query.urlencode(),
        "actions": sorted({**app_action_labels(), **ACTION_LABELS}.items()),
    })


def pretty(value):
    return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def changes(model, before, after):
    """Rows {field, label, before, after, changed} over the keys of two snapshot dicts."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        rows.append({"field": key, "label": field_label(model, key), "before": pretty(old) if key in before else "",
                     "after": pretty(new) if key in after else "", "changed": old != new})
    return rows


@role_required("view", AuditEvent)
def detail(request, pk):
    event = get_object_or_404(AuditEvent.objects.restrict(request.user, "view").select_related("actor"), pk=pk)
    labelled([event])
    return render(request, "audit/detail.html", {
        "event": event,
        "rows": changes(model_of(event.object_type), event.before, event.after),
        "before_json": pretty(event.before),
        "after_json": pretty(event.after),
    })
