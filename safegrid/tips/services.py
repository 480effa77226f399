"""Every change to a tip: submission (web or Open311), routing, duplicates and merging, the
handling steps, public replies, identity reveal, rewards, partners and key rotation.

Transitions are compare-and-set on (state, version); each writes a TipEvent and an audit event
whose before/after never hold the identity, the tracking code or payment details.
"""

import datetime
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from PIL import ImageOps

from safegrid.audit.services import record, snapshot
from safegrid.core import context, refcache
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.core.workflow import Rule
from safegrid.hazards import clock, photos
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import Source
from safegrid.regions.models import Region, RegionLevel
from safegrid.registry import validation
from safegrid.registry.models import Enterprise, SafetyCategory
from safegrid.workcal import estimates
from safegrid.workcal.calendar import add_working_days

from . import abuse, codes, crypto, duplicates, notices, rewards, routing
from .models import (
    HANDLERS,
    OPEN_STATES,
    Channel,
    IdentityAccessGrant,
    Partner,
    Reward,
    RewardState,
    State,
    Tip,
    TipEvent,
    TipPhoto,
)

logger = logging.getLogger("safegrid.tips")

# What the audit trail may hold of a tip: never identity_token or tracking_hash.
AUDIT_FIELDS = ["public_id", "channel", "partner", "address", "lon", "lat", "occurred_at", "enterprise_name",
                "enterprise", "category", "anonymous", "grid", "town", "department", "territorial_fallback",
                "state", "version", "deadline", "merged_into", "major", "fine", "hazard", "no_hazard_reason",
                "closed_at"]
REWARD_AUDIT_FIELDS = ["tip", "fine", "amount", "rule", "state", "version", "approved_at", "claimed_at", "paid_at",
                       "payment_reference"]
MAX_TEXT = 5000
IDENTITY_FIELDS = ("name", "mobile", "email")


RULES = {
    "accept": Rule("受理", (State.RECEIVED,), State.ACCEPTED, HANDLERS),
    "reject": Rule("不予受理", (State.RECEIVED,), State.REJECTED, HANDLERS),
    "verify": Rule("查证", (State.ACCEPTED,), None, HANDLERS),
    "hazard": Rule("转为隐患", (State.VERIFIED,), None, HANDLERS),
    "no_hazard": Rule("记录未建隐患原因", (State.VERIFIED,), None, HANDLERS),
    "close": Rule("办结", (State.VERIFIED, State.UNFOUNDED), State.CLOSED, HANDLERS),
    "merge": Rule("合并", (State.RECEIVED, State.ACCEPTED), State.MERGED, HANDLERS),
    "reassign": Rule("改派", OPEN_STATES, None, HANDLERS),
    "reply": Rule("答复举报人", (*OPEN_STATES, State.CLOSED), None, HANDLERS),
}
# Timeline labels the reporter sees on the tracking page.
PUBLIC_LABELS = {
    "submit": "举报已提交", "accept": "已受理", "reject": "不予受理", "verify_founded": "经查证属实",
    "verify_unfounded": "经查证不属实", "close": "已办结", "merge": "已与同一事项的其他举报合并办理",
    "reply": "答复", "reward_approved": "奖励已批准，可凭查询码申领", "reward_claimed": "奖励申领已提交",
    "reward_paid": "奖励已发放",
}


def role_of(user):
    return Role.ADMIN if user.is_superuser else user.role


def _allow(name, actor):
    if role_of(actor) not in RULES[name].roles:
        raise PermissionDenied(f"您的角色无权执行“{RULES[name].label}”。")


def _text(value, field, label, required=True, limit=MAX_TEXT):
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"{field}.required", f"请填写{label}。", field=field)
    if len(value) > limit:
        raise ServiceError(f"{field}.too_long", f"{label}不能超过 {limit} 字。", field=field)
    return value


def _field_error(exc, field):
    return ServiceError(exc.code, exc.message, field=field)


# --- submission ---------------------------------------------------------------------------------


@dataclass
class Submitted:
    tip: Tip
    tracking_code: str


def _category(value):
    value = str(value or "").strip()
    if not value or value == "other":
        return None

    def load():
        return SafetyCategory.objects.filter(code=value).first() or SafetyCategory.objects.filter(name=value).first()

    found = refcache.get(("tip_category", value), ("registry_safetycategory",), load)
    if found is None:
        raise ServiceError("category.unknown", "举报类别无效，请从列表中选择。", field="category")
    return found


