"""The hazard closed loop. Every state change is a compare-and-set on (state, version):
0 rows updated means someone else acted first and the caller gets 409 with the current
state. Each transition checks the actor's role, writes an audit event and a timeline row,
and notifies the next party after commit (a failing channel never undoes the change).
"""

import datetime
import decimal
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from safegrid.audit.services import record, snapshot
from safegrid.core import refcache
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.core.workflow import Rule
from safegrid.regions.models import Department, Grid, Region, RegionLevel
from safegrid.regions.permissions import check_on_duty
from safegrid.registry.models import Enterprise
from safegrid.registry.services import responsible_departments
from safegrid.risk import hooks as risk_hooks
from safegrid.workcal import estimates
from safegrid.workcal.calendar import WorkingDate, add_working_days

from . import clock, notices, photos
from .models import (
    OPEN_STATES,
    STEPS_BEFORE_ACCEPTANCE,
    CloseOutRecord,
    CloseOutStep,
    DeadlineBasis,
    Grade,
    Handling,
    Hazard,
    HazardEvent,
    HazardType,
    MajorHazardCriterion,
    PhotoKind,
    Source,
    State,
)

logger = logging.getLogger("safegrid.hazards")

AUDIT_FIELDS = [
    "enterprise", "grid", "town", "source", "hazard_type", "description", "grade", "criterion", "handling",
    "state", "version", "assigned_department", "responsible_person", "measures", "funds", "deadline",
    "contingency_plan", "original_deadline", "extension_reason", "merged_into", "recurrence_of",
]
C, T, D, G, E, A = (Role.COUNTY_OFFICE, Role.TOWN_OFFICE, Role.DEPARTMENT, Role.GRID_OFFICER, Role.ENTERPRISE,
                    Role.ADMIN)


RULES = {
    "report": Rule("上报隐患", (), State.REPORTED, frozenset({A, C, T, D, G, E})),
    "confirm": Rule("核实确认", (State.REPORTED,), State.CONFIRMED, frozenset({A, C, T, D})),
    "reject": Rule("核实为非隐患", (State.REPORTED,), State.REJECTED, frozenset({A, C, T, D})),
    "merge": Rule("合并重复隐患", (State.REPORTED, State.CONFIRMED), State.MERGED, frozenset({A, C, T, D})),
    "assign": Rule("交办", (State.CONFIRMED, State.ASSIGNED), State.ASSIGNED, frozenset({A, C, T})),
    "plan": Rule("制定整改方案(五定)", (State.ASSIGNED,), State.RECTIFYING, frozenset({A, C, T, D, E})),
    "submit": Rule("提交验收", (State.RECTIFYING,), State.SUBMITTED, frozenset({A, C, T, D, G, E})),
    "accept": Rule("验收销号", (State.SUBMITTED,), State.CLOSED, frozenset({A, C, T, D})),
    "send_back": Rule("退回整改", (State.SUBMITTED,), State.RECTIFYING, frozenset({A, C, T, D})),
    "extend": Rule("延期", (State.RECTIFYING,), None, frozenset({A, C, T})),
    "void": Rule("作废", tuple(s for s in State.values if s != State.VOIDED), State.VOIDED, frozenset({A})),
    "closeout_step": Rule("记录销号步骤", (State.RECTIFYING, State.SUBMITTED, State.CLOSED), None,
                          frozenset({A, C, T, D, E})),
}
RULE_TABLES = ("registry_responsibilityrule", "registry_responsibilityrule_cooperating_departments",
               "regions_department")
PLAN_FIELDS = {"responsible_person": "整改责任人", "measures": "整改措施", "funds": "整改资金",
               "deadline": "整改时限", "contingency_plan": "整改期间应急预案"}


def role_of(user):
    return Role.ADMIN if user.is_superuser else user.role


def _allow(name, actor):
    if role_of(actor) not in RULES[name].roles:
        raise PermissionDenied(f"您的角色无权执行“{RULES[name].label}”。")


def _reason(reason, name):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason.required", f"“{RULES[name].label}”必须填写原因。", field="reason")
    return reason[:2000]


def current_state(hazard_id):
    row = Hazard.objects.filter(pk=hazard_id).values("state", "version").first()
    if row is None:
        return None
    return {"state": row["state"], "state_display": State(row["state"]).label, "version": row["version"]}


