"""Inspections on site, first-inspector links, leaders' participation and enforcement.

Every change: check role and state, write with compare-and-set on (state, version) where two
people may act at once, audit with `record`. A failed checklist item becomes a hazard through
`hazards.services.report_hazard` (major when its item names a criterion), unless the same
problem was already found by another inspection within the window (首查负责制): then it links.
"""

import datetime
import decimal
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.hazards import clock, photos
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import Grade, Source
from safegrid.regions.models import RegionLevel
from safegrid.regions.permissions import check_county
from safegrid.registry.models import EnterpriseStatus
from safegrid.risk import hooks as risk_hooks

from . import signatures
from .models import (
    COUNTY_POSTS,
    DEPARTMENT_POSTS,
    INSPECTING,
    MANAGERS,
    TOWN_POSTS,
    Checklist,
    ChecklistItem,
    EnforcementOrder,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionKind,
    InspectionMember,
    InspectionState,
    Inspector,
    InspectorConflict,
    ItemResult,
    LeaderParticipation,
    LeaderPost,
    OrderKind,
    Outcome,
    Penalty,
    Period,
    PostKind,
    Quota,
)
from .queries import checklist_for_categories

AUDIT_FIELDS = ["enterprise", "department", "kind", "checklist", "scheduled_on", "state", "started_at", "signed_at",
                "outcome", "representative", "version"]


def window_days():
    return getattr(settings, "SAFEGRID_FIRST_INSPECTOR_WINDOW_DAYS", 30)


def _role(actor):
    return actor.effective_role


def current(inspection_id):
    row = Inspection.objects.filter(pk=inspection_id).values("state", "version").first()
    return row and {"state": row["state"], "state_display": InspectionState(row["state"]).label,
                    "version": row["version"]}


def _cas(inspection, expected_state, version, changes):
    values = {**changes, "version": F("version") + 1, "updated_at": clock.now()}
    won = Inspection.objects.filter(pk=inspection.pk, state=expected_state, version=version).update(**values) == 1
    if not won:
        raise Conflict("该检查已被他人处理或修改，请刷新后重试。", current=current(inspection.pk))
    inspection.refresh_from_db()


def _require_state(inspection, state, label):
    if inspection.state != state:
        raise Conflict(f"当前状态为“{inspection.get_state_display()}”，不能{label}。", current=current(inspection.pk),
                       code="state.invalid")


def is_member(inspection, user):
    return inspection.members.filter(inspector__user=user).exists()


def _conduct(inspection, actor):
    """On site only the team acts; the county office (and admin) may record on its behalf."""
    role = _role(actor)
    if role not in INSPECTING:
        raise PermissionDenied("您的角色无权执行监督检查。")
    if role not in (Role.ADMIN, Role.COUNTY_OFFICE) and not is_member(inspection, actor):
        raise PermissionDenied("只有检查组成员可以执行该检查。")


# --- scheduling (key, special and unannounced inspections outside a draw) -------------------------


@transaction.atomic
def schedule(*, enterprise, actor, kind, scheduled_on, inspectors, department=None):
    if _role(actor) not in MANAGERS | {Role.TOWN_OFFICE}:
        raise PermissionDenied("您的角色无权安排检查。")
    if enterprise.voided_at or enterprise.status == EnterpriseStatus.CLOSED:
        raise ServiceError("inspection.enterprise_closed", f"“{enterprise.name}”已关闭或已注销，不能安排检查。",
                           field="enterprise")
    if kind not in InspectionKind.values:
        raise ServiceError("kind.unknown", "检查方式无效。", field="kind")
    if scheduled_on is None:
        raise ServiceError("scheduled_on.required", "请填写计划检查日期。", field="scheduled_on")
    inspectors = list(dict.fromkeys(inspectors))
    if len(inspectors) < 2:
        raise ServiceError("inspectors.min", "监督检查须由 2 名以上检查人员进行。", field="inspectors")
    if any(i.region_code != enterprise.region_code or i.voided_at for i in inspectors):
        raise ServiceError("inspectors.other_county", "检查人员须为本区县名录中的人员。", field="inspectors")
    conflicted = InspectorConflict.objects.filter(inspector__in=inspectors, enterprise=enterprise,
                                                  voided_at__isnull=True).select_related("inspector")
    if conflicted:
        names = "、".join(c.inspector.name for c in conflicted)
        raise ServiceError("inspectors.conflict", f"{names} 与该单位存在利害关系，须回避。", field="inspectors")
    if _role(actor) == Role.DEPARTMENT:
        department = actor.department
    checklist_id = checklist_for_categories()(enterprise.category_id)
    inspection = Inspection.objects.create(
        region_code=enterprise.region_code, enterprise=enterprise, scope_path=enterprise.scope_path,
        department=department, kind=kind, checklist_id=checklist_id, scheduled_on=scheduled_on, created_by=actor)
    InspectionMember.objects.bulk_create([InspectionMember(inspection=inspection, inspector=i, lead=(n == 0))
                                          for n, i in enumerate(inspectors)])
    record("inspection_schedule", inspection, actor=actor, after=snapshot(inspection, fields=AUDIT_FIELDS))
    return inspection


