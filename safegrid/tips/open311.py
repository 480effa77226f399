"""Open311 GeoReport v2 at /open311/v2/: services, POST and GET requests, one request, in JSON or XML.

Design for a secret-holding system (docs/tips.md):
- service_request_id is the tip's public id, never the tracking code: GET lists are public in the
  spec, so exposing tracking codes there would let anyone follow (and claim rewards on) others' tips.
- POST needs a partner api_key (stored hashed); its response adds `tracking_code`, the only time
  the partner sees it, to pass on to the caller.
- GET answers carry status, dates, the agency and public replies only: description, address,
  coordinates and media are withheld, because reporting material must not reach the reported party.
- email / first_name / last_name / phone are the reporter's identity: encrypted like the web form's.
"""

import datetime
import xml.etree.ElementTree as ET

from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from safegrid.core.errors import ServiceError
from safegrid.core.middleware import client_ip
from safegrid.registry.models import SafetyCategory

from . import services
from .models import DONE_STATES, Channel, Tip, TipEvent

OTHER = {"code": "other", "name": "其他", "group": "其他", "description": "不属于以上类别的安全生产问题"}
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
FORMATS = {"json", "xml"}


class Open311Error(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status, self.description = status, description


# --- rendering ---------------------------------------------------------------------------------


def _xml(root, item, rows):
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(node, key)
            if value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def render(rows, fmt, root, item, status=200):
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt, status, description):
    return render([{"code": status, "description": description}], fmt if fmt in FORMATS else "json",
                  "errors", "error", status)


def _w3c(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def handle_errors(view):
    def wrapper(request, *args, fmt="json", **kwargs):
        if fmt not in FORMATS:
            return error("json", 400, "format 只能是 json 或 xml。")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)
        except ServiceError as exc:
            status = exc.status if exc.status in (403, 404, 409, 429) else 400
            field = f"{exc.field}: " if exc.field else ""
            return error(fmt, status, f"{field}{exc.message}")

    wrapper.__name__ = view.__name__
    return wrapper


# --- services ------------------------------------------------------------------------------------


def _services():
    rows = [{"code": c.code, "name": c.name, "group": c.group or c.name, "description": c.source or c.name}
            for c in SafetyCategory.objects.order_by("sort", "code")]
    return [*rows, OTHER]


@require_http_methods(["GET"])
@handle_errors
def service_list(request, fmt):
    rows = [{"service_code": s["code"], "service_name": s["name"], "description": s["description"],
             "metadata": False, "type": "realtime", "keywords": s["group"], "group": s["group"]} for s in _services()]
    return render(rows, fmt, "services", "service")


# --- requests ------------------------------------------------------------------------------------


def _notes(tip_ids):
    """Latest public reply per tip, one query."""
    notes = {}
    for tip_id, text in (TipEvent.objects.filter(tip_id__in=tip_ids).exclude(public_text="")
                         .order_by("at", "id").values_list("tip_id", "public_text")):
        notes[tip_id] = text
    return notes


def _rows(tips):
    cases = {t.pk: services.case_of(t) if t.merged_into_id else t for t in tips}
    notes = _notes({c.pk for c in cases.values()})
    rows = []
    for tip in tips:
        case = cases[tip.pk]
        agency = case.department.name if case.department_id else (case.town.name if case.town_id else "")
        rows.append({
            "service_request_id": tip.public_id, "status": "closed" if case.state in DONE_STATES else "open",
            "status_notes": notes.get(case.pk), "service_name": tip.category.name if tip.category_id else OTHER["name"],
            "service_code": tip.category.code if tip.category_id else OTHER["code"],
            "description": None, "agency_responsible": agency or None,
            "service_notice": f"答复期限 {case.deadline:%Y-%m-%d}", "requested_datetime": _w3c(tip.created_at),
            "updated_datetime": _w3c(case.updated_at),
            "expected_datetime": _w3c(timezone.make_aware(datetime.datetime.combine(case.deadline, datetime.time(23, 59)))),
            "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None, "media_url": None,
        })
    return rows


def _date(request, name):
    raw = request.GET.get(name)
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        raise Open311Error(400, f"{name} 应为 W3C 格式的时间，如 2026-03-02T10:00:00+08:00。")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _query(request):
    tips = Tip.objects.select_related("category", "department", "town", "merged_into")
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        return list(tips.filter(public_id__in=ids[:MAX_REQUESTS]))
    start, end = _date(request, "start_date"), _date(request, "end_date")
    end = end or timezone.now()
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date。")
    tips = tips.filter(created_at__gte=start, created_at__lte=end)
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        wanted = Q(category__code__in=codes)
        if OTHER["code"] in codes:
            wanted |= Q(category__isnull=True)
        tips = tips.filter(wanted)
    status = request.GET.get("status", "").strip()
    if status not in ("", "open", "closed"):
        raise Open311Error(400, "status 只能是 open 或 closed。")
    rows = list(tips.order_by("-created_at")[:MAX_REQUESTS])
    if status:
        rows = [t for t, row in zip(rows, _rows(rows), strict=True) if row["status"] == status]
    return rows


def _submit(request, fmt):
    api_key = request.POST.get("api_key", "")
    partner = services.partner_for(api_key)
    if partner is None:
        raise Open311Error(403, "api_key 无效或未提供。")
    p = request.POST
    if p.get("lat") in (None, "") and p.get("long") in (None, "") and not p.get("address_string") \
            and not p.get("address_id"):
        raise Open311Error(400, "lat/long、address_string 或 address_id 至少提供一项。")
    code = p.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code 为必填项。")
    name = " ".join(x for x in (p.get("last_name", "").strip(), p.get("first_name", "").strip()) if x)
    contact = {"name": name, "email": p.get("email", ""), "phone": p.get("phone", "")}
    anonymous = not any(contact.values())
    data = {"description": p.get("description"), "lon": p.get("long"), "lat": p.get("lat"),
            "address": p.get("address_string") or p.get("address_id", ""), "category": code,
            "county": p.get("jurisdiction_id", ""), "media_url": p.get("media_url", ""),
            "anonymous": "1" if anonymous else "0", **({} if anonymous else contact)}
    if not anonymous and not name:
        data["name"] = "(对接平台未提供姓名)"
    done = services.submit_tip(data, channel=Channel.OPEN311, partner=partner, client_ip=client_ip(request))
    tip = done.tip
    row = {"service_request_id": tip.public_id, "service_notice": f"答复期限 {tip.deadline:%Y-%m-%d}",
           "account_id": None, "tracking_code": done.tracking_code}
    return render([row], fmt, "service_requests", "request", status=201)


@csrf_exempt
@sensitive_post_parameters("api_key", "email", "first_name", "last_name", "phone")
@require_http_methods(["GET", "POST"])
@handle_errors
def requests(request, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    return render(_rows(_query(request)), fmt, "service_requests", "request")


@require_http_methods(["GET"])
@handle_errors
def request_detail(request, request_id, fmt):
    tip = Tip.objects.select_related("category", "department", "town").filter(public_id=request_id).first()
    if tip is None:
        raise Open311Error(404, f"service_request_id {request_id} 不存在。")
    return render(_rows([tip]), fmt, "service_requests", "request")
