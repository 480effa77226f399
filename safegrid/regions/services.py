"""Changes to the jurisdiction tree. Every function validates, writes and audits."""

import decimal
import re

from django.db import transaction
from django.utils import timezone

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.core.services import void
from safegrid.safegeo import GeometryError, bbox, parse_polygon

from .models import (
    KEY_LENGTH,
    Department,
    Grid,
    GridOfficer,
    Region,
    RegionLevel,
    SpecialCommittee,
    TrainingRecord,
    TrainingResult,
)
from .permissions import check_county, check_grids, check_officer

REGION_FIELDS = ["code", "name", "level", "parent", "path", "region_code"]
GRID_FIELDS = ["code", "name", "region", "path", "responsible_person", "responsible_phone"]
ACCOUNTABLE_FIELDS = ["responsible_person", "responsible_phone", "responsible_user", "liaison_person", "liaison_phone",
                      "liaison_user"]
DEPARTMENT_FIELDS = ["name", "short_name", "committee_member"]
GRID_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def validate_region_code(code, level, parent):
    """Check a division code against its level and parent; raise ServiceError naming `code`."""
    code = (code or "").strip()
    level = RegionLevel(level)
    six = level <= RegionLevel.COUNTY
    if not re.fullmatch(r"\d{6}" if six else r"\d{12}", code):
        expected = "6 位数字(GB/T 2260)" if six else "12 位数字(统计用区划代码)"
        raise ServiceError("region.code_format", f"{level.label}级区划代码应为{expected}。", field="code")
    key_len = KEY_LENGTH[level]
    key, rest = code[:key_len], code[key_len:]
    if rest.strip("0") or key[-(2 if six else 3):] == ("00" if six else "000"):
        raise ServiceError("region.code_level", f"区划代码 {code} 与层级“{level.label}”不符。",
                           field="code")
    if level == RegionLevel.PROVINCE:
        if parent is not None:
            raise ServiceError("region.parent_level", "省级区划不能有上级。", field="parent")
        return code
    if parent is None:
        raise ServiceError("region.parent_required", f"{level.label}级区划必须指定上级。", field="parent")
    if parent.level != level - 1:
        raise ServiceError(
            "region.parent_level",
            f"上级“{parent.name}”是{parent.get_level_display()}级，{level.label}级区划的上级应为"
            f"{RegionLevel(level - 1).label}级。",
            field="parent",
        )
    if not code.startswith(parent.key):
        raise ServiceError("region.code_parent_mismatch",
                           f"区划代码 {code} 不以上级代码 {parent.key} 开头。", field="code")
    return code


@transaction.atomic
def create_region(*, code, name, level, parent, actor, polygon=None):
    name = (name or "").strip()
    if not name:
        raise ServiceError("region.name_required", "名称不能为空。", field="name")
    try:
        level = RegionLevel(int(level))
    except (TypeError, ValueError) as exc:
        raise ServiceError("region.level_unknown", "层级无效。", field="level") from exc
    code = validate_region_code(code, level, parent)
    if Region.objects.filter(code=code).exists():
        raise ServiceError("region.code_taken", f"区划代码 {code} 已存在。", field="code")
    if polygon is not None:
        polygon = _checked_polygon(polygon)
    key = code[: KEY_LENGTH[level]]
    region = Region.objects.create(
        code=code, name=name, level=level, parent=parent, polygon=polygon,
        path=f"{parent.path}/{key}" if parent else key,
        region_code=code[:6] if level >= RegionLevel.COUNTY else "",
    )
    record("region_create", region, actor=actor, after=snapshot(region, fields=REGION_FIELDS))
    return region


@transaction.atomic
def rename_region(region, *, name, actor):
    name = (name or "").strip()
    if not name:
        raise ServiceError("region.name_required", "名称不能为空。", field="name")
    before = snapshot(region, fields=REGION_FIELDS)
    region.name = name
    region.save(update_fields=["name", "updated_at"])
    record("region_update", region, actor=actor, before=before, after=snapshot(region, fields=REGION_FIELDS))
    return region


def _checked_polygon(geojson, field="polygon"):
    try:
        return parse_polygon(geojson)
    except GeometryError as exc:
        raise ServiceError(exc.code, exc.message, field=field) from exc


