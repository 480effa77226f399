"""A county in use: hazards over the last ~90 days, public tips, risk assessments and grades, the
inspector directory, the annual plan, a 双随机 draw and one signed inspection.

Everything goes through the service functions (they check roles and states and write the audit
trail). Business dates (reported_at, deadlines, closed_at) are spread over the past 90 days by
running the services under the hazards clock (`safegrid.hazards.clock`, the documented patch
point); timeline and audit rows keep their real write time. Deterministic from the seed.
"""

import base64
import contextlib
import datetime
import io
import random
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from safegrid.accounts.models import User
from safegrid.hazards import clock
from safegrid.hazards import services as hz
from safegrid.hazards.models import STEPS_BEFORE_ACCEPTANCE, CloseOutStep, Hazard, MajorHazardCriterion, State
from safegrid.hazards.queries import due_soon_limit
from safegrid.regions.models import Department, GridOfficer, Region, RegionLevel
from safegrid.registry.models import Enterprise

from . import names

HAZARDS, HAZARDS_SMALL = 200, 36
TIPS, TIPS_SMALL = 20, 8
HISTORY_DAYS = 90

# --- descriptions ----------------------------------------------------------------------------

DESCRIPTIONS = {
    "electrical": ["配电箱未加锁，箱门无“当心触电”警示标识", "线路老化，绝缘层破损导线裸露", "私拉乱接电线，插线板串联使用",
                   "配电柜前堆放杂物，未铺设绝缘胶垫", "电动车在楼道内停放充电"],
    "fire_facilities": ["灭火器压力不足，已超过检验期限", "室内消火栓被货物遮挡，无法正常使用", "应急照明灯损坏不亮",
                        "疏散指示标志缺失", "火灾自动报警系统故障未修复"],
    "safety_exits": ["消防通道堆放杂物", "安全出口上锁，营业期间无法开启", "疏散楼梯间堆放纸箱等可燃物",
                     "常闭式防火门常开，闭门器损坏"],
    "hazchem_storage": ["危化品仓库内氧化剂与易燃液体混存", "储罐区防火堤破损未修复", "甲类仓库未设置可燃气体检测报警装置",
                        "危险化学品出入库台账记录不全"],
    "special_equipment": ["叉车未按期检验，司机无证操作", "压力容器安全阀超期未校验", "桥式起重机限位器失效"],
    "work_at_height": ["脚手架连墙件缺失", "楼层临边防护栏杆缺失", "高处作业人员未系安全带", "吊篮安全绳未独立设置"],
    "confined_space": ["有限空间作业未执行审批", "污水池入口未设置有限空间警示标识", "未配备气体检测仪和强制通风设备"],
    "gas_use": ["液化气钢瓶与灶具间距不足", "厨房未安装可燃气体报警器", "燃气软管老化，超期未更换", "液化气钢瓶存放在地下室"],
    "machine_guarding": ["传动皮带防护罩缺失", "冲床光电保护装置失效", "砂轮机未安装防护挡板"],
    "dust_explosion": ["粉尘除尘系统未定期清理", "除尘器未设置泄爆装置", "作业现场积尘厚度超标"],
    "hot_work": ["动火作业未办理动火作业证", "电焊作业现场无监护人，未配备灭火器材"],
    "building_structure": ["厂房屋面彩钢板锈蚀破损", "违规设置住人夹层", "围墙开裂倾斜"],
    "safety_management": ["未建立隐患排查治理台账", "全员安全生产责任制未落实到岗位", "安全操作规程未张贴上墙"],
    "training_certificates": ["电工特种作业操作证过期", "新入职员工未进行三级安全教育"],
    "ppe": ["打磨作业人员未佩戴防尘口罩", "未按规定为作业人员发放劳动防护用品"],
    "emergency": ["生产安全事故应急预案未演练", "应急物资配备不足，部分已过期"],
}
PLACES = ["生产车间", "一号仓库", "配电房", "厨房", "二楼仓储区", "办公楼", "原料堆场", "后院", "营业大厅", "宿舍区"]
TYPES_BY_GROUP = {
    "hazardous_chemicals": ["hazchem_storage", "electrical", "fire_facilities", "hot_work", "confined_space",
                            "safety_management", "emergency", "ppe"],
    "trade": ["machine_guarding", "dust_explosion", "electrical", "confined_space", "special_equipment", "ppe",
              "training_certificates", "fire_facilities"],
    "venues": ["fire_facilities", "safety_exits", "electrical", "gas_use"],
    "construction": ["work_at_height", "electrical", "building_structure", "special_equipment", "ppe"],
    "gas": ["gas_use", "hazchem_storage", "fire_facilities", "emergency"],
    "other": ["electrical", "fire_facilities", "safety_exits", "safety_management", "training_certificates"],
}
OWNERLESS = [  # places no enterprise owns: grid + location
    ("safety_exits", "小区地下车库", "小区消防车通道被私家车长期占用"),
    ("electrical", "村民集中居住点", "电动车集中停放点私拉电线充电"),
    ("building_structure", "废弃厂房", "废弃厂房屋顶部分坍塌，周边无警戒围挡"),
    ("other", "村道临水路段", "村道临水临崖路段护栏缺失"),
    ("building_structure", "沿街自建房", "自建房外墙广告牌松动，存在坠落风险"),
    ("other", "山塘坝体", "山塘坝体背水坡渗水，未设警示标志"),
]
MEASURES = {"rectify": "立即停用并落实整改，整改完成前设置警示标志、专人看护",
            "train": "组织相关人员开展专项安全教育培训，完善制度和台账"}
