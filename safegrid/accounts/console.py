"""系统管理: the management area's sections and who sees each. Every section asks the permission
function of the app that owns its data, so the menu shows only what the user can use."""

from dataclasses import dataclass

from django.urls import reverse

from safegrid.core.roles import Role


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    url: str
    summary: str


def _role(user):
    return user.effective_role if user.is_authenticated and user.is_active else None


def sections(user):
    from safegrid.workcal.services import can_edit as may_edit_calendar

    from .permissions import may_manage_users

    role = _role(user)
    county_managers = {Role.ADMIN, Role.COUNTY_OFFICE}
    out = []
    if role == Role.ADMIN:
        out.append(Section("setup", "区县初始化", "bi-flag", reverse("manage_regions:setup"),
                           "按区划代码建立区县，导入乡镇(街道)、村(社区)和网格"))
    if may_manage_users(user):
        out.append(Section("users", "用户与账号", "bi-people", reverse("manage_accounts:users"),
                           "创建、编辑、停用账号，重置密码，批量导入"))
    if role in county_managers:
        out.append(Section("departments", "部门与安委会", "bi-bank", reverse("manage_regions:departments"),
                           "行业主管部门、安委会成员单位和专委会"))
    if role in county_managers | {Role.TOWN_OFFICE}:
        out.append(Section("officers", "网格员(1+N)", "bi-person-badge", reverse("manage_regions:officers"),
                           "任命、调整网格、专兼职、离岗，岗前培训，网格责任人"))
    if role in county_managers:
        out.append(Section("leaders", "领导职务与定额", "bi-person-workspace", reverse("manage_inspections:leaders"),
                           "领导职务、责任清单、对口联系企业、带队检查定额"))
        out.append(Section("reference", "基础数据", "bi-journal-bookmark", reverse("manage_reference:index"),
                           "安全监管类别、检查表、隐患类型(修改均留痕并保留历史版本)"))
    if role in county_managers or may_edit_calendar(user):
        out.append(Section("calendar", "工作日历", "bi-calendar3", reverse("workcal:index"),
                           "年度节假日安排，按推算计算的期限"))
    return out


def may_use(user):
    return bool(sections(user))