# --- on site ------------------------------------------------------------------------------------


@transaction.atomic
def start(inspection, *, actor, version):
    """The team arrives (四不两直): from now on the enterprise can see the inspection."""
    inspection = Inspection.objects.select_related("enterprise").get(pk=inspection.pk)
    _conduct(inspection, actor)
    _require_state(inspection, InspectionState.PLANNED, "开始检查")
    if inspection.enterprise.status == EnterpriseStatus.CLOSED or inspection.enterprise.voided_at:
        raise ServiceError("inspection.enterprise_closed", "该单位已关闭，不能开始检查。", field="enterprise")
    before = snapshot(inspection, fields=AUDIT_FIELDS)
    _cas(inspection, InspectionState.PLANNED, version,
         {"state": InspectionState.IN_PROGRESS, "started_at": clock.now()})
    record("inspection_start", inspection, actor=actor, before=before, after=snapshot(inspection, fields=AUDIT_FIELDS))
    return inspection


def first_finding(inspection, item, now=None):
    """The earliest failed finding of the same problem at the same enterprise in another inspection
    within the window: same checklist item or same hazard type. Followers link to their leader."""
    since = (now or clock.now()) - datetime.timedelta(days=window_days())
    return (Finding.objects.filter(inspection__enterprise_id=inspection.enterprise_id, result=ItemResult.FAIL,
                                   first_finding__isnull=True, recorded_at__gte=since,
                                   inspection__voided_at__isnull=True)
            .filter(Q(item=item) | Q(item__hazard_type_id=item.hazard_type_id))
            .exclude(inspection=inspection).order_by("recorded_at", "pk").select_related("inspection").first())


@transaction.atomic
def record_result(inspection, *, actor, item, result, note="", files=()):
    """Pass / fail / not applicable for one item, with photos. Re-recording is allowed until a
    hazard exists for the item (a reported hazard is changed on the hazard desk, not here)."""
    inspection = Inspection.objects.select_for_update().select_related("enterprise").get(pk=inspection.pk)
    _conduct(inspection, actor)
    _require_state(inspection, InspectionState.IN_PROGRESS, "记录检查结果")
    if item.checklist_id != inspection.checklist_id:
        raise ServiceError("item.unknown", "该检查项不属于本次检查的检查表。", field="item")
    if result not in ItemResult.values:
        raise ServiceError("result.unknown", "请选择符合、不符合或不适用。", field="result")
    note = (note or "").strip()[:500]
    if result == ItemResult.FAIL and not note:
        raise ServiceError("note.required", "不符合项须填写问题描述。", field="note")
    checked = photos.validate_all(files)
    if len(checked) > photos.max_count():
        raise ServiceError("photo.too_many", f"每项最多 {photos.max_count()} 张照片。", field="photos")
    finding = Finding.objects.filter(inspection=inspection, item=item).first()
    if finding and (finding.hazard_id or finding.first_finding_id):
        raise Conflict("该项已生成或关联隐患，不能再修改；请到隐患详情中处理。", current=current(inspection.pk),
                       code="finding.locked")
    before = snapshot(finding)
    finding = finding or Finding(inspection=inspection, item=item)
    finding.result, finding.note, finding.recorded_by, finding.recorded_at = result, note, actor, clock.now()
    finding.save()
    _store_photos(finding, checked, actor)
    data = {"item": item.no, "result": result}
    if result == ItemResult.FAIL:
        data.update(_hazard_for(finding, inspection, item, files, actor))
    record("inspection_result", finding, actor=actor, before=before, after={**snapshot(finding), **data},
           region_code=inspection.region_code)
    return finding