def _checked_phone(phone, field):
    phone = (phone or "").strip()
    if phone and not PHONE.match(phone):
        raise ServiceError("phone_format", "电话号码格式不正确(手机号 11 位或座机 区号-号码)。", field=field)
    return phone


def _county_code(region):
    if region.level < RegionLevel.TOWN:
        raise ServiceError("grid.region_level", "网格必须属于乡镇(街道)或村(社区)。", field="region")
    return region.region_code


@transaction.atomic
def create_grid(*, code, name, region, polygon, actor, responsible_person="", responsible_phone=""):
    code = (code or "").strip()
    if not GRID_CODE.match(code):
        raise ServiceError("grid.code_format", "网格编码只能由字母、数字和连字符组成(1-32 位)。", field="code")
    name = (name or "").strip()
    if not name:
        raise ServiceError("grid.name_required", "网格名称不能为空。", field="name")
    region_code = _county_code(region)
    if Grid.objects.filter(region_code=region_code, code=code).exists():
        raise ServiceError("grid.code_taken", f"网格编码 {code} 在本区县已存在。", field="code")
    polygon = _checked_polygon(polygon)
    grid = Grid.objects.create(
        code=code, name=name, region=region, path=f"{region.path}/{code}", polygon=polygon,
        region_code=region_code, responsible_person=(responsible_person or "").strip(),
        responsible_phone=_checked_phone(responsible_phone, "responsible_phone"), **bbox(polygon),
    )
    record("grid_create", grid, actor=actor, after=snapshot(grid, fields=GRID_FIELDS))
    return grid


@transaction.atomic
def update_grid(grid, *, actor, **changes):
    """Change name, polygon or responsible person of a grid."""
    before = snapshot(grid, fields=GRID_FIELDS + ["polygon"])
    if "name" in changes:
        grid.name = (changes["name"] or "").strip()
        if not grid.name:
            raise ServiceError("grid.name_required", "网格名称不能为空。", field="name")
    if "polygon" in changes:
        grid.polygon = _checked_polygon(changes["polygon"])
        for key, value in bbox(grid.polygon).items():
            setattr(grid, key, value)
    if "responsible_person" in changes:
        grid.responsible_person = (changes["responsible_person"] or "").strip()
    if "responsible_phone" in changes:
        grid.responsible_phone = _checked_phone(changes["responsible_phone"], "responsible_phone")
    grid.save()
    record("grid_update", grid, actor=actor, before=before, after=snapshot(grid, fields=GRID_FIELDS + ["polygon"]))
    return grid


@transaction.atomic
def create_department(*, name, county, actor, short_name="", committee_member=False):
    check_county(actor, county.region_code)
    name = (name or "").strip()
    if not name:
        raise ServiceError("department.name_required", "部门名称不能为空。", field="name")
    if county.level != RegionLevel.COUNTY:
        raise ServiceError("department.county_level", "行业主管部门必须属于区县。", field="county")
    if Department.objects.filter(region_code=county.region_code, name=name).exists():
        raise ServiceError("department.name_taken", f"本区县已有部门“{name}”。", field="name")
    department = Department.objects.create(name=name, short_name=(short_name or "").strip()[:30], county=county,
                                           region_code=county.region_code, committee_member=committee_member)
    record("department_create", department, actor=actor, after=snapshot(department))
    return department


@transaction.atomic
def update_department(department, *, actor, name=None, short_name=None, committee_member=None):
    check_county(actor, department.region_code)
    before = snapshot(department, fields=DEPARTMENT_FIELDS)
    if name is not None:
        name = (name or "").strip()
        if not name:
            raise ServiceError("department.name_required", "部门名称不能为空。", field="name")
        if Department.objects.filter(region_code=department.region_code, name=name).exclude(pk=department.pk).exists():
            raise ServiceError("department.name_taken", f"本区县已有部门“{name}”。", field="name")
        department.name = name
    if short_name is not None:
        department.short_name = (short_name or "").strip()[:30]
    if committee_member is not None:
        department.committee_member = bool(committee_member)
    department.save()
    record("department_update", department, actor=actor, before=before,
           after=snapshot(department, fields=DEPARTMENT_FIELDS))
    return department