REJECT_REASONS = ["经现场核实，该问题上报前已整改完毕，不属于隐患。", "经核实为正常作业状态，不构成隐患。"]
SEND_BACK_REASONS = ["整改后照片不清晰，未体现整改效果，请补充。", "现场复查发现问题仍然存在，请继续整改。"]

# --- tips ------------------------------------------------------------------------------------

TIP_TEXTS = [
    ("small_venues", "路口一家小餐馆后厨液化气钢瓶就放在灶台旁边，经常闻到气味。"),
    ("construction", "工地塔吊晚上还在作业，现场没看到有人指挥，开塔吊的师傅好像没有证。"),
    ("crowded_places", "商场后面的消防通道被铁门锁住了，还堆着很多纸箱。"),
    ("fireworks", "居民楼一楼门面里堆放了大量烟花爆竹，疑似无证储存。"),
    ("hazardous_chemicals", "夜里有货车往河边倒桶装液体，味道刺鼻。"),
    ("trade_light_industry", "家具厂打磨车间粉尘很大，工人没有戴口罩，除尘设备好像没开。"),
    ("", "村里废弃砖厂的烟囱有裂缝，小孩经常在下面玩。"),
    ("small_venues", "出租屋里隔了很多小房间住人，电线乱拉，楼道里电动车充电。"),
    ("road_transport", "校车超载，车上座位不够，孩子站着。"),
    ("town_gas", "小区燃气管道有漏气的味道，报给物业几天了没人处理。"),
    ("schools", "培训机构在三楼，只有一个楼梯，窗户都装了防盗网。"),
    ("trade_machinery", "机械加工厂的冲床防护装置被拆掉了，上个月有人压伤手。"),
]
TIP_NAMES = [("王先生", "13800138000"), ("李女士", "13800138001"), ("张先生", "13800138002")]

# --- images ----------------------------------------------------------------------------------