def _hazard_for(finding, inspection, item, files, actor):
    """Link to the first finding of another inspection, or report a new hazard."""
    leader = first_finding(inspection, item, finding.recorded_at)
    if leader is not None:
        Finding.objects.filter(pk=finding.pk).update(first_finding=leader, hazard=leader.hazard)
        finding.refresh_from_db()
        return {"first_finding": leader.pk, "hazard": leader.hazard_id}
    for upload in files:
        upload.seek(0)
    major = item.criterion_id is not None and item.criterion.active
    hazard = hazard_services.report_hazard(
        {"enterprise": inspection.enterprise_id, "hazard_type": item.hazard_type.code, "source": Source.DEPARTMENT_INSPECTION,
         "description": f"【监督检查】{item.text}：{finding.note}", "grade": Grade.MAJOR if major else Grade.GENERAL,
         "criterion": item.criterion_id if major else None, "location": inspection.enterprise.address},
        actor=actor, before_photos=list(files))
    Finding.objects.filter(pk=finding.pk).update(hazard=hazard)
    finding.refresh_from_db()
    return {"hazard": hazard.pk, "grade": hazard.grade}


def _store_photos(finding, checked, actor):
    """The hazards app's checks (content, size, EXIF); files kept with the finding."""
    for _upload, data, image in checked:
        taken, _lon, _lat = photos.exif_facts(image)
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image.format]
        row = FindingPhoto(finding=finding, content_type=photos.FORMATS[image.format], size=len(data),
                           taken_at=taken, uploaded_by=actor)
        row.file.save(f"f{finding.pk}.{ext}", ContentFile(data), save=False)
        row.thumbnail.save(f"f{finding.pk}_t.jpg", ContentFile(photos._thumbnail(image)), save=False)
        row.save()


@transaction.atomic
def sign(inspection, *, actor, version, member_signatures, representative, representative_signature,
         summary_note=""):
    """Sign-off (安全生产法 art. 68): every inspector and the enterprise representative sign.

    `member_signatures` maps member id -> PNG data URL. Nothing is written unless all are valid
    and every checklist item has a result.
    """
    inspection = Inspection.objects.get(pk=inspection.pk)
    _conduct(inspection, actor)
    _require_state(inspection, InspectionState.IN_PROGRESS, "签字确认")
    missing = inspection.checklist.items.exclude(pk__in=inspection.findings.values("item_id")).count()
    if missing:
        raise ServiceError("checklist.incomplete", f"检查表还有 {missing} 项未填写结果。", field="findings")
    members = list(inspection.members.select_related("inspector"))
    pngs = {m.pk: signatures.decode((member_signatures or {}).get(str(m.pk)) or (member_signatures or {}).get(m.pk),
                                    f"signature_{m.pk}", f"检查人员{m.inspector.name}") for m in members}
    representative = (representative or "").strip()[:50]
    if not representative:
        raise ServiceError("representative.required", "请填写被检查单位签字人姓名。", field="representative")
    rep_png = signatures.decode(representative_signature, "representative_signature", "被检查单位负责人")
    before = snapshot(inspection, fields=AUDIT_FIELDS)
    failed = inspection.findings.filter(result=ItemResult.FAIL).exists()
    now = clock.now()
    _cas(inspection, InspectionState.IN_PROGRESS, version, {
        "state": InspectionState.SIGNED, "signed_at": now, "representative": representative,
        "summary_note": (summary_note or "").strip()[:5000],
        "outcome": Outcome.HAZARDS_FOUND if failed else Outcome.NO_PROBLEM})
    inspection.representative_signature.save(f"i{inspection.pk}_rep.png", ContentFile(rep_png), save=False)
    Inspection.objects.filter(pk=inspection.pk).update(representative_signature=inspection.representative_signature.name)
    for member in members:
        member.signature.save(f"i{inspection.pk}_m{member.pk}.png", ContentFile(pngs[member.pk]), save=False)
        member.signed_at = now
        member.save(update_fields=["signature", "signed_at"])
    record("inspection_sign", inspection, actor=actor, before=before, after=snapshot(inspection, fields=AUDIT_FIELDS))
    return inspection


# --- leaders ------------------------------------------------------------------------------------