def _cas(hazard, name, version, changes, target):
    """UPDATE … WHERE pk, state and version still match; False means someone won first."""
    rule = RULES[name]
    if hazard.state not in rule.sources:
        raise Conflict(f"当前状态为“{hazard.get_state_display()}”，不能执行“{rule.label}”。",
                       current=current_state(hazard.pk), code="state.invalid")
    values = {**changes, "version": F("version") + 1, "updated_at": clock.now()}
    if target is not None:
        values["state"] = target
    won = Hazard.objects.filter(pk=hazard.pk, state=hazard.state, version=version).update(**values) == 1
    if not won:
        raise Conflict("该隐患已被他人处理或修改，请刷新后重试。", current=current_state(hazard.pk))
    hazard.refresh_from_db()


def _log(hazard, name, actor, before_state, reason="", data=None, before=None):
    event = HazardEvent.objects.create(hazard=hazard, action=name, from_state=before_state or "", to_state=hazard.state,
                               actor=actor if getattr(actor, "pk", None) else None,
                               actor_name=getattr(actor, "display_name", "系统") if actor else "系统",
                               reason=reason, data=data or {})
    record(f"hazard_{name}", hazard, actor=actor, before=before,
           after=snapshot(hazard, fields=AUDIT_FIELDS), reason=reason[:500])
    notices.after_change(hazard, name)
    risk_hooks.hazard_changed(hazard.enterprise_id, name)  # the safety code follows hazard events
    return event


def _transition(hazard, name, actor, version, changes=None, reason="", data=None):
    _allow(name, actor)
    before, before_state = snapshot(hazard, fields=AUDIT_FIELDS), hazard.state
    _cas(hazard, name, version, changes or {}, RULES[name].target)
    _log(hazard, name, actor, before_state, reason, data, before)
    return hazard


# --- input cleaning ---------------------------------------------------------------------


def _choice(value, enum, field, label, default=None):
    value = (value or default or "").strip() if isinstance(value or default, str) else (value or default)
    for stored, display in enum.choices:
        if value in (stored, display):
            return stored
    raise ServiceError(f"{field}.unknown", f"{label}“{value or ''}”无效，可选：{'、'.join(d for _, d in enum.choices)}。",
                       field=field)


def _date(value, field="deadline"):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"{field}.format", "日期格式应为 YYYY-MM-DD。", field=field) from exc


def resolve_deadline(data, today=None, field="deadline"):
    """A deadline from `deadline` (a date) or `working_days` (counted on the official calendar).

    Returns (date, basis, note, count) or None when neither is given, `count` being
    (start, working days, WorkingDate) for a counted deadline. A past date is refused.
    """
    today = today or clock.today()
    if data.get("working_days") not in (None, ""):
        try:
            n = int(data["working_days"])
        except (TypeError, ValueError) as exc:
            raise ServiceError("working_days.format", "工作日数应为整数。", field="working_days") from exc
        if not 1 <= n <= 365:
            raise ServiceError("working_days.range", "工作日数应在 1 到 365 之间。", field="working_days")
        result = add_working_days(today, n)
        basis = DeadlineBasis.WEEKDAYS if result.estimated else DeadlineBasis.OFFICIAL
        return result.date, basis, result.note, (today, n, result)
    if data.get(field) in (None, ""):
        return None
    day = _date(data[field], field)
    if day < today:
        raise ServiceError("deadline.past", "整改时限不能早于今天。", field=field)
    return day, DeadlineBasis.DATE, "", None


def _track_deadline(hazard, count):
    """List a deadline counted without the official arrangement (workcal.estimates); a new deadline
    closes the hazard's earlier entry."""
    start, n, result = count or (None, 0, WorkingDate(hazard.deadline))
    estimates.track(hazard, start=start, working_days=n, result=result, scope_path=hazard.scope_path,
                    link=f"/hazards/{hazard.pk}/")


