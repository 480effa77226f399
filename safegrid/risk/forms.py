"""Forms of the risk pages. They only shape input; the services validate and write."""

from django import forms

from safegrid.accounts.forms import add_bootstrap

from .models import CheckResult, ControlLevel, CycleUnit, Method, UnitType


def _fmt(value):
    return format(value, "g")


def scale_choices(values):
    return [("", "—")] + [(_fmt(v), _fmt(v)) for v in values]


class UnitForm(forms.Form):
    risk_object = forms.ChoiceField(label="风险分析对象", required=False)
    new_object = forms.CharField(label="或新增风险分析对象", required=False, max_length=100)
    name = forms.CharField(label="风险分析单元", max_length=100)
    department = forms.CharField(label="责任部门", required=False, max_length=50)
    liable_person = forms.CharField(label="责任人", required=False, max_length=50)

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_object"].choices = [("", "—")] + [(str(o.pk), o.name) for o in objects]
        add_bootstrap(self)


class EventForm(forms.Form):
    unit = forms.ChoiceField(label="风险分析单元")
    name = forms.CharField(label="风险事件", max_length=200)
    method = forms.ChoiceField(label="评估方法", choices=Method.choices)
    L = forms.ChoiceField(label="L", required=False, help_text="可能性")
    E = forms.ChoiceField(label="E", required=False, help_text="暴露频繁程度(LEC)")
    C = forms.ChoiceField(label="C", required=False, help_text="后果(LEC)")
    S = forms.ChoiceField(label="S", required=False, help_text="严重性(LS)")
    assessor = forms.CharField(label="评估人", required=False, max_length=50)

    def __init__(self, *args, units=(), lec=None, ls=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), f"{u.risk_object.name} › {u.name}") for u in units]
        lec, ls = lec or {}, ls or {}
        for key in "LEC":
            values = list(lec.get(key, []))
            if key == "L":  # LS likelihood 1-5 shares the field; offer both scales' values
                values = sorted(set(values) | set(ls.get("L", [])), reverse=True)
            self.fields[key].choices = scale_choices(values)
        self.fields["S"].choices = scale_choices(ls.get("S", []))
        add_bootstrap(self)


class MeasureForm(forms.Form):
    event = forms.ChoiceField(label="风险事件")
    description = forms.CharField(label="管控措施", max_length=500)
    check_content = forms.CharField(label="隐患排查内容", required=False, max_length=500)
    level = forms.ChoiceField(label="管控层级", choices=ControlLevel.choices, initial=ControlLevel.POST)
    cycle = forms.IntegerField(label="排查周期", min_value=1, required=False)
    cycle_unit = forms.ChoiceField(label="周期单位", choices=CycleUnit.choices, initial=CycleUnit.DAY)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(str(e.pk), e.name) for e in events]
        add_bootstrap(self)


class CheckForm(forms.Form):
    result = forms.ChoiceField(label="排查结果", choices=CheckResult.choices)
    note = forms.CharField(label="情况说明", required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class ProfileForm(forms.Form):
    hazardous_process = forms.BooleanField(label="涉及危险化工工艺", required=False)
    standardisation_level = forms.ChoiceField(label="安全生产标准化等级", required=False,
                                              choices=[("", "未达标"), ("1", "一级"), ("2", "二级"), ("3", "三级")])
    emergency_team = forms.BooleanField(label="有自有应急救援队伍", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class SourceForm(forms.Form):
    """A unit for the GB 18218 calculator; substances come as one line each: name or CAS, tonnes, categories."""

    name = forms.CharField(label="单元名称", max_length=100, required=False)
    unit_type = forms.ChoiceField(label="单元类型", choices=UnitType.choices)
    people_500m = forms.CharField(label="厂区边界外 500 m 内常住人口(人)")
    substances = forms.CharField(
        label="危险化学品(每行一种：名称或CAS号, 设计最大量(吨), 危险性类别[可选，多个用空格])",
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "液氨, 30\n甲醇, 250, W5.3\n某易燃气体, 5, W2 J3"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


def parse_substances(text):
    """Lines 'name or CAS, quantity[, categories]' -> the calculator's substance dicts."""
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        first = parts[0]
        entry = {"cas": first} if first[:1].isdigit() and "-" in first else {"name": first}
        entry["quantity"] = parts[1] if len(parts) > 1 else ""
        if len(parts) > 2 and parts[2]:
            entry["categories"] = parts[2].split()
        out.append(entry)
    return out