def _occurred_at(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ServiceError("occurred_at.format", "发现时间格式应为 YYYY-MM-DD HH:MM。", field="occurred_at") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > clock.now() + datetime.timedelta(minutes=10):
        raise ServiceError("occurred_at.future", "发现时间不能晚于现在。", field="occurred_at")
    return moment


@sensitive_variables("data", "identity", "name", "mobile", "email", "phone", "values")
def _identity(data, anonymous):
    """The reporter's identity, checked, or {} when anonymous. Messages never repeat the values."""
    if anonymous:
        return {}
    name = _text(data.get("name"), "name", "姓名", limit=50)
    try:
        mobile = validation.mobile(data.get("mobile"), "手机号")
    except validation.FieldError as exc:
        raise _field_error(exc, "mobile") from exc
    email = _text(data.get("email"), "email", "电子邮箱", required=False, limit=200)
    phone = _text(data.get("phone"), "phone", "联系电话", required=False, limit=30)  # Open311: landlines too
    if not (mobile or email or phone):
        raise ServiceError("mobile.required", "实名举报请填写手机号，以便核实和反馈。", field="mobile")
    values = {"name": name, "mobile": mobile, "email": email, "phone": phone}
    return {key: value for key, value in values.items() if value}


def _place(data):
    try:
        lon, lat = validation.coordinates(data.get("lon"), data.get("lat"))
    except validation.FieldError as exc:
        raise _field_error(exc, "lon") from exc
    address = _text(data.get("address"), "address", "地点描述", required=False, limit=300)
    if lon is None and not address:
        raise ServiceError("location.required", "请在地图上选点、使用手机定位，或填写地点描述。", field="location")
    return lon, lat, address


def _county(value):
    code = str(value or "").strip()
    if not code:
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY, voided_at__isnull=True)[:2])
        return counties[0] if len(counties) == 1 else None
    return routing.county_by_code(code)


def _enterprise(name, county):
    if not name or county is None:
        return None
    return Enterprise.objects.filter(region_code=county.code[:6], name=name, voided_at__isnull=True).first()


def response_deadline(today):
    """(date, note): calendar days by default, working days when configured."""
    result = response_count(today)
    if result is not None:
        return result.date, result.note
    return today + datetime.timedelta(days=settings.SAFEGRID_TIP_RESPONSE_DAYS), ""


def response_count(today):
    """The working-day count of the reply deadline (a WorkingDate), or None when calendar days apply."""
    if settings.SAFEGRID_TIP_RESPONSE_WORKING_DAYS:
        return add_working_days(today, settings.SAFEGRID_TIP_RESPONSE_DAYS)
    return None


def recompute_deadline(tip_id, estimate, result, actor):
    """workcal's handler: move a reply deadline counted with the fallback to the official count.
    False when the tip no longer carries that deadline (answered or closed)."""
    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None or tip.state not in OPEN_STATES or tip.deadline != estimate.estimated_date:
        return False
    before = {"deadline": str(tip.deadline), "deadline_note": tip.deadline_note}
    if Tip.objects.filter(pk=tip.pk, version=tip.version).update(
            deadline=result.date, deadline_note=result.note, version=F("version") + 1, updated_at=clock.now()) != 1:
        return False
    tip.refresh_from_db()
    _event(tip, "deadline_recompute", actor, tip.state, note="官方节假日安排已录入，答复期限按官方工作日历重新计算",
           data={"from": str(estimate.estimated_date), "to": str(result.date)})
    record("tip_deadline_recompute", tip, actor=actor, before=before,
           after={"deadline": str(tip.deadline), "deadline_note": tip.deadline_note})
    notices.after_change(tip, "deadline_recompute")
    return True


def check_photos(uploads):
    """The hazards' photo checks (content, size); the count limit of tips."""
    uploads = list(uploads or [])
    if len(uploads) > settings.SAFEGRID_TIP_PHOTO_MAX_COUNT:
        raise ServiceError("photo.too_many", f"最多上传 {settings.SAFEGRID_TIP_PHOTO_MAX_COUNT} 张照片。",
                           field="photos")
    return photos.validate_all(uploads)