@transaction.atomic
def record_participation(inspection, *, actor, user=None):
    """A leader records taking part (their own attendance, even from a read-only leader account);
    the county office may record it for a leader."""
    user = user or actor
    if user.pk != actor.pk and _role(actor) not in (Role.ADMIN, Role.COUNTY_OFFICE):
        raise PermissionDenied("只能登记本人带队检查，或由区县安委办代为登记。")
    if not LeaderPost.objects.filter(user=user, active=True).exists():
        raise ServiceError("leader.no_post", f"{user.display_name} 没有登记领导职务，不计入带队检查定额。", field="user")
    if inspection.state == InspectionState.PLANNED or inspection.voided_at:
        raise ServiceError("inspection.not_started", "检查开始后才能登记领导带队。", field="inspection")
    row, created = LeaderParticipation.objects.get_or_create(
        inspection=inspection, user=user,
        defaults={"on": (inspection.started_at or clock.now()).date(), "recorded_by": actor})
    if not created:
        raise ServiceError("leader.duplicate", "已登记过本次带队检查。", field="user")
    record("leader_participation", inspection, actor=actor, after={"leader": user.pk, "on": str(row.on)})
    return row


# --- enforcement --------------------------------------------------------------------------------


def _enterprise_in_scope(actor, enterprise_id):
    from safegrid.registry.models import Enterprise

    enterprise = Enterprise.objects.restrict(actor, "view").filter(pk=enterprise_id, voided_at__isnull=True).first()
    if enterprise is None:
        raise ServiceError("enterprise.unknown", "生产经营单位不存在或不在您的辖区内。", field="enterprise")
    return enterprise


def _common(data, actor):
    if _role(actor) not in MANAGERS:
        raise PermissionDenied("您的角色无权下达执法文书或作出行政处罚。")
    enterprise = _enterprise_in_scope(actor, data.get("enterprise"))
    basis = (data.get("legal_basis") or "").strip()
    if not basis:
        raise ServiceError("legal_basis.required", "必须填写法律依据(法律法规名称及条款)。", field="legal_basis")
    content = (data.get("content") or "").strip()
    if not content:
        raise ServiceError("content.required", "请填写违法事实及决定内容。", field="content")
    decided = data.get("decided_on") or clock.today()
    if isinstance(decided, str):
        try:
            decided = datetime.date.fromisoformat(decided)
        except ValueError as exc:
            raise ServiceError("decided_on.format", "日期格式应为 YYYY-MM-DD。", field="decided_on") from exc
    inspection = finding = None
    if data.get("finding"):
        finding = Finding.objects.filter(pk=data["finding"], inspection__enterprise=enterprise).first()
        if finding is None:
            raise ServiceError("finding.unknown", "检查发现不属于该单位。", field="finding")
        inspection = finding.inspection
    elif data.get("inspection"):
        inspection = Inspection.objects.filter(pk=data["inspection"], enterprise=enterprise).first()
        if inspection is None:
            raise ServiceError("inspection.unknown", "检查记录不属于该单位。", field="inspection")
    return {"enterprise": enterprise, "scope_path": enterprise.scope_path, "region_code": enterprise.region_code,
            "inspection": inspection, "finding": finding,
            "department": actor.department if _role(actor) == Role.DEPARTMENT else None,
            "document_no": (data.get("document_no") or "").strip()[:60], "legal_basis": basis[:300],
            "content": content, "decided_on": decided, "issued_by": actor}


@transaction.atomic
def issue_order(data, *, actor):
    """责令限期整改 / 责令停产停业整顿 / 责令暂时停止使用."""
    values = _common(data, actor)
    kind = data.get("kind")
    if kind not in OrderKind.values:
        raise ServiceError("kind.unknown", f"请选择文书类型：{'、'.join(OrderKind.labels)}。", field="kind")
    deadline = data.get("deadline") or None
    if isinstance(deadline, str):
        deadline = datetime.date.fromisoformat(deadline)
    if kind == OrderKind.RECTIFY and deadline is None:
        raise ServiceError("deadline.required", "责令限期整改须写明整改期限。", field="deadline")
    order = EnforcementOrder.objects.create(kind=kind, deadline=deadline, **values)
    record("order_issue", order, actor=actor, after=snapshot(order))
    return order


