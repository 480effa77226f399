"""Risk services: the only place that changes risk data. Each validates, writes, audits;
bad input raises ServiceError (Chinese message, stable code, the field) and writes nothing.
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import Conflict, PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.hazards import clock
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import Grade, Source

from . import assessment, gb18218
from .models import (
    AssessmentScale,
    CheckResult,
    ControlCheckRecord,
    ControlCheckTask,
    ControlLevel,
    ControlMeasure,
    CycleUnit,
    EnterpriseGrade,
    GradeRuleSet,
    MajorHazardComputation,
    MajorHazardSource,
    Method,
    RiskAssessment,
    RiskEvent,
    RiskObject,
    RiskProfile,
    RiskUnit,
)

MAX_CYCLE = {CycleUnit.HOUR: 24 * 31, CycleUnit.DAY: 366, CycleUnit.WEEK: 53, CycleUnit.MONTH: 12}


def may_change(actor, enterprise):
    """The enterprise maintains its own risk list (企业主体责任); an administrator may help."""
    role = actor.effective_role
    return role == Role.ADMIN or (role == Role.ENTERPRISE and actor.enterprise_id == enterprise.pk)


def _allow(actor, enterprise):
    if not may_change(actor, enterprise):
        raise PermissionDenied("只有本单位的企业用户可以维护本单位的风险清单。")


def _text(data, field, label, max_length, required=True):
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ServiceError(f"{field}.required", f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ServiceError(f"{field}.too_long", f"{label}不能超过 {max_length} 个字。", field=field)
    return value


def _choice(value, enum, field, label, default=None):
    value = str(value or default or "").strip()
    for stored, display in enum.choices:
        if value in (stored, display):
            return stored
    raise ServiceError(f"{field}.invalid", f"{label}“{value}”无效，可选：{'、'.join(d for _, d in enum.choices)}。",
                       field=field)


def _owned(enterprise):
    return {"enterprise": enterprise, "region_code": enterprise.region_code}


def _live(obj, label):
    if obj.voided_at is not None:
        raise ServiceError("parent.voided", f"所属{label}已作废。", field="parent")


def _created(obj, actor):
    record(f"risk_{obj._meta.model_name}_create", obj, actor=actor, after=snapshot(obj))
    return obj


# --- the dual-prevention hierarchy --------------------------------------------------------


@transaction.atomic
def create_object(enterprise, data, *, actor):
    _allow(actor, enterprise)
    obj = RiskObject.objects.create(**_owned(enterprise), name=_text(data, "name", "风险分析对象名称", 100),
                                    code=_text(data, "code", "对象编码", 40, required=False))
    return _created(obj, actor)


@transaction.atomic
def create_unit(risk_object, data, *, actor):
    _allow(actor, risk_object.enterprise)
    _live(risk_object, "风险分析对象")
    unit = RiskUnit.objects.create(
        **_owned(risk_object.enterprise), risk_object=risk_object, name=_text(data, "name", "风险分析单元名称", 100),
        department=_text(data, "department", "责任部门", 50, required=False),
        liable_person=_text(data, "liable_person", "责任人", 50, required=False))
    return _created(unit, actor)


@transaction.atomic
def create_event(unit, data, *, actor, today=None):
    """A risk event; assessed at once when `method` is given (the usual way)."""
    _allow(actor, unit.enterprise)
    _live(unit, "风险分析单元")
    event = RiskEvent.objects.create(**_owned(unit.enterprise), unit=unit,
                                     name=_text(data, "name", "风险事件名称", 200))
    _created(event, actor)
    if data.get("method"):
        assess(event, data, actor=actor, version=event.version, today=today)
        event.refresh_from_db()
    return event


def _assessed_on(value, today):
    if value in (None, ""):
        return today
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ServiceError("assessed_on.format", "评估日期格式应为 YYYY-MM-DD。", field="assessed_on") from None
    if day > today:
        raise ServiceError("assessed_on.future", "评估日期不能晚于今天。", field="assessed_on")
    return day


@transaction.atomic
def assess(event, data, *, actor, version, today=None):
    """Assess (or reassess) an event by LEC or LS; the old assessments stay as history."""
    _allow(actor, event.enterprise)
    today = today or clock.today()
    method = _choice(data.get("method"), Method, "method", "评估方法")
    scale = assessment.active_scale(method, event.region_code)
    data_copy = assessment.scale_data(scale)
    score, color, inputs = assessment.evaluate(method, data, data_copy)
    assessor = _text(data, "assessor", "评估人", 50, required=False) or actor.display_name
    day = _assessed_on(data.get("assessed_on"), today)
    before = snapshot(event)
    changes = {"method": method, "score": score, "color": color, "assessed_on": day, "version": F("version") + 1,
               "updated_at": timezone.now()}
    if RiskEvent.objects.filter(pk=event.pk, version=version, voided_at__isnull=True).update(**changes) != 1:
        raise Conflict("该风险事件已被他人修改，请刷新后重试。", current={"version": _version(event)})
    entry = RiskAssessment.objects.create(
        event=event, enterprise_id=event.enterprise_id, region_code=event.region_code, method=method, inputs=inputs,
        scale=scale, scale_data=data_copy, score=score, color=color, assessor=assessor, assessed_on=day,
        created_by=actor)
    event.refresh_from_db()
    record("risk_assess", event, actor=actor, before=before, after={**snapshot(event), "inputs": inputs,
                                                                   "assessment": entry.pk})
    return entry


def _version(obj):
    return type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()


def replay_assessment(entry):
    """(score, colour) recomputed from the stored inputs and the copied scale."""
    score, color, _ = assessment.evaluate(entry.method, entry.inputs, entry.scale_data)
    return score, color


@transaction.atomic
def create_measure(event, data, *, actor):
    _allow(actor, event.enterprise)
    _live(event, "风险事件")
    measure = ControlMeasure.objects.create(
        **_owned(event.enterprise), event=event, description=_text(data, "description", "管控措施", 500),
        check_content=_text(data, "check_content", "隐患排查内容", 500, required=False),
        classification=_text(data, "classification", "措施分类", 30, required=False),
        level=_choice(data.get("level"), ControlLevel, "level", "管控层级", ControlLevel.POST))
    return _created(measure, actor)


def _cycle(data):
    unit = _choice(data.get("cycle_unit"), CycleUnit, "cycle_unit", "周期单位")
    try:
        cycle = int(str(data.get("cycle") or "").strip())
    except ValueError:
        raise ServiceError("cycle.format", "排查周期应为正整数。", field="cycle") from None
    if not 1 <= cycle <= MAX_CYCLE[unit]:
        raise ServiceError("cycle.range", f"排查周期应在 1 到 {MAX_CYCLE[unit]} {CycleUnit(unit).label}之间。",
                           field="cycle")
    return cycle, unit


@transaction.atomic
def create_task(measure, data, *, actor):
    _allow(actor, measure.enterprise)
    _live(measure, "管控措施")
    cycle, unit = _cycle(data)
    task = ControlCheckTask.objects.create(
        **_owned(measure.enterprise), measure=measure,
        content=_text(data, "content", "排查内容", 500, required=False) or measure.check_content or measure.description,
        cycle=cycle, cycle_unit=unit, starts_at=data.get("starts_at") or clock.now())
    return _created(task, actor)


@transaction.atomic
def record_check(task, data, *, actor):
    """An inspection record; a failing control measure is reported as a hazard and linked."""
    _allow(actor, task.enterprise)
    _live(task, "排查任务")
    result = _choice(data.get("result"), CheckResult, "result", "排查结果", CheckResult.OK)
    note = _text(data, "note", "情况说明", 500, required=result == CheckResult.FAILED)
    checked_at = data.get("checked_at") or clock.now()
    if checked_at > clock.now():
        raise ServiceError("checked_at.future", "排查时间不能晚于当前时间。", field="checked_at")
    hazard = None
    if result == CheckResult.FAILED:
        measure = task.measure
        hazard = hazard_services.report_hazard({
            "enterprise": task.enterprise_id, "source": Source.SELF_INSPECTION,
            "hazard_type": data.get("hazard_type") or "other", "grade": data.get("hazard_grade") or Grade.GENERAL,
            "criterion": data.get("criterion"),
            "description": f"管控措施失效：{measure.description}（风险事件：{measure.event.name}；排查内容：{task.content}）。{note}",
        }, actor=actor)
    entry = ControlCheckRecord.objects.create(
        task=task, enterprise_id=task.enterprise_id, region_code=task.region_code, checked_at=checked_at,
        result=result, note=note, checker=_text(data, "checker", "排查人", 50, required=False) or actor.display_name,
        hazard=hazard, created_by=actor)
    record("risk_check", entry, actor=actor, after={"task": task.pk, "result": result,
                                                    "hazard": hazard.pk if hazard else None})
    return entry


# --- major hazard sources (GB 18218) --------------------------------------------------------------


def _source_fields(data, result):
    return {"ratio_sum": result["ratio_sum"], "r_value": result["r"], "is_major": result["is_major"],
            "level": result["level"], "standard": result["standard"], "people_500m": result["people_500m"]}


@transaction.atomic
def register_source(enterprise, data, *, actor):
    """Register a unit as computed now; the computation is kept as an immutable snapshot."""
    _allow(actor, enterprise)
    name = _text(data, "name", "单元名称", 100)
    inputs = gb18218.clean_inputs(data)
    result = gb18218.compute(data)
    source = MajorHazardSource.objects.create(**_owned(enterprise), name=name, unit_type=inputs["unit_type"],
                                              substances=inputs["substances"], **_source_fields(data, result))
    MajorHazardComputation.objects.create(source=source, standard=result["standard"], inputs=inputs, result=result,
                                          computed_by=actor)
    source.refresh_from_db()  # Decimal fields, not the strings they were given as
    _created(source, actor)
    transaction.on_commit(lambda: _regrade(enterprise.pk, "major_hazard_source"))
    return source


@transaction.atomic
def recompute_source(source, data, *, actor, version):
    """New inputs (or the same, under the current edition) add a snapshot; none is overwritten."""
    _allow(actor, source.enterprise)
    merged = {"unit_type": source.unit_type, "people_500m": source.people_500m, "substances": source.substances,
              **{k: v for k, v in data.items() if k in ("unit_type", "people_500m", "substances")}}
    inputs = gb18218.clean_inputs(merged)
    result = gb18218.compute(merged)
    before = snapshot(source)
    changes = {"unit_type": inputs["unit_type"], "substances": inputs["substances"], **_source_fields(merged, result),
               "version": F("version") + 1, "updated_at": timezone.now()}
    if MajorHazardSource.objects.filter(pk=source.pk, version=version, voided_at__isnull=True).update(**changes) != 1:
        raise Conflict("该重大危险源已被他人修改，请刷新后重试。", current={"version": _version(source)})
    MajorHazardComputation.objects.create(source=source, standard=result["standard"], inputs=inputs, result=result,
                                          computed_by=actor)
    source.refresh_from_db()
    record("risk_majorhazardsource_recompute", source, actor=actor, before=before, after=snapshot(source))
    transaction.on_commit(lambda: _regrade(source.enterprise_id, "major_hazard_source"))
    return source


def _regrade(enterprise_id, trigger):
    from . import hooks

    hooks.regrade_quietly(enterprise_id, trigger)


# --- safety-code inputs and reference data (administrators) ---------------------------------------


@transaction.atomic
def set_profile(enterprise, data, *, actor):
    role = actor.effective_role
    if not (may_change(actor, enterprise) or role == Role.COUNTY_OFFICE):
        raise PermissionDenied("您的角色无权修改该单位的风险基础信息。")
    level = data.get("standardisation_level")
    if level in ("", None, "0", 0):
        level = None
    elif str(level) not in ("1", "2", "3"):
        raise ServiceError("standardisation_level.invalid", "安全生产标准化等级应为 1、2、3 级或空。",
                           field="standardisation_level")
    profile = RiskProfile.objects.filter(enterprise=enterprise).first()
    before = snapshot(profile)
    profile = profile or RiskProfile(enterprise=enterprise, region_code=enterprise.region_code)
    profile.hazardous_process = bool(data.get("hazardous_process"))
    profile.standardisation_level = int(level) if level else None
    profile.emergency_team = bool(data.get("emergency_team"))
    profile.save()
    record("risk_profile_set", profile, actor=actor, before=before, after=snapshot(profile))
    transaction.on_commit(lambda: _regrade(enterprise.pk, "profile"))
    return profile


def _admin(actor):
    if actor.effective_role != Role.ADMIN:
        raise PermissionDenied("只有系统管理员可以修改评估标准和赋码规则。")


@transaction.atomic
def set_scale(*, province, method, scales, bands, source, actor):
    """A new edition of a province's LEC/LS scale; earlier editions stay for replay."""
    _admin(actor)
    method = _choice(method, Method, "method", "评估方法")
    if province != "*" and not (len(province) == 2 and province.isdigit()):
        raise ServiceError("province.invalid", "省级区划代码应为两位数字或 *。", field="province")
    data = {"scales": scales, "bands": bands}
    keys = [k for k, _ in assessment.FACTORS[method]]
    if sorted(scales) != sorted(keys) or not all(scales[k] for k in keys):
        raise ServiceError("scales.invalid", f"取值表须包含 {'、'.join(keys)}。", field="scales")
    if not bands or bands[-1]["op"] != ">=" or {b["color"] for b in bands} - {"red", "orange", "yellow", "blue"}:
        raise ServiceError("bands.invalid", "颜色分界须按红、橙、黄、蓝排列，最后一档为下限。", field="bands")
    if not str(source or "").strip():
        raise ServiceError("source.required", "请注明依据(文件名称或文号)。", field="source")
    previous = AssessmentScale.objects.filter(province=province, method=method).order_by("-edition").first()
    AssessmentScale.objects.filter(province=province, method=method, active=True).update(active=False)
    scale = AssessmentScale.objects.create(province=province, method=method, **data, source=source.strip(),
                                           edition=(previous.edition + 1) if previous else 1, created_by=actor)
    record("risk_scale_set", scale, actor=actor, before=snapshot(previous), after=snapshot(scale), region_code="")
    return scale