@sensitive_variables("data", "identity")
def submit_tip(data, *, uploads=(), channel=Channel.WEB, partner=None, client_ip=None):
    """举报. Returns Submitted(tip, tracking_code); the code is shown once and stored only hashed.

    Checks and routing read before the transaction, so SQLite's write lock is held only for the writes.
    """
    anonymous = str(data.get("anonymous", "1")).lower() in {"1", "true", "on", "yes"}
    identity = _identity(data, anonymous)
    description = _text(data.get("description"), "description", "举报内容")
    lon, lat, address = _place(data)
    category = _category(data.get("category"))
    occurred_at = _occurred_at(data.get("occurred_at"))
    enterprise_name = _text(data.get("enterprise_name"), "enterprise_name", "被举报单位名称", False, 200)
    checked = check_photos(uploads)
    if partner is not None:
        if not abuse.exempt(client_ip):
            abuse.hit("submit_partner", partner.pk)
    else:
        abuse.check_submission(client_ip, identity.get("mobile", ""))
    county = _county(data.get("county"))
    enterprise = _enterprise(enterprise_name, county)
    route = routing.suggest(lon=lon, lat=lat, county=county, category=category, enterprise=enterprise)
    if route is None:
        raise ServiceError("county.required", "所选位置不在本平台的网格内，请选择所在区县。", field="county")
    today = clock.today()
    count = response_count(today)
    deadline, note = response_deadline(today)
    code = codes.new_tracking_code()
    tip = Tip(
        region_code=route.county.code[:6], public_id=codes.new_public_id(), tracking_hash=codes.tracking_hash(code),
        channel=channel, partner=partner, description=description, address=address, lon=lon, lat=lat,
        occurred_at=occurred_at, enterprise_name=enterprise_name,
        enterprise_key=duplicates.enterprise_key(enterprise_name), enterprise=enterprise, category=category,
        media_url=(data.get("media_url") or "")[:500], anonymous=not identity,
        identity_token=crypto.encrypt(identity), grid=route.grid, town=route.town, department=route.department,
        territorial_fallback=route.territorial_fallback, scope_path=route.scope_path, deadline=deadline,
        deadline_note=note,
    )
    tip.duplicate_candidates = duplicates.find(
        region_code=tip.region_code, lon=lon, lat=lat, category_id=tip.category_id,
        enterprise_key=tip.enterprise_key, description=description, now=clock.now())
    with transaction.atomic():
        tip.save(force_insert=True)
        _store_photos(tip, checked)
        _event(tip, "submit", None, "", data={"suggested": route.describe(),
                                            "duplicates": [c["public_id"] for c in tip.duplicate_candidates]})
        _audit_anonymously(tip)
        if count is not None and count.estimated:
            estimates.track(tip, start=today, working_days=settings.SAFEGRID_TIP_RESPONSE_DAYS, result=count,
                            scope_path=tip.scope_path, link=f"/tips/{tip.pk}/")
        notices.after_change(tip, "submit")
    return Submitted(tip, code)


def _audit_anonymously(tip):
    """The submission's audit event without the reporter's IP address (a whistleblower's trace)."""
    ctx = context.current()
    token = context.set_current(context.RequestContext(request_id=ctx.request_id, client_ip=None))
    try:
        record("tip_submit", tip, actor=AnonymousUser(), after=snapshot(tip, fields=AUDIT_FIELDS))
    finally:
        context.reset(token)


def _store_photos(tip, checked):
    """Re-encoded without metadata: EXIF can carry the phone's owner and serial number."""
    for _upload, _data, image in checked:
        taken, gps_lon, gps_lat = photos.exif_facts(image)
        clean = ImageOps.exif_transpose(image).convert("RGB")
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=88)
        photo = TipPhoto(tip=tip, content_type="image/jpeg", size=out.tell(), width=clean.width,
                         height=clean.height, taken_at=taken, gps_lon=gps_lon, gps_lat=gps_lat)
        photo.file.save(f"t{tip.pk}.jpg", ContentFile(out.getvalue()), save=False)
        photo.save()


# --- transitions ---------------------------------------------------------------------------------