def jpeg(rng, name):
    """A tiny valid JPEG (an on-site photo stand-in)."""
    image = Image.new("RGB", (96, 72), tuple(rng.randrange(60, 220) for _ in range(3)))
    ImageDraw.Draw(image).rectangle([20, 16, 76, 56], outline=(40, 40, 40), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return SimpleUploadedFile(name, out.getvalue(), "image/jpeg")


def signature_png(rng):
    """A PNG data URL with a scribbled signature."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    points = [(20 + 40 * i, rng.randrange(30, 95)) for i in range(7)]
    ImageDraw.Draw(image).line(points, fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# --- the simulated clock ---------------------------------------------------------------------


class SimClock:
    """The hazards clock set to a moment in the past (never later than the real now)."""

    def __init__(self):
        self.real_now = timezone.now()
        self.today = timezone.localdate(self.real_now)
        self.moment = None

    def at(self, day, rng):
        local = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randrange(60)))
        latest = self.real_now - datetime.timedelta(minutes=1)
        self.moment = min(timezone.make_aware(local), latest)
        return self.moment

    def local_day(self):
        return timezone.localdate(self.moment or self.real_now)

    @contextlib.contextmanager
    def patched(self):
        with mock.patch.object(clock, "now", lambda: self.moment or timezone.now()), \
                mock.patch.object(clock, "today", self.local_day):
            yield self
        self.moment = None


# --- the actors ------------------------------------------------------------------------------


class Cast:
    def __init__(self, county):
        users = {u.username: u for u in User.objects.filter(username__in=[
            "admin", "county_office", "dept_zjj", "town_hls", "town_bzs", "enterprise", "wgy0001"])}
        self.admin, self.county, self.dept = users["admin"], users["county_office"], users["dept_zjj"]
        self.company_user = users["enterprise"]
        self.company = self.company_user.enterprise
        self.demo_officer = users["wgy0001"]
        self.town_office = {}
        for name in ("town_hls", "town_bzs"):
            for grant in users[name].scope_grants.select_related("region"):
                if grant.region_id:
                    self.town_office[grant.region_id] = users[name]
        self.officer_of = {}
        # Officers who may report: on duty and trained (先培训再上岗).
        for officer in GridOfficer.objects.filter(region_code=county.region_code, trained_on__isnull=False,
                                                  voided_at__isnull=True).select_related("user") \
                .prefetch_related("grids").order_by("pk"):
            for grid in officer.grids.all():
                self.officer_of.setdefault(grid.pk, officer.user)

    def office(self, hazard):
        return self.town_office.get(hazard.town_id, self.county)

    def rectifier(self, hazard, submitting=False):
        if self.company and hazard.enterprise_id == self.company.pk:
            return self.company_user
        if hazard.assigned_department_id and hazard.assigned_department_id == self.dept.department_id:
            return self.dept
        if submitting and hazard.enterprise_id is None and hazard.grid_id in self.officer_of:
            return self.officer_of[hazard.grid_id]
        return self.office(hazard)

    def acceptor(self, hazard):
        if hazard.assigned_department_id and hazard.assigned_department_id == self.dept.department_id \
                and hazard.handling != "on_spot":
            return self.dept
        return self.office(hazard)


def _group(code):
    if code == "hazardous_chemicals":
        return "hazardous_chemicals"
    if code.startswith("trade_") and code != "trade_commerce":
        return "trade"
    if code in ("crowded_places", "small_venues", "schools", "tourism_culture", "trade_commerce"):
        return "venues"
    if code in ("construction", "interior_decoration", "high_rise_exterior"):
        return "construction"
    if code in ("town_gas", "lpg_point"):
        return "gas"
    return "other"


# --- hazards ---------------------------------------------------------------------------------

# (state, kind, share): the mix of a county whose loop runs, with a backlog.
MIX = [
    ("reported", "", 0.11), ("confirmed", "", 0.05), ("rejected", "", 0.04), ("merged", "", 0.01),
    ("assigned", "", 0.07), ("rectifying", "overdue", 0.10), ("rectifying", "due_soon", 0.06),
    ("rectifying", "normal", 0.15), ("submitted", "", 0.08), ("closed", "", 0.29), ("closed", "on_spot", 0.04),
]
AGE = {"reported": (0, 4), "confirmed": (1, 6), "rejected": (3, 70), "merged": (2, 40), "assigned": (2, 10),
       "overdue": (30, 88), "due_soon": (6, 35), "normal": (3, 40), "submitted": (8, 50), "closed": (8, 90),
       "on_spot": (0, 80)}


def _plan_states(total, rng):
    states = []
    for state, kind, share in MIX:
        states += [(state, kind)] * max(1, round(total * share))
    rng.shuffle(states)
    return states[:total]


class HazardWriter:
    def __init__(self, cast, sim, rng):
        self.cast, self.sim, self.rng = cast, sim, rng
        self.photo_no = 0
        self.reported = []

    def photo(self):
        self.photo_no += 1
        return jpeg(self.rng, f"demo{self.photo_no:04d}.jpg")

    def step(self, day, max_gap=2):
        """The next moment after `day`, never past today."""
        day = min(day + datetime.timedelta(days=self.rng.randint(0, max_gap)), self.sim.today)
        self.sim.at(day, self.rng)
        return day

    def report(self, data, actor, day, photo=True, after=False):
        self.sim.at(day, self.rng)
        before = [self.photo()] if photo else []
        after_photos = [self.photo()] if after else []
        hazard = hz.report_hazard(data, actor=actor, before_photos=before, after_photos=after_photos)
        self.reported.append(hazard)
        return hazard

    def walk(self, hazard, state, kind, day):
        """Take a reported hazard along the loop to `state`, dating each step after the last."""
        rng, cast = self.rng, self.cast
        if kind == "on_spot":
            day = self.step(day, 1)
            return hz.accept(hazard, actor=cast.office(hazard), version=hazard.version, reason="现场复核，已整改到位。")
        if state == "reported":
            return hazard
        office = cast.office(hazard)
        day = self.step(day, 1)
        if state == "rejected":
            return hz.reject(hazard, actor=office, version=hazard.version, reason=rng.choice(REJECT_REASONS))
        if state == "merged":
            return hazard  # merged by the caller, which knows the target
        hazard = hz.confirm(hazard, actor=office, version=hazard.version, reason="已现场核实。")
        if state == "confirmed":
            return hazard
        day = self.step(day, 1)
        department = hazard.lead_department if hazard.lead_department_id and rng.random() < 0.8 else None
        hazard = hz.assign(hazard, actor=office, version=hazard.version, department=department)
        if state == "assigned":
            return hazard
        day = self.step(day, 2)
        deadline = self.deadline(day, state, kind)
        hazard = hz.plan(hazard, actor=cast.rectifier(hazard), version=hazard.version, today=day,
                         data=self.five(hazard, deadline))
        if state == "rectifying":
            if kind == "normal" and rng.random() < 0.15:
                day = self.step(day, 3)
                hazard = hz.extend(hazard, actor=cast.county, version=hazard.version, today=day,
                                   data={"deadline": deadline + datetime.timedelta(days=rng.randint(10, 20))},
                                   reason="整改需采购设备，供货周期较长，申请延期。")
            return hazard
        if hazard.is_major:
            self.steps(hazard, day)
        latest = min(deadline, self.sim.today)
        day = self.between(day, latest)
        hazard = self.submit(hazard, day)
        if state == "closed" and rng.random() < 0.15:
            day = self.step(day, 2)
            hazard = hz.send_back(hazard, actor=cast.acceptor(hazard), version=hazard.version,
                                  reason=rng.choice(SEND_BACK_REASONS))
            day = self.step(day, 3)
            hazard = self.submit(hazard, day)
        if state == "submitted":
            return hazard
        day = self.step(day, 3)
        hazard = hz.accept(hazard, actor=cast.acceptor(hazard), version=hazard.version, reason="复查合格，同意销号。")
        if hazard.is_major:
            hz.record_closeout_step(hazard, actor=cast.county, step=CloseOutStep.ACCOUNTABILITY_REVIEW,
                                    note="已约谈企业主要负责人，责成落实全员安全生产责任制。")
        return hazard

    def between(self, start, end):
        if end <= start:
            self.sim.at(start, self.rng)
            return start
        day = start + datetime.timedelta(days=self.rng.randint(1, (end - start).days))
        self.sim.at(day, self.rng)
        return day

    def deadline(self, day, state, kind):
        today, rng = self.sim.today, self.rng
        if kind == "overdue":
            latest = today - datetime.timedelta(days=1)
            return max(day, min(day + datetime.timedelta(days=rng.randint(7, 25)), latest))
        if kind == "due_soon":
            return max(day, rng.choice([d for d in (today + datetime.timedelta(days=n) for n in range(4))
                                        if d <= due_soon_limit(today)]))
        if kind == "normal":
            return max(day + datetime.timedelta(days=rng.randint(10, 30)), today + datetime.timedelta(days=6))
        return day + datetime.timedelta(days=rng.randint(7, 30))

    def five(self, hazard, deadline):
        person = hazard.enterprise.principal_person if hazard.enterprise_id and hazard.enterprise.principal_person \
            else names.person_name(self.rng)
        data = {"responsible_person": person, "deadline": deadline,
                "measures": MEASURES["train" if hazard.hazard_type.code in ("safety_management",
                                                                             "training_certificates") else "rectify"],
                "funds": self.rng.choice(["", "500", "2000", "8000"])}
        if hazard.is_major:
            data.update(funds=str(self.rng.randint(5, 60) * 10000),
                        contingency_plan="整改期间停用相关装置，设置警戒区，安排专人24小时值守，配足应急器材。")
        return data

    def steps(self, hazard, day):
        cast = self.cast
        actor = cast.company_user if cast.company and hazard.enterprise_id == cast.company.pk else cast.county
        notes = {CloseOutStep.SELF_RECTIFICATION: "企业已按方案完成整改并自查。",
                 CloseOutStep.EXPERT_VERIFICATION: "市安全生产专家库专家现场核查，整改措施有效。",
                 CloseOutStep.GOVERNMENT_SUPERVISION: "区安委办挂牌督办，跟踪整改全过程。"}
        for step in STEPS_BEFORE_ACCEPTANCE:
            day = self.step(day, 1)
            hz.record_closeout_step(hazard, actor=actor if step == CloseOutStep.SELF_RECTIFICATION else cast.county,
                                    step=step, note=notes[step])

    def submit(self, hazard, day):
        hazard.refresh_from_db()
        return hz.submit(hazard, actor=self.cast.rectifier(hazard, submitting=True), version=hazard.version,
                         description="已按整改方案完成整改，附整改后照片。", after_photos=[self.photo()])


def _reporter(cast, enterprise, rng):
    """(actor, source): mostly the grid officer, sometimes the department or the county office."""
    roll = rng.random()
    if roll < 0.12 and cast.dept_sees(enterprise):
        return cast.dept, "department_inspection"
    if roll < 0.18:
        return cast.county, "department_inspection"
    return cast.officer_of[enterprise.grid_id], "grid_patrol"


def _description(rng, type_code, enterprise):
    text = rng.choice(DESCRIPTIONS[type_code])
    place = rng.choice(PLACES)
    return f"{place}{text}。" if enterprise is not None else f"{text}。"


def write_hazards(cast, county, sim, rng, total, small):
    writer = HazardWriter(cast, sim, rng)
    visible_to_dept = set(Enterprise.objects.restrict(cast.dept, "view").values_list("pk", flat=True))
    cast.dept_sees = lambda e: e.pk in visible_to_dept
    pool = list(Enterprise.objects.filter(region_code=county.region_code, status="operating", voided_at__isnull=True,
                                          grid__in=list(cast.officer_of)).select_related("category").order_by("pk"))
    demo_grids = set(GridOfficer.objects.filter(user=cast.demo_officer).values_list("grids", flat=True))
    in_demo = [e for e in pool if e.grid_id in demo_grids]
    plan = _plan_states(total, rng)
    # The demo officer's grids get a share of the work, so that login has tasks.
    targets = [rng.choice(in_demo) if in_demo and i % 12 == 0 else rng.choice(pool) for i in range(len(plan))]
    majors = _major_targets(pool, cast, rng, 2 if small else 5)
    hazards = []
    for (state, kind), enterprise in zip(plan, targets, strict=True):
        ownerless = state not in ("merged",) and rng.random() < 0.06
        age = rng.randint(*AGE[kind or state])
        day = sim.today - datetime.timedelta(days=age)
        if ownerless:
            type_code, location, text = rng.choice(OWNERLESS)
            grid = enterprise.grid
            data = {"grid": grid.code, "location": f"{grid.name}{location}", "hazard_type": type_code,
                    "description": f"{text}。", "source": "grid_patrol"}
            actor = cast.officer_of[grid.pk]
        else:
            type_code = rng.choice(TYPES_BY_GROUP[_group(enterprise.category.code)])
            actor, source = _reporter(cast, enterprise, rng)
            data = {"enterprise": enterprise.pk, "hazard_type": type_code, "source": source,
                    "description": _description(rng, type_code, enterprise), "lon": enterprise.lon,
                    "lat": enterprise.lat}
        on_spot = kind == "on_spot" and actor.role == "grid_officer"
        if on_spot:
            data.update(handling="on_spot", rectification_description="已督促现场整改完毕。")
        elif kind == "on_spot":
            kind = ""
        hazard = writer.report(data, actor, day, photo=rng.random() < 0.35, after=on_spot)
        if state == "merged" and hazards:
            original = next((h for h in hazards if h.state in (State.REPORTED, State.CONFIRMED)), None)
            if original is not None:
                writer.step(day, 1)
                hz.merge(hazard, actor=cast.office(hazard), version=hazard.version, target=original,
                         reason="与已上报隐患重复。")
                continue
            state = "reported"
        hazards.append(writer.walk(hazard, state, kind, day))
    for (state, kind, age), (enterprise, criterion) in zip(MAJOR_STATES, majors, strict=False):
        day = sim.today - datetime.timedelta(days=age)
        type_code = "hazchem_storage" if enterprise.category.code == "hazardous_chemicals" else "dust_explosion"
        actor, source = (cast.county, "department_inspection")
        data = {"enterprise": enterprise.pk, "hazard_type": type_code, "source": source, "grade": "major",
                "criterion": criterion.pk, "description": f"{criterion.text.rstrip('。')}（现场检查发现）。",
                "lon": enterprise.lon, "lat": enterprise.lat}
        hazard = writer.report(data, actor, day)
        hazards.append(writer.walk(hazard, state, kind, day))
    hazards += _company_hazards(writer, cast, sim, rng)
    return writer.reported


# (state, kind, days ago) of the major hazards, in order: the first is overdue (挂牌督办).
MAJOR_STATES = [("rectifying", "overdue", 60), ("closed", "", 80), ("rectifying", "normal", 20),
                ("assigned", "", 5), ("rectifying", "overdue", 45)]
MAJOR_CRITERIA = {"hazardous_chemicals": ["检测报警", "分区分类", "动火", "特种作业"],
                  "industry_trade": ["粉尘", "除尘", "有限空间", "煤气"]}


def _major_targets(pool, cast, rng, count):
    """Enterprises with a matching criterion item: hazardous chemicals and dust-related trade."""
    found = []
    for sector, words in MAJOR_CRITERIA.items():
        criteria = [c for c in MajorHazardCriterion.objects.filter(sector=sector, active=True).order_by("pk")
                    if any(w in c.text for w in words)]
        if sector == "hazardous_chemicals":
            companies = [e for e in pool if e.category.code == "hazardous_chemicals"
                         and (not cast.company or e.pk != cast.company.pk)]
        else:
            companies = [e for e in pool if e.category.code in ("trade_light_industry", "trade_machinery",
                                                                  "trade_metallurgy", "trade_building_materials")]
        rng.shuffle(companies)
        found += list(zip(companies[:3], criteria[:3] if len(criteria) >= 3 else criteria * 3, strict=False))
    order = [found[i] for i in (0, 3, 1, 4, 2) if i < len(found)]
    return order[:count]


def _company_hazards(writer, cast, sim, rng):
    """The enterprise login's own company: something to plan, something to submit, a self-inspection."""
    company = cast.company
    if company is None:
        return []
    out = []
    items = [("assigned", "", 3, "fire_facilities", cast.officer_of.get(company.grid_id, cast.county), "grid_patrol"),
             ("rectifying", "due_soon", 12, "hazchem_storage", cast.county, "department_inspection"),
             ("reported", "", 1, "electrical", cast.company_user, "self_inspection"),
             ("closed", "", 40, "ppe", cast.company_user, "self_inspection")]
    for state, kind, age, type_code, actor, source in items:
        day = sim.today - datetime.timedelta(days=age)
        data = {"enterprise": company.pk, "hazard_type": type_code, "source": source,
                "description": _description(rng, type_code, company), "lon": company.lon, "lat": company.lat}
        out.append(writer.walk(writer.report(data, actor, day), state, kind, day))
    return out


# --- tips ------------------------------------------------------------------------------------


def write_tips(cast, county, rng, total):
    from safegrid.tips import services as ts
    from safegrid.tips.abuse import RateLimited
    from safegrid.tips.models import Channel

    partner, _key = ts.create_partner("12345政务服务便民热线", actor=None)
    places = list(Enterprise.objects.filter(region_code=county.region_code, status="operating",
                                            lon__isnull=False).order_by("pk")[:400])
    tips = []
    for i in range(total):
        category, text = TIP_TEXTS[i % len(TIP_TEXTS)]
        spot = rng.choice(places)
        data = {"description": text, "category": category or "other", "county": county.code,
                "lon": round(spot.lon + rng.uniform(-0.002, 0.002), 6),
                "lat": round(spot.lat + rng.uniform(-0.002, 0.002), 6),
                "address": f"{spot.address}附近" if spot.address else ""}
        named = i % 4 == 1
        if named:
            name, mobile = TIP_NAMES[i % len(TIP_NAMES)]
            data.update(anonymous="0", name=name, mobile=mobile)
        submitted = None
        if not named and i % 3:  # named callers (and a third of the rest) come in through the hotline
            with contextlib.suppress(RateLimited):  # the per-address limit: repeated builds in one process
                submitted = ts.submit_tip(data, channel=Channel.WEB)
        submitted = submitted or ts.submit_tip(data, channel=Channel.OPEN311, partner=partner)
        tips.append(submitted.tip)
    handled = []
    for i, tip in enumerate(tips):
        handler = cast.town_office.get(tip.town_id, cast.county)
        if tip.department_id and tip.department_id == cast.dept.department_id:
            handler = cast.dept
        stage = i % 8
        if stage in (0, 7):
            continue  # 待受理
        if stage == 1:
            ts.reject(tip, actor=handler, version=tip.version, reason="不属于安全生产监管事项，已告知向相关部门反映。",
                      public_reply="您反映的问题不属于安全生产监管范围，建议向12345热线咨询相关主管部门。")
            continue
        tip = ts.accept(tip, actor=handler, version=tip.version, note="已受理，安排属地核查。")
        if stage == 2:
            ts.reply(tip, actor=handler, version=tip.version, public_reply="已安排人员现场核查，请耐心等待处理结果。")
            continue
        if stage == 3:
            towns = list(Region.objects.filter(region_code=county.region_code, level=RegionLevel.TOWN)
                         .exclude(pk=tip.town_id).order_by("code")[:1])
            if towns:
                ts.reassign(tip, actor=cast.county, version=tip.version, town=towns[0],
                            reason="经核实地点位于相邻乡镇(街道)，改派属地办理。")
            continue
        if stage == 4:
            tip = ts.verify(tip, actor=handler, version=tip.version, founded=False, finding="现场核查未发现所反映问题。")
            ts.close(tip, actor=handler, version=tip.version, outcome="查证不属实。",
                     public_reply="经现场核查，未发现您反映的问题，感谢您的监督。")
            continue
        tip = ts.verify(tip, actor=handler, version=tip.version, founded=True, finding="经现场核查，反映问题属实。")
        if stage == 5:
            tip = ts.record_no_hazard(tip, actor=handler, version=tip.version, reason="已责令现场整改完毕，并依法处理。")
            ts.close(tip, actor=handler, version=tip.version, outcome="已现场整改。",
                     public_reply="经核查问题属实，已责令现场整改完毕，感谢您的举报。")
            continue
        if not handled:  # one tip becomes a hazard
            type_code = "gas_use" if "钢瓶" in tip.description or "燃气" in tip.description else "other"
            ts.create_hazard(tip, actor=handler, version=tip.version, hazard_type=type_code,
                             description=f"群众举报核实：{tip.description}")
            handled.append(tip)
    return tips


# --- risk ------------------------------------------------------------------------------------

RISK_EVENTS = [  # (unit, event, method, inputs, measure, cycle, unit of cycle)
    ("甲醇储罐区", "储罐泄漏引发火灾爆炸", "LEC", {"L": 3, "E": 6, "C": 40}, "储罐液位、温度在线监测，可燃气体报警联锁", 1, "day"),
    ("甲醇储罐区", "装卸作业静电引燃", "LEC", {"L": 1, "E": 6, "C": 15}, "装卸前静电接地，控制流速", 1, "day"),
    ("配电室", "电气线路过载引发火灾", "LEC", {"L": 1, "E": 3, "C": 7}, "每月红外测温，配电室门禁管理", 1, "month"),
    ("污水处理池", "进入有限空间中毒窒息", "LS", {"L": 2, "S": 5}, "作业审批，先通风、再检测、后作业", 1, "week"),
]
OTHER_RISK_EVENTS = [
    ("生产车间", "机械伤害", "LEC", {"L": 3, "E": 6, "C": 7}, "设备防护罩完好，定期检查", 1, "week"),
    ("仓库", "火灾", "LS", {"L": 2, "S": 4}, "消防器材完好，禁止吸烟和明火", 1, "week"),
]


def write_risk(cast, county, rng, sim):
    from safegrid.risk import services as rs

    company = cast.company
    companies = [(company, cast.company_user, RISK_EVENTS)] if company else []
    others = list(Enterprise.objects.filter(region_code=county.region_code, status="operating",
                                            category__code__in=["trade_machinery", "trade_light_industry"])
                  .order_by("pk")[:3])
    companies += [(e, cast.admin, OTHER_RISK_EVENTS) for e in others]
    for enterprise, actor, events in companies:
        obj = rs.create_object(enterprise, {"name": f"{enterprise.name[:40]}厂区", "code": f"RO{enterprise.pk}"},
                               actor=actor)
        units = {}
        for unit_name, event_name, method, inputs, measure, cycle, cycle_unit in events:
            if unit_name not in units:
                units[unit_name] = rs.create_unit(obj, {"name": unit_name, "department": "安全环保部",
                                                        "liable_person": enterprise.safety_manager or "安全员"},
                                                  actor=actor)
            event = rs.create_event(units[unit_name], {"name": event_name, "method": method, **inputs,
                                                       "assessor": enterprise.safety_manager or ""}, actor=actor)
            control = rs.create_measure(event, {"description": measure, "check_content": f"检查{measure}落实情况",
                                                "level": "workshop"}, actor=actor)
            task = rs.create_task(control, {"cycle": cycle, "cycle_unit": cycle_unit,
                                            "starts_at": sim.real_now - datetime.timedelta(days=30)}, actor=actor)
            rs.record_check(task, {"result": "ok", "checked_at": sim.real_now - datetime.timedelta(days=2)},
                            actor=actor)
    if company:
        rs.set_profile(company, {"hazardous_process": False, "standardisation_level": "3", "emergency_team": True},
                       actor=cast.company_user)
        rs.register_source(company, {"name": "甲醇储罐区", "unit_type": "storage", "people_500m": 120, "substances": [
            {"name": "甲醇", "quantity": "800", "categories": ["W5.3"]},
            {"name": "乙醇", "quantity": "300", "categories": ["W5.3"]}]}, actor=cast.company_user)
    second = (Enterprise.objects.filter(region_code=county.region_code, status="operating",
                                        category__code="hazardous_chemicals").exclude(pk=getattr(company, "pk", None))
              .order_by("pk").first())
    if second:
        rs.register_source(second, {"name": "液化石油气储罐区", "unit_type": "storage", "people_500m": 60,
                                    "substances": [{"name": "液化石油气", "quantity": "120", "categories": ["W2"]}]},
                           actor=cast.admin)


# Declared risk inputs of the higher-risk sectors, so the demo's safety codes spread the way a
# county's do (most blue, a tail of yellow/orange/red), not all blue. (category, share with a
# profile, share with a hazardous process, standardisation level weights for 1/2/3/none)
PROFILE_SHARES = [
    ("hazardous_chemicals", 1.0, 0.35, (1, 3, 8, 6)), ("non_coal_mine", 1.0, 0.0, (0, 2, 10, 16)),
    ("fireworks", 0.5, 0.0, (0, 1, 6, 10)), ("trade_metallurgy", 0.8, 0.0, (1, 3, 8, 8)),
    ("trade_nonferrous", 0.8, 0.0, (0, 3, 8, 8)), ("lpg_point", 0.6, 0.0, (0, 0, 3, 10)),
]
# Stored substances of major hazard sources (GB 18218-2018): (category, share, unit, substance,
# quantity range in t, GHS categories). Quantities around 1-8 times the critical quantity.
SOURCE_SHARES = [
    ("hazardous_chemicals", 0.5, "储罐区", "液氨", (12, 60), ["J1"]),
    ("hazardous_chemicals", 0.3, "液氯储存库", "液氯", (6, 40), ["J1"]),
    ("lpg_point", 0.5, "液化石油气储罐区", "液化石油气", (55, 160), ["W2"]),
    ("trade_metallurgy", 0.15, "煤气柜", "液氨", (11, 25), ["J1"]),
]


def write_risk_profiles(cast, county, rng):
    """Profiles and major hazard sources declared through the services (audited, as staff would)."""
    from safegrid.risk import services as rs
    from safegrid.risk.models import MajorHazardSource, RiskProfile

    operating = Enterprise.objects.filter(region_code=county.region_code, status="operating", voided_at__isnull=True)
    done = set(RiskProfile.objects.values_list("enterprise_id", flat=True))
    for code, share, process, weights in PROFILE_SHARES:
        for enterprise in operating.filter(category__code=code).exclude(pk__in=done).order_by("pk"):
            if rng.random() >= share:
                continue
            level = rng.choices(["1", "2", "3", ""], weights=weights)[0]
            rs.set_profile(enterprise, {"hazardous_process": rng.random() < process, "standardisation_level": level,
                                        "emergency_team": level in ("1", "2") and rng.random() < 0.5},
                           actor=cast.admin)
    declared = set(MajorHazardSource.objects.values_list("enterprise_id", flat=True))
    for code, share, unit, substance, (low, high), categories in SOURCE_SHARES:
        for enterprise in operating.filter(category__code=code).exclude(pk__in=declared).order_by("pk"):
            if rng.random() >= share:
                continue
            quantity = f"{rng.uniform(low, high):.1f}"
            rs.register_source(enterprise, {"name": unit, "unit_type": "storage", "people_500m": rng.randrange(0, 400),
                                            "substances": [{"name": substance, "quantity": quantity,
                                                            "categories": categories}]}, actor=cast.admin)
            declared.add(enterprise.pk)


def regrade(county):
    from safegrid.risk import grading

    stats = grading.regrade(Enterprise.objects.filter(region_code=county.region_code, voided_at__isnull=True))
    grading.record_run(stats)
    return stats


# --- inspections -----------------------------------------------------------------------------

EXPERTS = [("黄志强", "益阳市安全生产专家库", "expert"), ("邓丽华", "益阳市安全生产专家库", "expert"),
           ("胡振宇", "湖南省注册安全工程师事务所", "service_org"), ("曹建平", "安责险承保机构益阳服务中心", "insurer")]


def write_inspections(cast, county, rng, sim, seed):
    from safegrid.inspections import directory, draw, plan, services

    departments = list(Department.objects.filter(region_code=county.region_code, voided_at__isnull=True)
                       .order_by("pk"))
    for d_no, department in enumerate(departments, start=1):
        for n in range(1, 3):
            linked = department.pk == cast.dept.department_id and n == 1
            directory.save_inspector({
                "name": cast.dept.name if linked else names.person_name(rng), "unit": department.name,
                "department": department, "certificate_no": f"4309032{d_no:02d}{n:03d}",
                "user": cast.dept if linked else None}, actor=cast.county)
    for name, unit, kind in EXPERTS:
        directory.save_inspector({"name": name, "unit": unit, "kind": kind, "region_code": county.region_code},
                                 actor=cast.county)
    today = sim.today
    yearly = plan.generate_plan(actor=cast.county, region_code=county.region_code, year=today.year)
    quarter = (today.month - 1) // 3 + 1
    first = datetime.date(today.year, 3 * quarter - 2, 1)
    last = (datetime.date(today.year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - datetime.timedelta(days=1))
    drawn = draw.create_draw(actor=cast.county, region_code=county.region_code,
                             name=f"{today.year}年第{'一二三四'[quarter - 1]}季度双随机抽查", scheduled_from=first,
                             scheduled_to=last, seed=f"demo-{seed}-{today.year}q{quarter}")
    draw.publish(drawn, actor=cast.county)
    inspection = drawn.inspections.select_related("enterprise").order_by("pk").first()
    signed = None
    if inspection is not None:
        inspection = services.start(inspection, actor=cast.county, version=inspection.version)
        items = list(inspection.checklist.items.order_by("no"))
        failing = next((i for i in items if i.criterion_id is None), items[0])
        for item in items:
            fail = item.pk == failing.pk
            services.record_result(inspection, actor=cast.county, item=item, result="fail" if fail else "pass",
                                   note="现场检查发现该项不符合要求，已当场指出。" if fail else "")
        inspection.refresh_from_db()
        signed = services.sign(
            inspection, actor=cast.county, version=inspection.version,
            member_signatures={str(m.pk): signature_png(rng) for m in inspection.members.all()},
            representative=inspection.enterprise.principal_person or "单位负责人",
            representative_signature=signature_png(rng), summary_note="发现问题1项，已生成隐患并交属地跟踪整改。")
    return yearly, drawn, signed


# --- entry point -----------------------------------------------------------------------------


def build_activity(county, seed, small=False, log=None):
    """Write the county's activity. Called by builder.build_demo inside its transaction."""
    log = log or (lambda message: None)
    rng = random.Random(f"{seed}:activity")
    cast = Cast(county)
    sim = SimClock()
    log("隐患、举报、风险与检查 writing hazards, tips, risk and inspections …")
    with sim.patched():
        write_hazards(cast, county, sim, rng, HAZARDS_SMALL if small else HAZARDS, small)
    write_tips(cast, county, rng, TIPS_SMALL if small else TIPS)
    write_risk(cast, county, rng, sim)
    write_risk_profiles(cast, county, rng)
    regrade(county)
    write_inspections(cast, county, rng, sim, seed)
    regrade(county)


def hazard_counts(region_code=names.COUNTY[0][:6]):
    from django.db.models import Count

    rows = Hazard.objects.filter(region_code=region_code).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}