@transaction.atomic
def set_rule_set(*, region, rules, source, actor):
    """A new edition of a region's safety-code rules ('*', a province or a county code)."""
    _admin(actor)
    if region != "*" and not (len(region) in (2, 6) and region.isdigit()):
        raise ServiceError("region.invalid", "适用区划应为 *、两位省代码或六位区县代码。", field="region")
    for key in ("base", "bands", "rules", "supervision"):
        if key not in rules:
            raise ServiceError("rules.invalid", f"规则缺少“{key}”。", field="rules")
    if not str(source or "").strip():
        raise ServiceError("source.required", "请注明依据(文件名称或文号)。", field="source")
    previous = GradeRuleSet.objects.filter(region=region).order_by("-edition").first()
    GradeRuleSet.objects.filter(region=region, active=True).update(active=False)
    rule_set = GradeRuleSet.objects.create(region=region, rules=rules, source=source.strip(), created_by=actor,
                                           edition=(previous.edition + 1) if previous else 1)
    record("risk_rules_set", rule_set, actor=actor, before=snapshot(previous), after=snapshot(rule_set),
           region_code=region if len(region) == 6 else "")
    return rule_set


# --- supervision by colour ----------------------------------------------------------------------


def required_inspections(enterprise):
    """(per_year, kind, reason) from the enterprise's colour and category, per the rule set."""
    from .grading import RuleSets, regrade_one

    grade = EnterpriseGrade.objects.filter(enterprise=enterprise).first()
    if grade is None:
        regrade_one(enterprise.pk, "supervision")
        grade = EnterpriseGrade.objects.get(enterprise=enterprise)
    rules = RuleSets().for_region(enterprise.region_code).rules["supervision"]
    entry = rules[grade.color]
    per_year, reason = entry["per_year"], entry["reason"]
    minimum = rules.get("category_minimum", {}).get(enterprise.category.code)
    if minimum and minimum > per_year:
        per_year, reason = minimum, f"{reason}；{enterprise.category.name}类单位每年不少于 {minimum} 次"
    cap = rules.get("max_per_year")
    if cap and per_year > cap:
        per_year, reason = cap, f"{reason}；按本地规定每家单位每年检查不超过 {cap} 次"
    return per_year, entry["kind"], reason