def recompute_deadline(hazard_id, estimate, result, actor):
    """workcal's handler: move a deadline counted with the fallback to the official count. False when
    the hazard no longer carries that deadline (closed, extended, re-planned)."""
    for _attempt in range(3):
        hazard = Hazard.objects.filter(pk=hazard_id).first()
        if (hazard is None or hazard.state not in OPEN_STATES or hazard.deadline != estimate.estimated_date
                or hazard.deadline_basis != DeadlineBasis.WEEKDAYS):
            return False
        before = snapshot(hazard, fields=AUDIT_FIELDS + ["deadline_basis", "deadline_note"])
        basis = DeadlineBasis.WEEKDAYS if result.estimated else DeadlineBasis.OFFICIAL
        changes = {"deadline": result.date, "deadline_basis": basis, "deadline_note": result.note}
        if Hazard.objects.filter(pk=hazard.pk, version=hazard.version).update(
                **changes, version=F("version") + 1, updated_at=clock.now()) == 1:
            break
    else:
        return False
    hazard.refresh_from_db()
    HazardEvent.objects.create(hazard=hazard, action="deadline_recompute", from_state=hazard.state,
                               to_state=hazard.state, actor=actor if getattr(actor, "pk", None) else None,
                               actor_name=getattr(actor, "display_name", "系统") if actor else "系统",
                               reason="官方节假日安排已录入，整改时限按官方工作日历重新计算",
                               data={"from": str(estimate.estimated_date), "to": str(result.date)})
    record("hazard_deadline_recompute", hazard, actor=actor, before=before,
           after=snapshot(hazard, fields=AUDIT_FIELDS + ["deadline_basis", "deadline_note"]))
    notices.after_change(hazard, "deadline_recompute")
    return True


def _funds(value):
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))
    except decimal.InvalidOperation as exc:
        raise ServiceError("funds.format", "整改资金应为金额(元)。", field="funds") from exc
    if amount < 0:
        raise ServiceError("funds.negative", "整改资金不能为负数。", field="funds")
    return amount


def _criterion(data, grade):
    if grade != Grade.MAJOR:
        return None
    raw = data.get("criterion")
    criterion = MajorHazardCriterion.objects.filter(pk=raw, active=True).first() if str(raw or "").isdigit() else None
    if criterion is None:
        raise ServiceError("criterion.required", "重大隐患须选择所符合的判定标准条目。", field="criterion")
    return criterion


# --- report -----------------------------------------------------------------------------


REPORT_ENTERPRISE_FIELDS = ("name", "region_code", "scope_path", "grid", "operating_region", "category")


def _place(data, actor):
    """(enterprise, grid, town, scope_path, region_code) from the enterprise or the grid."""
    enterprise = None
    if role_of(actor) == Role.ENTERPRISE:
        enterprise = actor.enterprise
        if enterprise is None:
            raise PermissionDenied("您的账号未关联生产经营单位。")
    elif data.get("enterprise") not in (None, ""):
        # Only what a report reads (the enterprise row has ~40 columns): phones report all day.
        found = list(Enterprise.objects.restrict(actor, "view").filter(pk=data["enterprise"], voided_at__isnull=True)
                     .only(*REPORT_ENTERPRISE_FIELDS)[:1])
        enterprise = found[0] if found else None
        if enterprise is None:
            raise ServiceError("enterprise.unknown", "生产经营单位不存在或不在您的辖区内。", field="enterprise")
    if enterprise is not None:
        grid, town = grid_and_town(enterprise.grid_id) if enterprise.grid_id else (
            None, region_town(enterprise.operating_region_id))
        return enterprise, grid, town, enterprise.scope_path, enterprise.region_code
    grid_id = grid_in_scope(actor, data.get("grid") or "")
    if grid_id is None:
        raise ServiceError("grid.required", "无主场所的隐患须选择所在网格(或选择生产经营单位)。", field="grid")
    if not (data.get("location") or "").strip():
        raise ServiceError("location.required", "无主场所的隐患须填写位置描述。", field="location")
    grid, town = grid_and_town(grid_id)
    return None, grid, town, grid.path, grid.region_code


def grid_in_scope(actor, code):
    """The id of the grid with `code` in the actor's jurisdiction, or None; cached per process by
    role and jurisdiction (core.refcache) until any grid changes."""
    def load():
        return (Grid.objects.restrict(actor, "view").filter(code=code, voided_at__isnull=True)
                .values_list("pk", flat=True).first())

    key = ("grid_in_scope", actor.is_active, actor.is_superuser, role_of(actor), tuple(actor.scope_paths()),
           code)
    return refcache.get(key, ("regions_grid",), load, keep_none=False)


