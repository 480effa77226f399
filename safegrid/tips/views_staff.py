"""Staff pages under /tips/: inbox by state, detail (route, duplicates, handling, replies, reward,
reveal), closure rate, photos and the Excel export.

Every query goes through `Tip.objects.restrict(user, action)`: out of scope is 404; a role that
may not act at all is 403. State changes go through `services`. The reporter's identity is shown
only on the reveal page, to a granted user, after a reason, and that page is never cached.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from safegrid import excel
from safegrid.accounts.views import role_required
from safegrid.core.errors import ServiceError
from safegrid.core.roles import role_may
from safegrid.hazards import clock
from safegrid.hazards.models import HazardType
from safegrid.regions.models import Department, Region, RegionLevel

from . import queries, services
from .filters import BOXES, TipFilter
from .models import State, Tip, TipPhoto

PAGE_SIZE = 30
ACTION_LABELS = {
    "submit": "提交举报", "deadline_recompute": "按官方节假日安排重算答复期限", "accept": "受理", "reject": "不予受理", "verify_founded": "查证属实",
    "verify_unfounded": "查证不实", "hazard": "转为隐患", "no_hazard": "记录未建隐患原因", "close": "办结",
    "reply": "答复举报人", "reassign": "改派", "merge": "合并", "reward_computed": "计算奖励",
    "reward_approved": "批准奖励", "reward_claimed": "举报人申领奖励", "reward_paid": "登记奖励发放",
    "identity_erased": "按保留期限删除举报人身份",
}


def visible(user, action="view"):
    qs = (Tip.objects.restrict(user, action)
          .select_related("category", "town", "department", "grid", "merged_into"))
    return queries.annotate_overdue(qs, clock.today())


def _query(request, drop=("page",)):
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


@role_required("view", Tip)
def inbox(request):
    data = request.GET.copy()
    if "box" not in data and "state" not in data and "q" not in data:
        data["box"] = "todo"
    filterset = TipFilter(data, queryset=visible(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    boxes = [(key, label) for key, (_, label) in BOXES.items()]
    context = {"page": page, "box": data.get("box", ""), "boxes": boxes, "filter": filterset,
               "query": _query(request), "export_query": _query(request),
               "may_export": role_may(request.user.effective_role, "export", Tip)}
    return render(request, "tips/inbox.html", context)


@role_required("export", Tip)
def export(request):
    """The inbox as Excel: the same filter; never the reporter (only whether the tip was anonymous)."""
    rows = TipFilter(request.GET, queryset=visible(request.user, "export")).qs
    headers = ["编号", "举报时间", "类别", "内容", "地点", "被举报单位", "乡镇(街道)", "责任部门", "状态", "答复期限",
               "超期", "实名", "办结时间"]
    values = ([t.public_id, t.created_at, t.category.name if t.category_id else "其他", t.description, t.address,
               t.enterprise_name, t.town.name if t.town_id else "", t.department.name if t.department_id else "属地兜底",
               t.get_state_display(), t.deadline, "是" if t.is_overdue else "", "否" if t.anonymous else "是",
               t.closed_at] for t in rows.iterator(chunk_size=2000))
    return excel.export("举报台账.xlsx", "举报台账", headers, values,
                        [12, 18, 12, 50, 30, 24, 14, 20, 10, 12, 6, 6, 18])


def _tip(request, pk, action="view"):
    return get_object_or_404(visible(request.user, action), pk=pk)


def _history(tip):
    events = list(tip.events.all())
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
    return events


def _duplicates(user, tip):
    ids = [c["id"] for c in tip.duplicate_candidates]
    reachable = {t.pk: t for t in Tip.objects.restrict(user, "view").filter(pk__in=ids)}
    return [{**c, "tip": reachable[c["id"]]} for c in tip.duplicate_candidates if c["id"] in reachable]


@role_required("view", Tip)
def detail(request, pk):
    tip = _tip(request, pk)
    user = request.user
    may_change = Tip.objects.restrict(user, "change").filter(pk=tip.pk).exists()
    suggested = tip.events.filter(action="submit").values_list("data", flat=True).first() or {}
    context = {
        "tip": tip, "history": _history(tip), "photos": tip.photos.all(), "may_change": may_change,
        "may_reveal": services.may_reveal(user), "suggested": suggested.get("suggested"),
        "duplicates": _duplicates(user, tip), "merged_tips": visible(user).filter(merged_into=tip),
        "towns": Region.objects.filter(level=RegionLevel.TOWN, region_code=tip.region_code, voided_at__isnull=True),
        "departments": Department.objects.filter(region_code=tip.region_code, voided_at__isnull=True),
        "hazard_types": HazardType.objects.filter(active=True), "reward": getattr(tip, "reward", None),
        "may_approve": user.effective_role in ("admin", "county_office"),
        "rules": services.RULES, "State": State,
        "map": {"lon": tip.lon, "lat": tip.lat},
    }
    return render(request, "tips/detail.html", context)


def _pick(model, value, **filters):
    value = str(value or "").strip()
    return model.objects.filter(pk=value, **filters).first() if value.isdigit() else None


def _call(request, tip, name):
    """Run one action from the detail page's POST; returns a success message."""
    p, user, version = request.POST, request.user, int(request.POST.get("version") or 0)
    if name == "accept":
        services.accept(tip, actor=user, version=version, note=p.get("note", ""))
        return "已受理。"
    if name == "reject":
        services.reject(tip, actor=user, version=version, reason=p.get("reason"), public_reply=p.get("public_reply"))
        return "已不予受理并答复举报人。"
    if name == "verify":
        services.verify(tip, actor=user, version=version, founded=p.get("founded") == "1", finding=p.get("finding"),
                        major=p.get("major") == "1")
        return "已记录查证结果。"
    if name == "hazard":
        done = services.create_hazard(tip, actor=user, version=version, hazard_type=p.get("hazard_type"),
                                        description=p.get("description"), grade=p.get("grade") or "general",
                                        criterion=p.get("criterion"))
        return f"已转为隐患 #{done.hazard_id}。"
    if name == "no_hazard":
        services.record_no_hazard(tip, actor=user, version=version, reason=p.get("reason"))
        return "已记录未建隐患的原因。"
    if name == "close":
        services.close(tip, actor=user, version=version, outcome=p.get("outcome"), public_reply=p.get("public_reply"))
        return "已办结并答复举报人。"
    if name == "reply":
        services.reply(tip, actor=user, version=version, public_reply=p.get("public_reply"))
        return "答复已发布，举报人可凭查询码查看。"
    if name == "reassign":
        town = _pick(Region, p.get("town"), level=RegionLevel.TOWN)
        department = _pick(Department, p.get("department"))
        services.reassign(tip, actor=user, version=version, town=town, department=department, reason=p.get("reason"))
        return "已改派。"
    if name == "merge":
        target = Tip.objects.restrict(user, "view").filter(pk=p.get("target") or 0).first()
        services.merge(tip, actor=user, version=version, target=target, reason=p.get("reason", ""))
        return "已合并，举报人仍可凭各自的查询码跟踪合并后的办理情况。"
    if name == "reward":
        reward = services.propose_reward(tip, actor=user, fine=p.get("fine"))
        return f"已按规则计算奖励 {reward.amount} 元，待区县审批。"
    if name == "reward_approve":
        services.approve_reward(tip.reward, actor=user, version=int(p.get("reward_version") or 0))
        return "奖励已批准，举报人可凭查询码申领。"
    if name == "reward_pay":
        services.record_payment(tip.reward, actor=user, version=int(p.get("reward_version") or 0),
                                reference=p.get("reference"))
        return "已登记奖励发放。"
    raise Http404


