"""First run of a county (区县初始化): the county from its division code, then its towns and
villages from the statistics bureau's code table. Grids follow with the GeoJSON import.

Names of the province, city and county come from the GB/T 2260 table that python-stdnum ships
(`cn/loc`, with the years each code was in use); the administrator can correct them.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from stdnum import numdb

from safegrid import tables
from safegrid.audit.services import record
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role

from . import services
from .models import Region, RegionLevel

TOWN_HEADERS = ["统计用区划代码", "名称"]
TOWN_NOTES = [
    "乡镇(街道)和村(社区)导入模板 填写说明",
    "",
    "1. 每行一个乡镇(街道)或村(社区)，填写国家统计局统计用区划代码(12 位)和名称。",
    "2. 代码后三位为 000 的是乡镇(街道)，其余是村(社区)；村(社区)的前 9 位须与其所属乡镇(街道)一致。",
    "3. 代码可从国家统计局“统计用区划和城乡划分代码”或本地民政部门获取；整表复制后粘贴为数值即可。",
    "4. 导入时先预览：任何一行有错误，整个文件都不会写入。已存在的代码会被跳过(名称不同时提示)。",
]
CODE12 = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str


def _current_name(value):
    """'[1994-]赫山区' or '[1997-1997]万县区,[1998-]万州区' -> the name in use now."""
    names = value.split(",")
    for name in reversed(names):
        if not name.startswith("[") or name.split("]")[0].endswith("-"):
            return name.split("]")[-1]
    return None  # abolished


def lookup(code):
    """(province, city, county) Divisions for a 6-digit county code, or None when unknown/abolished."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code) or code.endswith("00"):
        return None
    db = numdb.get("cn/loc")

    def name_of(six):
        info = {k: v for _part, props in db.info(six) for k, v in props.items()}
        return _current_name(info["county"]) if "county" in info else None

    county, city, province = name_of(code), name_of(code[:4] + "00"), name_of(code[:2] + "0000")
    if not (county and province):
        return None
    return Division(code[:2] + "0000", province), Division(code[:4] + "00", city or province), Division(code, county)


def _check_admin(actor):
    if actor is not None and actor.effective_role != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以初始化区县。")


@transaction.atomic
def setup_county(code, *, actor, province_name=None, city_name=None, county_name=None):
    """Create the county (with its province and city when missing). Returns the county."""
    _check_admin(actor)
    found = lookup(code)
    if found is None:
        raise ServiceError("county.code_unknown", f"区划代码 {code} 不是现行的区县级代码(GB/T 2260)。", field="code")
    province, city, county = found
    if Region.objects.filter(code=county.code).exists():
        raise ServiceError("county.exists", f"区县 {county.code} 已建立。", field="code")
    parent = None
    for division, name, level in ((province, province_name, RegionLevel.PROVINCE),
                                  (city, city_name, RegionLevel.CITY)):
        existing = Region.objects.filter(code=division.code).first()
        parent = existing or services.create_region(code=division.code, name=name or division.name, level=level,
                                                    parent=parent, actor=actor)
    return services.create_region(code=county.code, name=county_name or county.name, level=RegionLevel.COUNTY,
                                  parent=parent, actor=actor)


@dataclass
class TownPlan:
    rows: int = 0
    errors: list = field(default_factory=list)
    towns: list = field(default_factory=list)  # (code, name)
    villages: list = field(default_factory=list)
    skipped: int = 0

    @property
    def valid(self):
        return not self.errors


def town_template(county):
    examples = [[f"{county.code}001000", "示例街道"], [f"{county.code}001001", "示例社区"],
                [f"{county.code}101000", "示例镇"], [f"{county.code}101201", "示例村"]]
    return tables.template("乡镇村", TOWN_HEADERS, examples, TOWN_NOTES, {"统计用区划代码": 20, "名称": 24})


def import_towns(county, data, filename, *, actor, write=False):
    """Towns and villages of `county` from the code table; all written or none."""
    _check_admin(actor)
    rows = tables.read_table(data, filename, TOWN_HEADERS)
    plan = TownPlan(rows=len(rows))
    existing = dict(Region.objects.filter(region_code=county.region_code).values_list("code", "name"))
    seen, names = {}, {}
    for row in rows:
        code, name = row.values["统计用区划代码"].replace(" ", ""), row.values["名称"]
        problem = _row_problem(county, code, name, seen, existing)
        if problem:
            plan.errors.append({"row": row.number, "code": code, "message": problem})
            continue
        seen[code] = row.number
        names[code] = name
        if code in existing:
            plan.skipped += 1
        else:
            (plan.towns if code.endswith("000") else plan.villages).append((code, name))
    for code, _name in plan.villages:
        town = code[:9] + "000"
        if town not in names and town not in existing:
            plan.errors.append({"row": seen[code], "code": code,
                                "message": f"所属乡镇(街道) {town} 既不在表中也未建立。"})
    if plan.errors or not write:
        return plan
    with transaction.atomic():
        towns = {r.code: r for r in Region.objects.filter(region_code=county.region_code, level=RegionLevel.TOWN)}
        for code, name in sorted(plan.towns):
            towns[code] = services.create_region(code=code, name=name, level=RegionLevel.TOWN, parent=county,
                                                 actor=actor)
        for code, name in sorted(plan.villages):
            services.create_region(code=code, name=name, level=RegionLevel.VILLAGE, parent=towns[code[:9] + "000"],
                                   actor=actor)
        record("region_import", county, actor=actor, after={"file": filename[:200], "towns": len(plan.towns),
                                                            "villages": len(plan.villages), "skipped": plan.skipped})
    return plan


def _row_problem(county, code, name, seen, existing):
    if not CODE12.match(code):
        return f"代码“{code}”应为 12 位数字。"
    if not code.startswith(county.code):
        return f"代码 {code} 不属于{county.name}({county.code})。"
    if code[6:9] == "000":
        return f"代码 {code} 的乡镇位为 000，不是乡镇(街道)或村(社区)代码。"
    if not name:
        return "名称不能为空。"
    if code in seen:
        return f"代码与第 {seen[code]} 行重复。"
    if code in existing and existing[code] != name:
        return f"代码 {code} 已建立为“{existing[code]}”，与表中名称不同。"
    return None


def progress(county):
    """The first-run checklist of a county: what exists of each step."""
    from safegrid.accounts.models import User
    from safegrid.inspections.models import LeaderPost

    from .models import Department, Grid, GridOfficer

    regions = Region.objects.filter(region_code=county.region_code, voided_at__isnull=True)
    return {
        "towns": regions.filter(level=RegionLevel.TOWN).count(),
        "villages": regions.filter(level=RegionLevel.VILLAGE).count(),
        "grids": Grid.objects.filter(region_code=county.region_code, voided_at__isnull=True).count(),
        "departments": Department.objects.filter(region_code=county.region_code, voided_at__isnull=True).count(),
        "users": User.objects.filter(scope_grants__path__startswith=county.path).distinct().count(),
        "officers": GridOfficer.objects.filter(region_code=county.region_code, voided_at__isnull=True).count(),
        "leader_posts": LeaderPost.objects.filter(region_code=county.region_code, active=True).count(),
    }