def _event(tip, action, actor, from_state, note="", public_text="", data=None):
    return TipEvent.objects.create(
        tip=tip, action=action, from_state=from_state or "", to_state=tip.state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "display_name", "") if actor else "", note=note, public_text=public_text,
        data=data or {})


def current_state(tip_id):
    row = Tip.objects.filter(pk=tip_id).values("state", "version").first()
    if row is None:
        return None
    return {"state": row["state"], "state_display": State(row["state"]).label, "version": row["version"]}


def _fresh(tip):
    return Tip.objects.get(pk=tip.pk)


def _cas(tip, name, version, changes, target):
    rule = RULES[name]
    if tip.state not in rule.sources:
        raise Conflict(f"当前状态为“{tip.get_state_display()}”，不能执行“{rule.label}”。",
                       current=current_state(tip.pk), code="state.invalid")
    values = {**changes, "version": F("version") + 1, "updated_at": clock.now()}
    if target is not None:
        values["state"] = target
    if Tip.objects.filter(pk=tip.pk, state=tip.state, version=version).update(**values) != 1:
        raise Conflict("该举报已被他人处理或修改，请刷新后重试。", current=current_state(tip.pk))
    tip.refresh_from_db()


def _transition(tip, name, actor, version, *, changes=None, target=None, note="", public_text="", data=None,
                action=None):
    _allow(name, actor)
    before, from_state = snapshot(tip, fields=AUDIT_FIELDS), tip.state
    _cas(tip, name, version, changes or {}, target if target is not None else RULES[name].target)
    _event(tip, action or name, actor, from_state, note, public_text, data)
    record(f"tip_{action or name}", tip, actor=actor, before=before, after=snapshot(tip, fields=AUDIT_FIELDS),
           reason=note[:500])
    return tip


@transaction.atomic
def accept(tip, *, actor, version, note=""):
    tip = _fresh(tip)
    return _transition(tip, "accept", actor, version, note=_text(note, "note", "说明", False))


@transaction.atomic
def reject(tip, *, actor, version, reason, public_reply):
    """不予受理 (not a safety matter, outside the county …): the reporter gets the reply."""
    tip = _fresh(tip)
    reason = _text(reason, "reason", "不予受理的原因")
    reply = _text(public_reply, "public_reply", "给举报人的答复")
    tip = _transition(tip, "reject", actor, version, changes={"closed_at": clock.now(), "outcome": reason},
                      note=reason, public_text=reply)
    notices.after_change(tip, "reject")
    return tip


@transaction.atomic
def verify(tip, *, actor, version, founded, finding, major=False):
    """查证: founded (属实, optionally a major hazard or violation: rewardable) or unfounded (不实)."""
    tip = _fresh(tip)
    finding = _text(finding, "finding", "查证情况")
    founded = bool(founded)
    target = State.VERIFIED if founded else State.UNFOUNDED
    return _transition(tip, "verify", actor, version, changes={"major": founded and bool(major)}, target=target,
                       note=finding, action="verify_founded" if founded else "verify_unfounded",
                       data={"major": founded and bool(major)})


@transaction.atomic
def create_hazard(tip, *, actor, version, hazard_type, description, grade="general", criterion=None):
    """转为隐患 through the hazards service (source 群众举报); photos go along without metadata."""
    tip = _fresh(tip)
    _allow("hazard", actor)
    if tip.hazard_id:
        raise Conflict("该举报已关联隐患。", current=current_state(tip.pk), code="tip.hazard_exists")
    if tip.state not in RULES["hazard"].sources:
        raise Conflict(f"当前状态为“{tip.get_state_display()}”，不能转为隐患。", current=current_state(tip.pk),
                       code="state.invalid")
    values = {"enterprise": tip.enterprise_id, "grid": tip.grid.code if tip.grid_id else "",
              "location": tip.address or (tip.grid.name if tip.grid_id else ""), "lon": tip.lon, "lat": tip.lat,
              "hazard_type": hazard_type, "description": _text(description, "description", "隐患描述"),
              "source": Source.PUBLIC_REPORT, "grade": grade, "criterion": criterion}
    files = [SimpleUploadedFile(f"tip{tip.pk}_{p.pk}.jpg", p.file.read(), "image/jpeg") for p in tip.photos.all()]
    hazard = hazard_services.report_hazard(values, actor=actor, before_photos=files[:photos.max_count()])
    return _transition(tip, "hazard", actor, version, changes={"hazard": hazard},
                       note=f"已转为隐患 #{hazard.pk}", data={"hazard": hazard.pk})


