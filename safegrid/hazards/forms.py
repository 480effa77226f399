"""Forms of the hazard pages. They collect raw values only; the services validate them and
their ServiceError goes back next to the field (registry.forms.add_service_errors)."""

from django import forms

from safegrid.accounts.forms import add_bootstrap

from .models import CloseOutStep, Grade, Handling, HazardType, MajorHazardCriterion, PhotoKind


def _text(label, max_length=300, required=False, **kw):
    return forms.CharField(label=label, required=required, max_length=max_length, **kw)


def _area(label, rows=3, **kw):
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}), **kw)


def criterion_choices():
    """Active criteria grouped by standard, for a <select> with optgroups."""
    groups = {}
    for c in MajorHazardCriterion.objects.filter(active=True).order_by("sector", "-edition", "id"):
        label = f"{c.sector_name}（{c.edition}）"
        text = f"{c.article}{c.item} {c.text}"
        groups.setdefault(label, []).append((str(c.pk), text[:60] + ("…" if len(text) > 60 else "")))
    return [("", "请选择判定依据条目")] + list(groups.items())


class Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class ReportForm(forms.Form):
    enterprise = _text("生产经营单位", 20, widget=forms.HiddenInput)
    grid = forms.ChoiceField(label="所在网格", required=False)
    location = _text("位置描述", widget=forms.TextInput(attrs={"placeholder": "如：某路口东侧、某小区3栋地下室"}))
    lon = _text("经度", 20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = _text("纬度", 20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    hazard_type = forms.ChoiceField(label="隐患类型", required=False)
    grade = forms.ChoiceField(label="隐患等级", choices=Grade.choices, initial=Grade.GENERAL,
                              widget=forms.RadioSelect)
    criterion = forms.ChoiceField(label="判定依据(重大事故隐患判定标准)", required=False)
    handling = forms.ChoiceField(label="治理方式", choices=Handling.choices, initial=Handling.BY_DEADLINE,
                                 widget=forms.RadioSelect)
    description = _area("隐患描述", rows=4)
    rectification_description = _area("现场整改情况", rows=2)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", "请选择网格")] + [(g.code, f"{g.name}（{g.region.name}）") for g in grids]
        self.fields["hazard_type"].choices = [("", "请选择")] + [
            (t.code, t.name) for t in HazardType.objects.filter(active=True)]
        self.fields["criterion"].choices = criterion_choices()
        add_bootstrap(self)
        for name in ("grade", "handling"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def raw(self):
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ConfirmForm(Versioned):
    grade = forms.ChoiceField(label="核定等级", choices=[("", "维持上报等级")] + list(Grade.choices), required=False)
    criterion = forms.ChoiceField(label="判定依据(重大隐患必选)", required=False)
    reason = _text("核实意见", 500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = criterion_choices()


class ReasonForm(Versioned):
    reason = _text("原因", 500, required=False)


class RequiredReasonForm(Versioned):
    reason = _text("原因", 500, required=False, widget=forms.TextInput(attrs={"required": True}))


class MergeForm(Versioned):
    target = forms.IntegerField(label="合并到隐患编号", required=False)
    reason = _text("说明", 500)


class AssignForm(Versioned):
    department = forms.ChoiceField(label="责任部门", required=False)
    reason = _text("交办意见", 500)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "不交办部门，由属地乡镇(街道)兜底")] + [
            (str(d.pk), d.name) for d in departments]


class PlanForm(Versioned):
    responsible_person = _text("整改责任人", 50)
    measures = _area("整改措施")
    funds = _text("整改资金(元)", 20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    deadline = _text("整改时限", 10, widget=forms.DateInput(attrs={"type": "date"}))
    working_days = _text("或：N 个工作日", 3, widget=forms.NumberInput(attrs={"min": 1, "max": 365}),
                         help_text="按官方工作日历(含调休)推算时限。")
    contingency_plan = _area("整改期间应急预案", rows=2)


class SubmitForm(Versioned):
    description = _area("整改情况说明")


class ExtendForm(Versioned):
    deadline = _text("延期后时限", 10, widget=forms.DateInput(attrs={"type": "date"}))
    working_days = _text("或：N 个工作日", 3, widget=forms.NumberInput(attrs={"min": 1, "max": 365}))
    reason = _text("延期原因", 500)


class CloseoutForm(Versioned):
    step = forms.ChoiceField(label="销号步骤", choices=CloseOutStep.choices)
    note = _area("情况说明", rows=2)

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = list(steps)


class PhotosForm(Versioned):
    kind = forms.ChoiceField(label="类别", choices=PhotoKind.choices, initial=PhotoKind.EVIDENCE)


class BulkAssignForm(forms.Form):
    department = forms.ChoiceField(label="交办给", required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "属地乡镇(街道)兜底")] + [(str(d.pk), d.name) for d in departments]
        add_bootstrap(self)