@require_POST
@role_required("view", Tip)
def action(request, pk, name):
    tip = _tip(request, pk)
    if not role_may(request.user.effective_role, "change", Tip):
        raise DjangoPermissionDenied
    tip = _tip(request, pk, "change")
    try:
        messages.success(request, _call(request, tip, name))
    except ServiceError as exc:
        messages.error(request, exc.message)
    if not Tip.objects.restrict(request.user, "view").filter(pk=tip.pk).exists():
        return redirect("tips:inbox")  # reassigned away: no longer ours to see
    return redirect("tips:detail", pk=tip.pk)


@sensitive_variables("identity")
@require_POST
@role_required("view", Tip)
def reveal(request, pk):
    """查看举报人身份 (or a reward's payment details): granted users, a reason, an audit event."""
    tip = _tip(request, pk)
    what = request.POST.get("what", "identity")
    try:
        if what == "payment":
            identity = services.reveal_payment(tip.reward, actor=request.user, reason=request.POST.get("reason"))
        else:
            identity = services.reveal_identity(tip, actor=request.user, reason=request.POST.get("reason"))
    except ServiceError as exc:
        if exc.status == 403:
            raise DjangoPermissionDenied from exc
        messages.error(request, exc.message)
        return redirect("tips:detail", pk=tip.pk)
    response = render(request, "tips/reveal.html", {"tip": tip, "identity": identity, "what": what})
    add_never_cache_headers(response)
    return response


@role_required("view", Tip)
def photo(request, pk):
    item = get_object_or_404(TipPhoto.objects.filter(tip__in=Tip.objects.restrict(request.user, "view")), pk=pk)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@role_required("view", Tip)
def closure(request):
    filterset = TipFilter(request.GET, queryset=Tip.objects.restrict(request.user, "view"))
    context = {"towns": queries.closure_rate(filterset.qs, "town"),
               "departments": queries.closure_rate(filterset.qs, "department"), "filter": filterset,
               "created_after": request.GET.get("created_after", ""),
               "created_before": request.GET.get("created_before", "")}
    return render(request, "tips/closure.html", context)