@transaction.atomic
def record_no_hazard(tip, *, actor, version, reason):
    """Why a founded tip became no hazard (violation punished, fixed on the spot …)."""
    tip = _fresh(tip)
    reason = _text(reason, "reason", "未建隐患的原因", limit=500)
    return _transition(tip, "no_hazard", actor, version, changes={"no_hazard_reason": reason}, note=reason)


@transaction.atomic
def close(tip, *, actor, version, outcome, public_reply):
    """办结 with the internal outcome and the reply the reporter reads."""
    tip = _fresh(tip)
    outcome = _text(outcome, "outcome", "处理结果")
    reply = _text(public_reply, "public_reply", "给举报人的答复")
    if tip.state == State.VERIFIED and not tip.hazard_id and not tip.no_hazard_reason:
        raise ServiceError("close.hazard_or_reason", "查证属实的举报须先转为隐患，或记录未建隐患的原因。",
                           field="hazard")
    tip = _transition(tip, "close", actor, version, changes={"outcome": outcome, "closed_at": clock.now()},
                      note=outcome, public_text=reply)
    notices.after_change(tip, "close")
    return tip


@transaction.atomic
def reply(tip, *, actor, version, public_reply):
    """A public reply (progress, a question answered) without a state change."""
    tip = _fresh(tip)
    text = _text(public_reply, "public_reply", "答复内容")
    return _transition(tip, "reply", actor, version, public_text=text)


@transaction.atomic
def reassign(tip, *, actor, version, town=None, department=None, reason):
    """改派 to another town office and/or department of the county, with a reason, kept in the history."""
    tip = _fresh(tip)
    reason = _text(reason, "reason", "改派原因", limit=500)
    county = routing.county_by_code(tip.region_code)
    if town is not None and (town.level != RegionLevel.TOWN or town.region_code != tip.region_code):
        raise ServiceError("town.other_county", "只能改派给本区县的乡镇(街道)。", field="town")
    if department is not None and (department.region_code != tip.region_code or department.voided_at):
        raise ServiceError("department.other_county", "只能改派给本区县的行业主管部门。", field="department")
    if town == tip.town and department == tip.department:
        raise ServiceError("route.unchanged", "改派目标与当前承办单位相同。", field="town")
    grid = tip.grid if tip.grid_id and routing.town_of(tip.grid.region) == town else None
    route = routing.Route(county, grid, town, department)
    before = {"town": tip.town.name if tip.town_id else None,
              "department": tip.department.name if tip.department_id else None}
    changes = {"town": town, "department": department, "territorial_fallback": route.territorial_fallback,
               "scope_path": route.scope_path}
    tip = _transition(tip, "reassign", actor, version, changes=changes, note=reason,
                      data={"from": before, "to": {"town": town.name if town else None,
                                                   "department": department.name if department else None}})
    notices.after_change(tip, "reassign")
    return tip


def case_of(tip):
    """The tip a merged tip follows (merges may chain)."""
    seen = set()
    while tip.merged_into_id and tip.pk not in seen:
        seen.add(tip.pk)
        tip = Tip.objects.get(pk=tip.merged_into_id)
    return tip


@transaction.atomic
def merge(tip, *, actor, version, target, reason=""):
    """合并: the tip keeps its reporter and tracking code and follows `target`'s case."""
    tip = _fresh(tip)
    if target is None:
        raise ServiceError("merge.target", "请选择要合并到的举报。", field="target")
    target = case_of(target)
    if target.pk == tip.pk or target.region_code != tip.region_code or target.state == State.MERGED:
        raise ServiceError("merge.target", "合并目标须为本区县另一件有效的举报。", field="target")
    return _transition(tip, "merge", actor, version, changes={"merged_into": target}, note=reason,
                       public_text="", data={"target": target.public_id})


# --- identity -------------------------------------------------------------------------------------


def may_reveal(user):
    return bool(user.is_authenticated and user.is_active and role_of(user) in HANDLERS | {Role.LEADER}
                and IdentityAccessGrant.objects.filter(user=user, revoked_at__isnull=True).exists())