@transaction.atomic
def issue_penalty(data, *, actor):
    """行政处罚 with amount (yuan, Decimal) and legal basis. One finding, one penalty: a finding that
    follows a first finding, or whose first finding is already penalised, is refused (首查负责制)."""
    values = _common(data, actor)
    try:
        amount = decimal.Decimal(str(data.get("amount"))).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ServiceError("amount.format", "罚款金额应为数字(元)。", field="amount") from exc
    if amount <= 0:
        raise ServiceError("amount.positive", "罚款金额须大于 0。", field="amount")
    finding = values["finding"]
    if finding is not None:
        if finding.first_finding_id:
            lead = finding.first_finding.inspection
            raise ServiceError("penalty.not_first", f"该问题已由{lead.department or '其他部门'}首先查处(首查负责制)，"
                                                    "由首查部门依法处理，不得重复处罚。", field="finding")
        family = [finding.pk, *finding.followers.values_list("pk", flat=True)]
        if Penalty.objects.filter(finding_id__in=family, voided_at__isnull=True).exists():
            raise ServiceError("penalty.duplicate", "同一问题已作出行政处罚，不得重复处罚。", field="finding")
    penalty = Penalty.objects.create(amount=amount, **values)
    record("penalty_issue", penalty, actor=actor, after=snapshot(penalty))
    enterprise_id = penalty.enterprise_id  # the safety code counts penalties (credit.penalty_factors)
    transaction.on_commit(lambda: risk_hooks.regrade_quietly(enterprise_id, "penalty"))
    return penalty


def inspector_for(user):
    return Inspector.objects.filter(user=user, voided_at__isnull=True).first()


# --- leader posts, quotas and checklists (系统管理) ----------------------------------------------


def _post_place(kind, region, department, liaison):
    """A post's place must fit its kind; the liaison enterprise must lie in the post's region."""
    if kind in COUNTY_POSTS + TOWN_POSTS:
        level = RegionLevel.COUNTY if kind in COUNTY_POSTS else RegionLevel.TOWN
        if region is None or region.level != level:
            raise ServiceError("post.region", f"{PostKind(kind).label}须选择所在{RegionLevel(level).label}。",
                               field="region")
        department = None
    elif kind in DEPARTMENT_POSTS:
        if department is None:
            raise ServiceError("post.department", f"{PostKind(kind).label}须选择所在部门。", field="department")
        region = department.county
    if liaison is not None:
        if kind not in COUNTY_POSTS + TOWN_POSTS:
            raise ServiceError("post.liaison_kind", "对口联系企业只适用于县级和乡镇(街道)领导。", field="liaison_enterprise")
        if not (liaison.scope_path == region.path or liaison.scope_path.startswith(region.path + "/")):
            raise ServiceError("post.liaison_place", f"“{liaison.name}”不在{region.name}。", field="liaison_enterprise")
    return region, department


POST_FIELDS = ["user", "kind", "title", "region", "department", "duties", "liaison_enterprise", "active"]


@transaction.atomic
def save_leader_post(*, actor, user, kind, title="", region=None, department=None, duties="",
                     liaison_enterprise=None, post=None):
    """Create or change a leader post (who, which kind, where, duties, liaison enterprise)."""
    if kind not in PostKind.values:
        raise ServiceError("post.kind", "请选择职务类别。", field="kind")
    region, department = _post_place(kind, region, department, liaison_enterprise)
    check_county(actor, region.region_code)
    if post is not None:
        check_county(actor, post.region_code)
    if not user.is_active:
        raise ServiceError("post.user_inactive", "该账号已停用。", field="user")
    clash = LeaderPost.objects.filter(user=user, kind=kind, active=True)
    if post is not None:
        clash = clash.exclude(pk=post.pk)
    if clash.exists():
        raise ServiceError("post.duplicate", f"{user.display_name} 已有在任的“{PostKind(kind).label}”职务。", field="kind")
    before = snapshot(post, fields=POST_FIELDS) if post else None
    post = post or LeaderPost(active=True)
    post.user, post.kind, post.title = user, kind, (title or "").strip()[:100]
    post.region, post.department, post.liaison_enterprise = region, department, liaison_enterprise
    post.duties = "\n".join(line.strip() for line in (duties or "").splitlines() if line.strip())
    post.region_code = region.region_code
    post.save()
    record("leader_post_save", post, actor=actor, before=before, after=snapshot(post, fields=POST_FIELDS))
    return post


@transaction.atomic
def end_leader_post(post, *, actor, reason):
    """卸任: the post stays on record (its quota fulfilment history) but no longer counts."""
    check_county(actor, post.region_code)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason.required", "请填写卸任原因。", field="reason")
    LeaderPost.objects.filter(pk=post.pk).update(active=False)
    post.active = False
    record("leader_post_end", post, actor=actor, reason=reason, after={"active": False})
    return post