def grid_and_town(grid_id):
    """A grid (outline not loaded) and its town, cached per process (core.refcache)."""
    def load():
        grid = (Grid.objects.select_related("region__parent")
                .defer("polygon", "region__polygon", "region__parent__polygon").get(pk=grid_id))
        return grid, _town(grid.region)

    return refcache.get(("grid_and_town", grid_id), ("regions_grid", "regions_region"), load)


def region_town(region_id):
    """The town of a region (itself, or its parent for a village), cached per process."""
    def load():
        return _town(Region.objects.select_related("parent").defer("polygon", "parent__polygon").get(pk=region_id))

    return refcache.get(("region_town", region_id), ("regions_region",), load)


def _town(region):
    return region.parent if region.level == RegionLevel.VILLAGE else region


def _coordinates(data):
    lon, lat = data.get("lon"), data.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise ServiceError("coordinates.format", "经纬度应为数字。", field="lon") from exc
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise ServiceError("coordinates.range", "坐标不在中国境内。", field="lon")
    return lon, lat


RECURRENCE_SQL = ("SELECT id FROM hazards_hazard WHERE enterprise_id = %s AND hazard_type_id = %s AND state = %s"
                  " AND closed_at >= %s ORDER BY closed_at DESC LIMIT 1")


def find_recurrence(enterprise, hazard_type, today=None):
    """The id of the latest closed hazard of the same type at the same enterprise closed within the
    window (local dates). Hand-written SQL: every report at an enterprise asks, and the ORM's query
    building cost more than the indexed look-up."""
    if enterprise is None:
        return None
    days = getattr(settings, "SAFEGRID_RECURRENCE_WINDOW_DAYS", 365)
    since = (today or clock.today()) - datetime.timedelta(days=days)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    with connection.cursor() as cursor:
        cursor.execute(RECURRENCE_SQL, [enterprise.pk, hazard_type.pk, State.CLOSED,
                                        connection.ops.adapt_datetimefield_value(start)])
        row = cursor.fetchone()
    return row[0] if row else None


def _hazard_type(value):
    value = value or ""

    def load():
        return (HazardType.objects.filter(code=value, active=True).first()
                or HazardType.objects.filter(name=value, active=True).first())

    return refcache.get(("hazard_type", value), ("hazards_hazardtype",), load)


def responsible(enterprise):
    """registry's lead and cooperating departments of the enterprise's county and category, cached
    per process (core.refcache): every report at an enterprise asks for them."""
    def load():
        found = responsible_departments(enterprise)
        return {key: found[key] for key in ("lead", "cooperating", "territorial_fallback")}

    return refcache.get(("responsible", enterprise.region_code, enterprise.category_id), RULE_TABLES, load)