@sensitive_variables("identity")
def reveal_identity(tip, *, actor, reason):
    """The reporter's identity for a granted user; every reveal is audited (without the values)."""
    if not may_reveal(actor):
        raise PermissionDenied("您未获得查看举报人身份的授权。", code="identity.not_granted")
    reason = _text(reason, "reason", "查看原因", limit=500)
    identity = crypto.decrypt(tip.identity_token)
    record("tip_identity_reveal", tip, actor=actor, reason=reason,
           after={"fields": sorted(identity), "anonymous": tip.anonymous})
    return identity


@transaction.atomic
def grant_identity_access(user, *, actor, reason):
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以授权查看举报人身份。")
    reason = _text(reason, "reason", "授权依据", limit=300)
    if role_of(user) not in HANDLERS | {Role.LEADER}:
        raise ServiceError("grant.role", "只能授权给监管部门的用户。", field="user")
    if IdentityAccessGrant.objects.filter(user=user, revoked_at__isnull=True).exists():
        raise ServiceError("grant.exists", "该用户已有授权。", field="user")
    grant = IdentityAccessGrant.objects.create(user=user, granted_by=actor, reason=reason)
    record("tip_identity_grant", grant, actor=actor, reason=reason, after={"user": user.username},
           region_code="")
    return grant


@transaction.atomic
def revoke_identity_access(grant, *, actor, reason=""):
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以撤销授权。")
    if IdentityAccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=clock.now(), revoked_by=actor) != 1:
        raise Conflict("该授权已撤销。", code="grant.revoked")
    record("tip_identity_revoke", grant, actor=actor, reason=reason, region_code="")


# --- rewards --------------------------------------------------------------------------------------


def _reward_event(reward, action, actor, before, note=""):
    tip = reward.tip
    _event(tip, action, actor, tip.state, note=note)
    record(f"tip_{action}", reward, actor=actor, before=before,
           after=snapshot(reward, fields=REWARD_AUDIT_FIELDS), reason=note[:500])


@transaction.atomic
def propose_reward(tip, *, actor, fine):
    """Computed by the configured rule for a founded major hazard or violation of a case."""
    tip = _fresh(tip)
    _allow("verify", actor)
    if tip.state not in (State.VERIFIED, State.CLOSED) or not tip.major:
        raise ServiceError("reward.not_eligible", "只有查证属实的重大隐患或违法行为举报可以计算奖励。", field="fine")
    if Reward.objects.filter(tip=tip).exists():
        raise Conflict("该举报已计算奖励。", code="reward.exists")
    fine = rewards.parse_fine(fine)
    applied = rewards.rule()
    reward = Reward.objects.create(tip=tip, region_code=tip.region_code, fine=fine,
                                   amount=rewards.compute(fine, applied), rule=applied, proposed_by=actor)
    Tip.objects.filter(pk=tip.pk).update(fine=fine)
    _reward_event(reward, "reward_computed", actor, None, note=f"罚款 {fine} 元，奖励 {reward.amount} 元")
    return reward


def _reward_cas(reward, expected, version, changes):
    values = {**changes, "version": F("version") + 1, "updated_at": clock.now()}
    if Reward.objects.filter(pk=reward.pk, state=expected, version=version).update(**values) != 1:
        raise Conflict("奖励状态已变化，请刷新后重试。", code="reward.conflict",
                       current={"state": Reward.objects.get(pk=reward.pk).state})
    reward.refresh_from_db()


@transaction.atomic
def approve_reward(reward, *, actor, version):
    """审批 by the county office; not by the user who proposed it (four eyes)."""
    if role_of(actor) not in (Role.ADMIN, Role.COUNTY_OFFICE):
        raise PermissionDenied("奖励须由区县安委办(应急管理局)审批。")
    if reward.proposed_by_id == actor.pk:
        raise PermissionDenied("计算奖励的人不能审批同一笔奖励。", code="reward.four_eyes")
    before = snapshot(reward, fields=REWARD_AUDIT_FIELDS)
    _reward_cas(reward, RewardState.COMPUTED, version, {"state": RewardState.APPROVED, "approved_by": actor,
                                                       "approved_at": clock.now()})
    _reward_event(reward, "reward_approved", actor, before)
    return reward


