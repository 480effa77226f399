"""Bulk import of accounts from the Excel template: every row checked by the same service as the
form (create_user, with the importer's rights), then all written or none.

Each account gets its own random initial password, shown once on the result page and changed at
the first log-in (must_change_password).
"""

import re
from dataclasses import dataclass, field

from django.db import transaction

from safegrid import tables
from safegrid.audit.services import record
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.regions.models import Department, Grid, Region
from safegrid.registry.models import Enterprise

from . import services
from .permissions import counties_of

HEADERS = ["用户名", "姓名", "手机号", "角色", "辖区区划代码", "网格编码", "所属部门", "单位信用代码"]
REQUIRED = ["用户名", "姓名", "角色"]
ROLE_BY_LABEL = {label: value for value, label in Role.choices} | {value: value for value in Role.values}
# Short names people write in a sheet.
ROLE_BY_LABEL |= {"区县安委办": Role.COUNTY_OFFICE, "应急管理局": Role.COUNTY_OFFICE, "行业部门": Role.DEPARTMENT,
                  "乡镇安监办": Role.TOWN_OFFICE, "街道安监办": Role.TOWN_OFFICE, "领导": Role.LEADER,
                  "企业": Role.ENTERPRISE}
SPLIT = re.compile(r"[、,，;；\s]+")
NOTES = [
    "用户批量导入模板 填写说明",
    "",
    "1. 每行一个账号；不要修改表头。用户名、姓名、角色必填。",
    "2. 角色填写：系统管理员、区县安委办/应急管理局、行业主管部门、乡镇(街道)安监办、网格员、企业用户、领导(只读)。",
    "3. 辖区区划代码：区县安委办填 6 位区县代码，乡镇(街道)安监办填 12 位乡镇代码，领导填区县或乡镇代码；多个用顿号分隔。",
    "4. 网格员填写网格编码(多个用顿号分隔)；任命为专职/兼职网格员和岗前培训在“网格员(1+N)”中办理。",
    "5. 行业主管部门用户填写所属部门全称；企业用户填写其单位的统一社会信用代码。",
    "6. 导入时先预览：任何一行有错误，整个文件都不会写入。",
    "7. 每个账号生成随机初始密码，只在导入完成页显示一次；用户首次登录须修改密码。",
]
EXAMPLES = [["hls_ajb01", "王小明", "13807370001", "乡镇(街道)安监办", "430903001000", "", "", ""],
            ["wgy_hls_0101", "李红", "13807370002", "网格员", "", "430903001001-01", "", ""]]


@dataclass
class Outcome:
    rows: int = 0
    errors: list = field(default_factory=list)
    created: list = field(default_factory=list)  # (username, name, role label, initial password)

    @property
    def valid(self):
        return not self.errors


def build_template():
    return tables.template("用户", HEADERS, EXAMPLES, NOTES,
                           {"用户名": 16, "辖区区划代码": 26, "网格编码": 26, "所属部门": 24, "单位信用代码": 22})


def _codes(text):
    return [c for c in SPLIT.split(text or "") if c]


def _resolve(values, actor):
    """Role, regions, grids, department and enterprise named by the row, looked up in the actor's scope."""
    role = ROLE_BY_LABEL.get(values["角色"].strip())
    if role is None:
        raise ServiceError("user.role_unknown", f"角色“{values['角色']}”无效。", field="角色")
    regions_qs = Region.objects.restrict(actor, "view").filter(voided_at__isnull=True)
    regions = []
    for code in _codes(values.get("辖区区划代码")):
        region = regions_qs.filter(code=code).first()
        if region is None:
            raise ServiceError("region.unknown", f"区划代码 {code} 不存在或不在您的辖区内。", field="辖区区划代码")
        regions.append(region)
    grids_qs = Grid.objects.restrict(actor, "view").filter(voided_at__isnull=True)
    grids = []
    for code in _codes(values.get("网格编码")):
        grid = grids_qs.filter(code=code).first()
        if grid is None:
            raise ServiceError("grid.unknown", f"网格编码 {code} 不存在或不在您的辖区内。", field="网格编码")
        grids.append(grid)
    department = None
    if values.get("所属部门"):
        department = Department.objects.restrict(actor, "view").filter(
            voided_at__isnull=True, name=values["所属部门"]).first()
        if department is None:
            raise ServiceError("department.unknown", f"部门“{values['所属部门']}”不存在。", field="所属部门")
    enterprise = None
    if values.get("单位信用代码"):
        enterprise = Enterprise.objects.restrict(actor, "view").filter(
            voided_at__isnull=True, credit_code=values["单位信用代码"].upper()).first()
        if enterprise is None:
            raise ServiceError("enterprise.unknown", f"信用代码 {values['单位信用代码']} 的单位不存在或不在您的辖区内。",
                               field="单位信用代码")
    return role, regions, grids, department, enterprise


def run(data, filename, actor, *, write=False):
    """Check every row (and write them all when `write` and none fails)."""
    rows = tables.read_table(data, filename, HEADERS, required=REQUIRED)
    outcome = Outcome(rows=len(rows))
    seen = {}
    with transaction.atomic():
        for row in rows:
            values = row.values
            username = values["用户名"]
            if username in seen:
                outcome.errors.append(_row_error(row, "用户名", "user.duplicate_in_file",
                                                 f"用户名与第 {seen[username]} 行重复。"))
                continue
            seen[username] = row.number
            try:
                with transaction.atomic():
                    role, regions, grids, department, enterprise = _resolve(values, actor)
                    password = services.generate_password()
                    services.create_user(username=username, password=password, role=role, actor=actor,
                                         name=values["姓名"], mobile=values.get("手机号", ""), department=department,
                                         regions=regions, grids=grids, enterprise=enterprise, must_change=True)
                    outcome.created.append((username, values["姓名"], Role(role).label, password))
            except ServiceError as exc:
                outcome.errors.append(_row_error(row, _column(exc.field), exc.code, exc.message))
        if outcome.errors or not write:
            # A preview writes nothing; its generated passwords are never shown.
            transaction.set_rollback(True)
            if outcome.errors:
                outcome.created = []
            return outcome
        record("user_import", None, actor=actor, object_type="accounts.user", object_id="import",
               region_code=(counties_of(actor) or [""])[0],
               after={"file": filename[:200], "created": [c[0] for c in outcome.created]})
    return outcome


FIELD_COLUMNS = {"username": "用户名", "name": "姓名", "mobile": "手机号", "role": "角色", "regions": "辖区区划代码",
                 "grids": "网格编码", "department": "所属部门", "enterprise": "单位信用代码", "password": "用户名"}


def _column(field_name):
    return FIELD_COLUMNS.get(field_name, field_name if field_name in HEADERS else None)


def _row_error(row, column, code, message):
    return {"row": row.number, "column": column, "code": code, "message": message}