@transaction.atomic
def void_department(department, *, actor, reason):
    """撤销 a department: refused while active staff accounts or committees still depend on it."""
    check_county(actor, department.region_code)
    if department.staff.filter(is_active=True).exists():
        raise ServiceError("department.has_staff", "该部门还有启用的用户账号，请先调整或停用这些账号。", field="reason")
    if SpecialCommittee.objects.filter(lead_department=department, voided_at__isnull=True).exists():
        raise ServiceError("department.leads_committee", "该部门是专委会的牵头单位，请先调整专委会。", field="reason")
    return void(department, reason, actor)


def _committee_members(county, members, lead):
    members = set(members) | {lead}
    for department in members:
        if department.region_code != county.region_code or department.voided_at is not None:
            raise ServiceError("committee.member_county", f"“{department.name}”不是本区县的有效部门。", field="members")
    return members


@transaction.atomic
def save_committee(*, county, name, lead_department, members, actor, committee=None):
    """Create or change a specialised committee (专委会) with its lead unit and members."""
    check_county(actor, county.region_code)
    name = (name or "").strip()[:100]
    if not name:
        raise ServiceError("committee.name_required", "请填写专委会名称。", field="name")
    if lead_department is None:
        raise ServiceError("committee.lead_required", "请选择牵头单位。", field="lead_department")
    members = _committee_members(county, members, lead_department)
    clash = SpecialCommittee.objects.filter(region_code=county.region_code, name=name, voided_at__isnull=True)
    if committee is not None:
        clash = clash.exclude(pk=committee.pk)
    if clash.exists():
        raise ServiceError("committee.name_taken", f"已有专委会“{name}”。", field="name")
    before = _committee_snapshot(committee) if committee else None
    committee = committee or SpecialCommittee(county=county, region_code=county.region_code)
    committee.name, committee.lead_department = name, lead_department
    committee.save()
    committee.members.set(members)
    record("committee_save", committee, actor=actor, before=before, after=_committee_snapshot(committee))
    return committee


def _committee_snapshot(committee):
    return {"name": committee.name, "lead": committee.lead_department.name,
            "members": sorted(committee.members.values_list("name", flat=True))}


def _officer_account(user):
    if user.role != Role.GRID_OFFICER:
        raise ServiceError("officer.role", f"{user.display_name} 的角色不是网格员，请先在账号中改为网格员。", field="user")


@transaction.atomic
def appoint_grid_officer(*, user, grids, actor, full_time=True, trained_on=None):
    """Make a user a grid officer of the given grids (all in one county). Full-time duty needs a
    passed pre-duty training (先培训再上岗)."""
    grids = list(grids)
    check_grids(actor, grids)
    if actor is not None:
        _officer_account(user)
        if not grids:
            raise ServiceError("officer.grids_required", "请选择负责的网格。", field="grids")
    counties = {g.region_code for g in grids}
    if len(counties) > 1:
        raise ServiceError("officer.grids_counties", "一名网格员负责的网格须在同一区县。", field="grids")
    region_code = counties.pop() if counties else ""
    existing = GridOfficer.objects.filter(user=user).first()
    if existing is not None and actor is not None and existing.grids.exists():
        check_officer(actor, existing)  # a town office cannot take over another town's officer
    trained_on = trained_on or (existing.trained_on if existing else None)
    if full_time and trained_on is None:
        raise ServiceError("officer.untrained_full_time",
                           "未通过岗前培训的人员不能任命为专职网格员(先培训再上岗)，请先登记培训或任命为兼职。",
                           field="full_time")
    officer, created = GridOfficer.objects.get_or_create(
        user=user, defaults={"full_time": full_time, "trained_on": trained_on, "region_code": region_code}
    )
    before = None if created else {"grids": sorted(officer.grids.values_list("code", flat=True))}
    if officer.is_voided:
        before["voided"] = True
    officer.full_time, officer.trained_on = full_time, trained_on
    # Appointing someone whose duty was voided puts them back on duty.
    officer.voided_at, officer.voided_by, officer.void_reason = None, None, ""
    if region_code:
        officer.region_code = region_code
    officer.save()
    officer.grids.set(grids)
    _sync_grid_grants(user, grids, actor)
    record("grid_officer_appoint", officer, actor=actor, before=before,
           after={"grids": sorted(g.code for g in grids), "full_time": full_time,
                  "trained_on": trained_on.isoformat() if trained_on else None})
    return officer