def report_hazard(data, *, actor, before_photos=(), after_photos=(), today=None):
    """上报. Fix-on-the-spot hazards come with an after-photo and go straight to acceptance.

    Checks and look-ups read before the transaction, so SQLite's write lock is held only for the writes.
    The hazard comes back with its timeline, photos, close-out steps and cooperating departments
    already loaded from what was written.
    """
    _allow("report", actor)
    check_on_duty(actor)
    enterprise, grid, town, scope_path, region_code = _place(data, actor)
    hazard_type = _hazard_type(data.get("hazard_type"))
    if hazard_type is None:
        raise ServiceError("hazard_type.unknown", "请选择隐患类型。", field="hazard_type")
    description = (data.get("description") or "").strip()
    if not description:
        raise ServiceError("description.required", "请填写隐患描述。", field="description")
    default_source = Source.SELF_INSPECTION if role_of(actor) == Role.ENTERPRISE else Source.GRID_PATROL
    source = _choice(data.get("source"), Source, "source", "来源", default_source)
    grade = _choice(data.get("grade"), Grade, "grade", "等级", Grade.GENERAL)
    handling = _choice(data.get("handling"), Handling, "handling", "治理方式", Handling.BY_DEADLINE)
    criterion = _criterion(data, grade)
    if handling == Handling.ON_SPOT and grade == Grade.MAJOR:
        raise ServiceError("handling.major_on_spot", "重大隐患不能即查即改，须限期整改并执行销号五步法。", field="handling")
    if handling == Handling.ON_SPOT and not after_photos:
        raise ServiceError("photos.after_required", "即查即改须上传整改后照片。", field="after_photos")
    lon, lat = _coordinates(data)
    checked_before, checked_after = photos.validate_all(before_photos), photos.validate_all(after_photos)
    for checked in (checked_before, checked_after):
        if len(checked) > photos.max_count():
            raise ServiceError("photo.too_many", f"每类照片最多 {photos.max_count()} 张。", field="photos")
    found = responsible(enterprise) if enterprise else None
    hazard = Hazard(
        enterprise=enterprise, grid=grid, town=town, scope_path=scope_path, region_code=region_code,
        location=(data.get("location") or "")[:300], lon=lon, lat=lat, source=source, hazard_type=hazard_type,
        description=description, grade=grade, criterion=criterion, handling=handling,
        state=State.SUBMITTED if handling == Handling.ON_SPOT else State.REPORTED,
        lead_department=found["lead"] if found else None,
        territorial_fallback=found["territorial_fallback"] if found else True,
        rectification_description=(data.get("rectification_description") or "").strip(),
        reporter=actor, reported_at=clock.now(), recurrence_of_id=find_recurrence(enterprise, hazard_type, today),
    )
    cooperating = found["cooperating"] if found else []
    with transaction.atomic():
        hazard.save(force_insert=True)
        if cooperating:
            hazard.cooperating_departments.set(cooperating)
        stored = (photos.store(hazard, PhotoKind.BEFORE, checked_before, actor)
                  + photos.store(hazard, PhotoKind.AFTER, checked_after, actor))
        data_log = {"recurrence_of": hazard.recurrence_of_id} if hazard.recurrence_of_id else {}
        event = _log(hazard, "report", actor, "", data=data_log)
    # The relations as just written, in Django's prefetch cache: the caller's answer reads them
    # without four queries. Later changes work on a fresh instance (_fresh).
    hazard._prefetched_objects_cache = {"events": [event], "photos": stored, "closeout_steps": [],
                                        "cooperating_departments": list(cooperating)}
    return hazard


# --- transitions ------------------------------------------------------------------------


def _fresh(hazard):
    """Work on the row as stored now, so the state check sees other writers' changes."""
    return Hazard.objects.get(pk=hazard.pk)


@transaction.atomic
def confirm(hazard, *, actor, version, grade=None, criterion=None, reason=""):
    hazard = _fresh(hazard)
    changes = {}
    if grade:
        changes["grade"] = _choice(grade, Grade, "grade", "等级")
        changes["criterion"] = _criterion({"criterion": criterion}, changes["grade"])
        if changes["grade"] == Grade.MAJOR and hazard.handling == Handling.ON_SPOT:
            changes["handling"] = Handling.BY_DEADLINE
    return _transition(hazard, "confirm", actor, version, changes, reason)


@transaction.atomic
def reject(hazard, *, actor, version, reason):
    hazard = _fresh(hazard)
    return _transition(hazard, "reject", actor, version, {}, _reason(reason, "reject"))


@transaction.atomic
def merge(hazard, *, actor, version, target, reason=""):
    hazard = _fresh(hazard)
    if target is None or target.pk == hazard.pk:
        raise ServiceError("merge.target", "请选择另一条隐患作为合并目标。", field="target")
    if target.state in (State.MERGED, State.REJECTED, State.VOIDED) or target.region_code != hazard.region_code:
        raise ServiceError("merge.target_state", "合并目标须为本区县内有效的隐患。", field="target")
    return _transition(hazard, "merge", actor, version, {"merged_into": target}, reason,
                       {"target": target.pk})


@transaction.atomic
def assign(hazard, *, actor, version, department=None, reason=""):
    """交办 to a department of the county, or (no department) to the town office: 属地兜底."""
    hazard = _fresh(hazard)
    if department is not None and (department.region_code != hazard.region_code or department.voided_at):
        raise ServiceError("department.other_county", "只能交办给本区县的行业主管部门。", field="department")
    changes = {"assigned_department": department, "assigned_by_role": role_of(actor)}
    return _transition(hazard, "assign", actor, version, changes, reason,
                       {"department": department.name if department else None, "town": hazard.town.name})