@sensitive_variables("payment", "details", "code")
@transaction.atomic
def claim_reward(code, payment, *, client_ip=None):
    """The reporter claims with the tracking code; payment details are encrypted like the identity."""
    tip = Tip.objects.filter(tracking_hash=codes.tracking_hash(code)).first()
    reward = Reward.objects.filter(tip=tip).first() if tip else None
    if reward is None or reward.state != RewardState.APPROVED:
        raise ServiceError("reward.not_claimable", "该查询码没有可申领的奖励。", field="code")
    if not abuse.exempt(client_ip):
        abuse.hit("track_ip", client_ip)
    details = {"name": _text(payment.get("payee"), "payee", "收款人姓名", limit=50),
               "account": _text(payment.get("account"), "account", "收款账号", limit=40),
               "bank": _text(payment.get("bank"), "bank", "开户行", limit=100)}
    try:
        details["mobile"] = validation.mobile(payment.get("mobile"), "联系手机")
    except validation.FieldError as exc:
        raise _field_error(exc, "mobile") from exc
    before = snapshot(reward, fields=REWARD_AUDIT_FIELDS)
    _reward_cas(reward, RewardState.APPROVED, reward.version,
                {"state": RewardState.CLAIMED, "claimed_at": clock.now(), "payment_token": crypto.encrypt(details)})
    ctx = context.current()
    token = context.set_current(context.RequestContext(request_id=ctx.request_id, client_ip=None))
    try:
        _reward_event(reward, "reward_claimed", AnonymousUser(), before)
    finally:
        context.reset(token)
    return reward


@sensitive_variables("details")
def reveal_payment(reward, *, actor, reason):
    """Payment details for the granted user who pays out; audited like an identity reveal."""
    if not may_reveal(actor):
        raise PermissionDenied("您未获得查看举报人身份的授权。", code="identity.not_granted")
    reason = _text(reason, "reason", "查看原因", limit=500)
    details = crypto.decrypt(reward.payment_token)
    record("tip_payment_reveal", reward.tip, actor=actor, reason=reason, after={"fields": sorted(details)})
    return details


@transaction.atomic
def record_payment(reward, *, actor, version, reference):
    if role_of(actor) not in (Role.ADMIN, Role.COUNTY_OFFICE):
        raise PermissionDenied("奖励发放由区县安委办(应急管理局)登记。")
    reference = _text(reference, "reference", "发放凭证号", limit=100)
    before = snapshot(reward, fields=REWARD_AUDIT_FIELDS)
    _reward_cas(reward, RewardState.CLAIMED, version, {"state": RewardState.PAID, "paid_by": actor,
                                                      "paid_at": clock.now(), "payment_reference": reference})
    _reward_event(reward, "reward_paid", actor, before, note=reference)
    return reward


# --- partners and keys ------------------------------------------------------------------------------


@transaction.atomic
def create_partner(name, *, actor=None):
    """A new Open311 partner; returns (partner, api_key). The key is shown once, stored hashed."""
    name = _text(name, "name", "对接平台名称", limit=100)
    if Partner.objects.filter(name=name).exists():
        raise ServiceError("partner.exists", "同名对接平台已存在。", field="name")
    key = codes.new_api_key()
    partner = Partner.objects.create(name=name, api_key_hash=codes.api_key_hash(key))
    record("tip_partner_create", partner, actor=actor, after={"name": name}, region_code="")
    return partner, key


def partner_for(api_key):
    if not api_key:
        return None
    digest = codes.api_key_hash(api_key)
    return refcache.get(("tip_partner", digest), ("tips_partner",),
                        lambda: Partner.objects.filter(api_key_hash=digest, active=True).first())


def rotate_keys(batch_size=500):
    """Re-encrypt every identity and payment token under the first key. Returns the row count."""
    done = 0
    for model, field in ((Tip, "identity_token"), (Reward, "payment_token")):
        ids = list(model.objects.exclude(**{field: ""}).values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                for pk, token in model.objects.filter(pk__in=ids[start:start + batch_size]).values_list("pk", field):
                    model.objects.filter(pk=pk).update(**{field: crypto.rotate(token)})
                    done += 1
    record("tip_keys_rotate", None, actor=None, object_type="tips.tip", after={"rows": done}, region_code="")
    return done