def _sync_grid_grants(user, grids, actor):
    """A grid officer's jurisdiction is exactly their grids."""
    from safegrid.accounts.models import ScopeGrant
    from safegrid.accounts.services import grant_scope

    if user.role != Role.GRID_OFFICER:
        return
    ScopeGrant.objects.filter(user=user).exclude(path__in=[g.path for g in grids]).delete()
    for grid in grids:
        grant_scope(user, actor=actor, grid=grid)


@transaction.atomic
def update_officer(officer, *, actor, grids=None, full_time=None):
    """Move between grids, or switch full-/part-time."""
    check_officer(actor, officer)
    grids = list(officer.grids.all()) if grids is None else list(grids)
    full_time = officer.full_time if full_time is None else full_time
    return appoint_grid_officer(user=officer.user, grids=grids, actor=actor, full_time=full_time)


@transaction.atomic
def retire_officer(officer, *, actor, reason, deactivate_account=False):
    """离岗: the duty is voided with a reason (grids show as unstaffed); the account may be stopped too."""
    check_officer(actor, officer)
    void(officer, reason, actor)
    if deactivate_account and officer.user.is_active:
        from safegrid.accounts.services import set_active

        set_active(officer.user, False, actor=actor, reason=f"网格员离岗：{reason}")
    return officer


@transaction.atomic
def record_training(officer, *, actor, course, date, hours, result, pre_duty=True, note=""):
    """A training record; the first passed pre-duty training sets the officer's trained_on."""
    check_officer(actor, officer)
    course = (course or "").strip()[:100]
    if not course:
        raise ServiceError("training.course_required", "请填写培训课程。", field="course")
    if date is None:
        raise ServiceError("training.date_required", "请填写培训日期。", field="date")
    if date > timezone.localdate():
        raise ServiceError("training.date_future", "培训日期不能晚于今天。", field="date")
    try:
        hours = decimal.Decimal(str(hours))
    except (decimal.InvalidOperation, TypeError) as exc:
        raise ServiceError("training.hours_format", "学时应为数字。", field="hours") from exc
    if not decimal.Decimal("0.5") <= hours <= 500:
        raise ServiceError("training.hours_range", "学时应在 0.5 到 500 之间。", field="hours")
    if result not in TrainingResult.values:
        raise ServiceError("training.result_unknown", "培训结果应为合格或不合格。", field="result")
    entry = TrainingRecord.objects.create(officer=officer, course=course, pre_duty=pre_duty, date=date, hours=hours,
                                          result=result, note=(note or "").strip()[:200], recorded_by=actor,
                                          region_code=officer.region_code)
    record("officer_training", officer, actor=actor, after=snapshot(entry, fields=[
        "course", "pre_duty", "date", "hours", "result", "note"]))
    if pre_duty and result == TrainingResult.PASSED and (officer.trained_on is None or date < officer.trained_on):
        GridOfficer.objects.filter(pk=officer.pk).update(trained_on=date)
        officer.trained_on = date
    return entry


@transaction.atomic
def set_grid_accountable(grid, *, actor, responsible_person="", responsible_phone="", responsible_user=None,
                         liaison_person="", liaison_phone="", liaison_user=None):
    """The grid's 安全监管责任人 and 联系负责人 (names, phones and, where they have one, accounts)."""
    check_grids(actor, [grid])
    before = snapshot(grid, fields=ACCOUNTABLE_FIELDS)
    grid.responsible_person = (responsible_person or (responsible_user.display_name if responsible_user else ""))[:50]
    grid.responsible_phone = _checked_phone(responsible_phone, "responsible_phone")
    grid.responsible_user = responsible_user
    grid.liaison_person = (liaison_person or (liaison_user.display_name if liaison_user else ""))[:50]
    grid.liaison_phone = _checked_phone(liaison_phone, "liaison_phone")
    grid.liaison_user = liaison_user
    grid.save(update_fields=ACCOUNTABLE_FIELDS + ["updated_at"])
    record("grid_accountable", grid, actor=actor, before=before, after=snapshot(grid, fields=ACCOUNTABLE_FIELDS))
    return grid