@transaction.atomic
def set_quota(*, actor, county, kind, period, minimum, valid_from, source):
    """A county's own quota for a post kind from `valid_from` on: a new row, earlier rows untouched."""
    check_county(actor, county.region_code)
    if kind not in PostKind.values:
        raise ServiceError("quota.kind", "请选择职务类别。", field="kind")
    if period not in Period.values:
        raise ServiceError("quota.period", "请选择周期。", field="period")
    if minimum is None or not 1 <= int(minimum) <= 365:
        raise ServiceError("quota.minimum", "最少次数应在 1 到 365 之间。", field="minimum")
    source = (source or "").strip()[:200]
    if not source:
        raise ServiceError("quota.source", "请填写依据(如县委县政府文件)。", field="source")
    if valid_from is None:
        raise ServiceError("quota.valid_from", "请填写执行日期。", field="valid_from")
    if Quota.objects.filter(region=county.region_code, kind=kind, valid_from__gt=valid_from).exists():
        raise ServiceError("quota.valid_from_order", "已有更晚执行的定额，执行日期不能早于它。", field="valid_from")
    quota, _created = Quota.objects.update_or_create(
        region=county.region_code, kind=kind, valid_from=valid_from,
        defaults={"period": period, "minimum": int(minimum), "source": source, "created_by": actor})
    record("quota_set", quota, actor=actor, region_code=county.region_code,
           after={"kind": kind, "period": period, "minimum": int(minimum), "valid_from": str(valid_from),
                  "source": source})
    return quota


def check_reference_editor(actor):
    """Checklists, hazard types and safety categories are shared by every county: administrators."""
    if actor is not None and getattr(actor, "effective_role", None) != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以修改基础数据。", code="reference.not_editor")


@dataclass(frozen=True)
class ItemInput:
    text: str
    basis: str
    hazard_type: object
    criterion: object = None


@transaction.atomic
def new_checklist_edition(*, actor, code, name, basis, items, categories=(), general=False):
    """A checklist's next edition (or its first): the old edition is retired, never edited, so every
    inspection keeps the items it was done with."""
    check_reference_editor(actor)
    code = (code or "").strip()
    if not re.fullmatch(r"[a-z0-9_]{2,40}", code):
        raise ServiceError("checklist.code", "代码须为 2-40 位小写字母、数字或下划线。", field="code")
    name, basis = (name or "").strip()[:100], (basis or "").strip()[:300]
    if not name or not basis:
        raise ServiceError("checklist.required", "名称和依据不能为空。", field="name" if not name else "basis")
    items = [i for i in items if (i.text or "").strip()]
    if not items:
        raise ServiceError("checklist.items_required", "检查表至少要有一个检查项。", field="items")
    for number, item in enumerate(items, start=1):
        if item.hazard_type is None or not item.basis.strip():
            raise ServiceError("checklist.item", f"第 {number} 项须填写依据条款并选择隐患类型。", field="items")
    current = Checklist.objects.filter(code=code, active=True).first()
    editions = [int(e) for e in Checklist.objects.filter(code=code).values_list("edition", flat=True) if e.isdigit()]
    if current is not None:
        Checklist.objects.filter(pk=current.pk).update(active=False)
    checklist = Checklist.objects.create(code=code, name=name, basis=basis, general=general,
                                         edition=str(max(editions, default=0) + 1), active=True)
    checklist.categories.set(categories)
    ChecklistItem.objects.bulk_create([
        ChecklistItem(checklist=checklist, no=no, text=i.text.strip()[:300], basis=i.basis.strip()[:200],
                      hazard_type=i.hazard_type, criterion=i.criterion) for no, i in enumerate(items, start=1)])
    record("checklist_edition", checklist, actor=actor, region_code="",
           before={"edition": current.edition, "id": current.pk} if current else None,
           after={"edition": checklist.edition, "name": name, "items": [i.text for i in items]})
    return checklist


@transaction.atomic
def retire_checklist(checklist, *, actor, reason):
    check_reference_editor(actor)
    if not (reason or "").strip():
        raise ServiceError("reason.required", "请填写停用原因。", field="reason")
    Checklist.objects.filter(pk=checklist.pk).update(active=False)
    record("checklist_retire", checklist, actor=actor, reason=reason, region_code="")