@transaction.atomic
def plan(hazard, *, actor, version, data, today=None):
    """五定: responsible person, measures, funds, deadline, contingency plan. All required for major."""
    hazard = _fresh(hazard)
    _check_department(hazard, actor)
    changes = {field: (data.get(field) or "").strip() for field in ("responsible_person", "measures",
                                                                    "contingency_plan")}
    changes["funds"] = _funds(data.get("funds"))
    deadline = resolve_deadline(data, today)
    if deadline:
        changes["deadline"], changes["deadline_basis"], changes["deadline_note"] = deadline[:3]
    required = list(PLAN_FIELDS) if hazard.is_major else ["responsible_person", "measures", "deadline"]
    missing = [f for f in required if changes.get(f) in (None, "")]
    if missing:
        label = "重大隐患须落实五定" if hazard.is_major else "整改方案须填写"
        errors = [{"code": f"{f}.required", "field": f, "message": f"{label}：{PLAN_FIELDS[f]}不能为空。"}
                  for f in missing]
        raise ServiceError(errors[0]["code"], errors[0]["message"], field=missing[0], errors=errors)
    changes["responsible_person"] = changes["responsible_person"][:50]
    hazard = _transition(hazard, "plan", actor, version, changes,
                         data={"deadline": str(changes["deadline"]), "note": changes.get("deadline_note", "")})
    _track_deadline(hazard, deadline[3])
    return hazard


@transaction.atomic
def submit(hazard, *, actor, version, description, after_photos=()):
    hazard = _fresh(hazard)
    _check_department(hazard, actor)
    description = (description or "").strip()
    if not description:
        raise ServiceError("description.required", "请填写整改情况说明。", field="description")
    checked = photos.validate_all(after_photos)
    if not checked and not hazard.photos.filter(kind=PhotoKind.AFTER).exists():
        raise ServiceError("photos.after_required", "提交验收须上传整改后照片。", field="after_photos")
    photos.check_count(hazard, PhotoKind.AFTER, len(checked))
    _allow("submit", actor)
    check_on_duty(actor)
    before, before_state = snapshot(hazard, fields=AUDIT_FIELDS), hazard.state
    _cas(hazard, "submit", version, {"rectification_description": description}, State.SUBMITTED)
    stored = photos.store(hazard, PhotoKind.AFTER, checked, actor)
    _log(hazard, "submit", actor, before_state, description, {"photos": [p.pk for p in stored]}, before)
    return hazard


def _check_department(hazard, actor):
    """A department acts only on hazards assigned to it."""
    if role_of(actor) == Role.DEPARTMENT and hazard.assigned_department_id != actor.department_id:
        raise PermissionDenied("该隐患未交办给您的部门。")


def _check_acceptor(hazard, actor, name):
    _allow(name, actor)
    _check_department(hazard, actor)
    if hazard.handling == Handling.ON_SPOT and role_of(actor) == Role.DEPARTMENT:
        raise PermissionDenied("即查即改的隐患由网格所在乡镇(街道)验收。")


@transaction.atomic
def accept(hazard, *, actor, version, reason=""):
    hazard = _fresh(hazard)
    _check_acceptor(hazard, actor, "accept")
    if hazard.is_major:
        done = set(hazard.closeout_steps.values_list("step", flat=True))
        missing = [CloseOutStep(s).label for s in STEPS_BEFORE_ACCEPTANCE if s not in done]
        if missing and hazard.state in RULES["accept"].sources:
            raise ServiceError("closeout.steps_missing", f"重大隐患销号前须完成：{'、'.join(missing)}。", field="steps")
    changes = {"closed_at": clock.now()}
    hazard = _transition(hazard, "accept", actor, version, changes, reason)
    if hazard.is_major:
        CloseOutRecord.objects.create(hazard=hazard, step=CloseOutStep.ACCEPTANCE, note=reason, actor=actor)
    return hazard


