"""Template helpers of the UI shell: the navigation a user's role may see."""

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safegrid.accounts import console
from safegrid.audit.models import AuditEvent
from safegrid.core.roles import Role, role_may
from safegrid.ops.models import JobRun
from safegrid.regions.models import Region
from safegrid.registry import coverage
from safegrid.registry.models import KeyArea
from safegrid.tips.models import Tip

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    icon: str


def nav_items(user):
    """Top navigation entries for `user`, in order; empty for anonymous visitors."""
    if not user.is_authenticated:
        return []
    role = user.effective_role
    items = [NavItem("home", _("首页"), reverse("home"), "bi-house")]
    if role == Role.GRID_OFFICER:
        items.append(NavItem("tasks", _("我的任务"), reverse("hazards:tasks"), "bi-list-check"))
    hazards_label = _("本单位隐患") if role == Role.ENTERPRISE else _("隐患")
    items.append(NavItem("hazards", hazards_label, reverse("hazards:list"), "bi-exclamation-octagon"))
    if role_may(role, "view", Region):
        items.append(NavItem("regions", _("辖区与网格"), reverse("regions:index"), "bi-diagram-3"))
    if role_may(role, "view", KeyArea):  # staff roles; an enterprise sees its own record from home
        items.append(NavItem("enterprises", _("监管对象"), reverse("registry:enterprise_list"), "bi-buildings"))
        items.append(NavItem("map", _("一张图"), reverse("registry:map"), "bi-map"))
        items.append(NavItem("lists", _("五个清单"), reverse("registry:lists"), "bi-card-checklist"))
    if coverage.may_view(user):
        items.append(NavItem("coverage", _("监管盲区"), reverse("registry:coverage"), "bi-exclamation-diamond"))
    items.append(NavItem("risk", _("风险"), reverse("risk:index"), "bi-bar-chart-steps"))  # staff: list; enterprise: own
    # 监督检查: an enterprise sees only inspections already started at its site.
    items.append(NavItem("inspections", _("监督检查"), reverse("inspections:list"), "bi-clipboard-check"))
    if role_may(role, "view", Tip):
        items.append(NavItem("tips", _("举报"), reverse("tips:inbox"), "bi-megaphone"))
    if role_may(role, "view", AuditEvent):
        items.append(NavItem("audit", _("审计日志"), reverse("audit:index"), "bi-journal-text"))
    if role_may(role, "view", JobRun):
        items.append(NavItem("ops", _("运行状态"), reverse("ops:index"), "bi-activity"))
    if console.may_use(user):
        items.append(NavItem("manage", _("系统管理"), reverse("manage_accounts:index"), "bi-sliders"))
    items.append(NavItem("api", _("API 文档"), reverse("api-docs"), "bi-code-square"))
    if user.is_staff:
        items.append(NavItem("admin", _("Django 后台"), reverse("admin:index"), "bi-gear"))
    return items


# The top bar shows these entries as menus so it fits 1366 px; the rest stand alone.
NAV_MENUS = [
    ("base", gettext_lazy("底数"), "bi-buildings", ("regions", "enterprises", "map", "lists", "coverage")),
    ("system", gettext_lazy("系统"), "bi-gear", ("audit", "ops", "manage", "api", "admin")),
]


@dataclass(frozen=True)
class NavMenu:
    key: str
    label: str
    icon: str
    children: tuple


def nav_groups(items):
    """Fold the flat entries into menus, each where its first entry stood (one entry stays a link)."""
    menu_of = {}
    for key, label, icon, members in NAV_MENUS:
        children = tuple(item for item in items if item.key in members)
        if len(children) > 1:
            menu = NavMenu(key, label, icon, children)
            menu_of.update({child.key: menu for child in children})
    out = []
    for item in items:
        entry = menu_of.get(item.key, item)
        if entry not in out:
            out.append(entry)
    return out


@register.simple_tag(takes_context=True)
def navigation(context):
    return nav_groups(nav_items(context["request"].user))


@register.simple_tag(takes_context=True)
def manage_sections(context):
    return console.sections(context["request"].user)


@register.simple_tag(takes_context=True)
def calendar_banner(context):
    """The years staff must know are counted without the official arrangement (from 1 November)."""
    from safegrid.workcal.banner import banner

    return banner(context["request"].user)


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    from safegrid.notifications.views import unread_count

    return unread_count(context["request"].user)


@register.simple_tag(takes_context=True)
def hazard_cards(context):
    from safegrid.hazards.views_common import home_cards

    return home_cards(context["request"].user)


@register.simple_tag(takes_context=True)
def nav_active(context, item):
    """'active' when the current page belongs to the entry (home only on its exact URL)."""
    if isinstance(item, NavMenu):
        return "active" if any(nav_active(context, child) for child in item.children) else ""
    current = context["request"].path
    if item.key in ("home", "hazards"):  # 我的任务 lives under /hazards/ too
        return "active" if current == item.url else ""
    return "active" if current.startswith(item.url) else ""