@transaction.atomic
def send_back(hazard, *, actor, version, reason):
    hazard = _fresh(hazard)
    _check_acceptor(hazard, actor, "send_back")
    changes = {}
    if hazard.handling == Handling.ON_SPOT:
        # A failed on-the-spot fix becomes an ordinary deadline case.
        changes["handling"] = Handling.BY_DEADLINE
    return _transition(hazard, "send_back", actor, version, changes, _reason(reason, "send_back"))


@transaction.atomic
def extend(hazard, *, actor, version, data, reason, today=None):
    """One extension, with a reason, approved by the county office or the assigning unit."""
    hazard = _fresh(hazard)
    _allow("extend", actor)
    if role_of(actor) == Role.TOWN_OFFICE and hazard.assigned_by_role != Role.TOWN_OFFICE:
        raise PermissionDenied("延期须由区县安委办或交办单位批准。")
    reason = _reason(reason, "extend")
    if hazard.original_deadline is not None:
        raise ServiceError("extend.once", "整改时限只能延期一次。", field="deadline")
    deadline = resolve_deadline(data, today)
    if deadline is None:
        raise ServiceError("deadline.required", "请填写延期后的整改时限。", field="deadline")
    if hazard.deadline and deadline[0] <= hazard.deadline:
        raise ServiceError("deadline.not_later", "延期后的时限须晚于原时限。", field="deadline")
    changes = {"original_deadline": hazard.deadline, "deadline": deadline[0], "deadline_basis": deadline[1],
               "deadline_note": deadline[2], "extension_reason": reason[:500], "extension_approver": actor}
    hazard = _transition(hazard, "extend", actor, version, changes, reason,
                         {"from": str(hazard.deadline), "to": str(deadline[0])})
    _track_deadline(hazard, deadline[3])
    return hazard


@transaction.atomic
def void_hazard(hazard, *, actor, version, reason):
    hazard = _fresh(hazard)
    reason = _reason(reason, "void")
    changes = {"voided_at": clock.now(), "voided_by": actor, "void_reason": reason[:500]}
    return _transition(hazard, "void", actor, version, changes, reason)


STEP_ROLES = {
    CloseOutStep.SELF_RECTIFICATION: frozenset({A, C, T, D, E}),
    CloseOutStep.EXPERT_VERIFICATION: frozenset({A, C, T, D}),
    CloseOutStep.GOVERNMENT_SUPERVISION: frozenset({A, C, T, D}),
    CloseOutStep.ACCOUNTABILITY_REVIEW: frozenset({A, C}),
}


@transaction.atomic
def record_closeout_step(hazard, *, actor, step, note):
    """销号五步法: steps 1–3 before acceptance; accountability review after close-out."""
    hazard = _fresh(hazard)
    _allow("closeout_step", actor)
    if not hazard.is_major:
        raise ServiceError("closeout.not_major", "销号五步法仅适用于重大隐患。", field="step")
    step = _choice(step, CloseOutStep, "step", "销号步骤")
    if step == CloseOutStep.ACCEPTANCE:
        raise ServiceError("closeout.acceptance", "验收销号请使用“验收”操作。", field="step")
    if role_of(actor) not in STEP_ROLES[step]:
        raise PermissionDenied(f"您的角色无权记录“{CloseOutStep(step).label}”。")
    after_close = step == CloseOutStep.ACCOUNTABILITY_REVIEW
    if after_close != (hazard.state == State.CLOSED) or hazard.state not in RULES["closeout_step"].sources:
        raise Conflict(f"当前状态为“{hazard.get_state_display()}”，不能记录“{CloseOutStep(step).label}”。",
                       current=current_state(hazard.pk), code="state.invalid")
    if hazard.closeout_steps.filter(step=step).exists():
        raise Conflict(f"“{CloseOutStep(step).label}”已记录。", current=current_state(hazard.pk),
                       code="closeout.duplicate")
    note = (note or "").strip()
    if not note:
        raise ServiceError("note.required", "请填写该步骤的情况说明。", field="note")
    entry = CloseOutRecord.objects.create(hazard=hazard, step=step, note=note, actor=actor)
    _log(hazard, f"step_{step}", actor, hazard.state, note, {"step": step})
    return entry


@transaction.atomic
def add_photos(hazard, *, actor, kind, files):
    """Extra photos or evidence on an open hazard (e.g. the enterprise's rectification material)."""
    hazard = _fresh(hazard)
    if role_of(actor) == Role.LEADER:
        raise PermissionDenied("您的角色无权上传材料。")
    if hazard.state not in OPEN_STATES:
        raise Conflict(f"当前状态为“{hazard.get_state_display()}”，不能再上传材料。", current=current_state(hazard.pk),
                       code="state.invalid")
    kind = _choice(kind, PhotoKind, "kind", "照片类别", PhotoKind.EVIDENCE)
    checked = photos.validate_all(files)
    if not checked:
        raise ServiceError("photos.required", "请选择要上传的照片。", field="photos")
    photos.check_count(hazard, kind, len(checked))
    stored = photos.store(hazard, kind, checked, actor)
    HazardEvent.objects.create(hazard=hazard, action="photos", from_state=hazard.state, to_state=hazard.state,
                               actor=actor, actor_name=actor.display_name,
                               data={"kind": kind, "photos": [p.pk for p in stored]})
    record("hazard_photos", hazard, actor=actor, after={"kind": kind, "photos": [p.pk for p in stored]})
    return stored


def county_department(region_code, name_or_id):
    qs = Department.objects.filter(region_code=region_code, voided_at__isnull=True)
    value = str(name_or_id or "").strip()
    return (qs.filter(pk=value).first() if value.isdigit() else None) or qs.filter(name=value).first()


# --- hazard types (系统管理 › 基础数据) -----------------------------------------------------------


HAZARD_TYPE_FIELDS = ["code", "name", "sort", "active"]


def _check_reference_editor(actor):
    if actor is not None and role_of(actor) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以修改基础数据。", code="reference.not_editor")


def hazard_type_in_use(hazard_type):
    from safegrid.inspections.models import ChecklistItem

    return (Hazard.objects.filter(hazard_type=hazard_type).exists()
            or ChecklistItem.objects.filter(hazard_type=hazard_type).exists())


@transaction.atomic
def create_hazard_type(*, actor, code, name, sort=None):
    _check_reference_editor(actor)
    code, name = (code or "").strip(), (name or "").strip()[:50]
    if not code or len(code) > 40 or not code.replace("_", "").isalnum() or not code.isascii():
        raise ServiceError("hazard_type.code", "代码须为 1-40 位字母、数字或下划线。", field="code")
    if not name:
        raise ServiceError("hazard_type.name_required", "请填写隐患类型名称。", field="name")
    if HazardType.objects.filter(code=code).exists() or HazardType.objects.filter(name=name).exists():
        raise ServiceError("hazard_type.taken", "隐患类型代码或名称已存在。", field="name")
    if sort is None:
        sort = (HazardType.objects.order_by("-sort").values_list("sort", flat=True).first() or 0) + 1
    hazard_type = HazardType.objects.create(code=code, name=name, sort=sort)
    record("hazard_type_create", hazard_type, actor=actor, region_code="",
           after=snapshot(hazard_type, fields=HAZARD_TYPE_FIELDS))
    return hazard_type


@transaction.atomic
def update_hazard_type(hazard_type, *, actor, name=None, sort=None, active=None):
    """Rename only while unused (hazards keep the type name they were reported with); otherwise
    retire it and create a new type."""
    _check_reference_editor(actor)
    before = snapshot(hazard_type, fields=HAZARD_TYPE_FIELDS)
    if name is not None and name.strip() != hazard_type.name:
        if hazard_type_in_use(hazard_type):
            raise ServiceError("hazard_type.in_use", "已有隐患或检查项使用该类型，不能改名；请停用后新建。", field="name")
        if not name.strip() or HazardType.objects.filter(name=name.strip()).exclude(pk=hazard_type.pk).exists():
            raise ServiceError("hazard_type.taken", "名称为空或已存在。", field="name")
        hazard_type.name = name.strip()[:50]
    if sort is not None:
        hazard_type.sort = sort
    if active is not None:
        hazard_type.active = bool(active)
    hazard_type.save()
    record("hazard_type_update", hazard_type, actor=actor, region_code="", before=before,
           after=snapshot(hazard_type, fields=HAZARD_TYPE_FIELDS))
    return hazard_type
