"""Forms of the registry pages. They only collect raw values; the services validate them.

A ServiceError's `errors` go back onto the form with `add_service_errors`, each next to its field.
"""

from django import forms

from safegrid.accounts.forms import add_bootstrap
from safegrid.regions.models import Region, RegionLevel

from .models import EnterpriseStatus, IndustryCode, IndustryLevel, SafetyCategory, Scale

ALL = "全部"
YES_NO = [("", ALL), ("true", "是"), ("false", "否")]


class ListSelect(forms.Select):
    """A single-choice drop-down for a multiple-value filter (?status=a&status=b still works)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v]


def scope_towns(user):
    return (Region.objects.restrict(user, "view").filter(level=RegionLevel.TOWN, voided_at__isnull=True)
            .order_by("path"))


def category_choices():
    return [(c.code, c.name) for c in SafetyCategory.objects.filter(active=True)]


def industry_choices():
    """GB/T 4754 sections and their divisions, divisions indented under their section."""
    rows = IndustryCode.objects.filter(level__in=[IndustryLevel.SECTION, IndustryLevel.DIVISION]).order_by("code")
    sections = [r for r in rows if r.level == IndustryLevel.SECTION]
    divisions = [r for r in rows if r.level == IndustryLevel.DIVISION]
    choices = []
    for section in sections:
        choices.append((section.code, f"{section.code} {section.name}"))
        choices += [(d.code, f"\u3000{d.code} {d.name}") for d in divisions if d.parent_id == section.pk]
    return choices


def enterprise_filter_form(filterset, user, fixed_status=None):
    """The EnterpriseFilter form with drop-downs fit for the page (towns of the user's scope)."""
    form = filterset.form
    fields = form.fields
    fields["q"].widget.attrs["placeholder"] = "名称或统一社会信用代码"
    fields["region"].label = "乡镇(街道)"
    fields["region"].widget = forms.Select(choices=[("", ALL)] + [(t.code, t.name) for t in scope_towns(user)])
    fields["category"].widget = ListSelect(choices=[("", ALL)] + category_choices())
    statuses = [c for c in EnterpriseStatus.choices if fixed_status is None or c[0] in fixed_status]
    fields["status"].widget = ListSelect(choices=[("", ALL)] + statuses)
    fields["scale"].widget = forms.Select(choices=[("", ALL)] + list(Scale.choices))
    fields["industry"].label = "国民经济行业"
    fields["industry"].widget = forms.Select(choices=[("", ALL)] + industry_choices())
    fields["has_grid"].widget = forms.Select(choices=YES_NO)
    fields["operating_elsewhere"].widget = forms.Select(choices=YES_NO)
    # Reachable by URL (?grid=code) from grid pages; a drop-down of every grid would be too long.
    fields["grid"].widget = forms.HiddenInput()
    add_bootstrap(form)
    for field in fields.values():
        field.widget.attrs["class"] += " form-control-sm" if "form-control" in field.widget.attrs["class"] \
            else " form-select-sm"
    return form


def add_service_errors(form, exc):
    """Put every problem of a ServiceError next to its field (or above the form)."""
    problems = exc.errors or [{"field": exc.field, "message": exc.message}]
    for problem in problems:
        field = problem.get("field")
        form.add_error(field if field in form.fields else None, problem["message"])
    add_bootstrap(form)
    return form


def _text(label, max_length=200, **kw):
    return forms.CharField(label=label, required=False, max_length=max_length, **kw)


class EnterpriseForm(forms.Form):
    """Raw enterprise fields in the shape `services.clean_enterprise` reads."""

    name = _text("单位名称", widget=forms.TextInput(attrs={"required": True}))
    credit_code = _text("统一社会信用代码", 30, widget=forms.TextInput(attrs={"autocapitalize": "characters"}))
    no_credit_code_reason = _text("无信用代码原因", help_text="仅个体工商户等无统一社会信用代码的单位填写。")
    category = forms.ChoiceField(label="安全监管类别", required=False)
    industry = _text("国民经济行业代码", 5, help_text="GB/T 4754-2017 门类、大类、中类或小类代码，如 26。",
                     widget=forms.TextInput(attrs={"list": "sg-industry-codes"}))
    scale = forms.ChoiceField(label="规模", choices=Scale.choices, required=False)
    status = forms.ChoiceField(label="经营状态", choices=EnterpriseStatus.choices, required=False)
    status_since = forms.CharField(label="状态起始日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    headcount = forms.CharField(label="从业人数", required=False,
                                widget=forms.NumberInput(attrs={"min": 0, "step": 1}))
    legal_representative = _text("法定代表人", 50)
    legal_representative_mobile = _text("法定代表人手机", 11, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    principal_person = _text("主要负责人", 50)
    principal_mobile = _text("主要负责人手机", 11, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    safety_manager = _text("安全管理人员", 50)
    safety_manager_mobile = _text("安全管理人员手机", 11, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    operating_region = forms.ChoiceField(label="经营地(乡镇/村)", required=False,
                                         help_text="不填时按坐标所在网格确定。")
    registered_region = _text("注册地区划代码", 12, help_text="区县、乡镇或村的区划代码；留空表示与经营地相同。")
    address = _text("经营地址", 300)
    lon = forms.CharField(label="经度", required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = forms.CharField(label="纬度", required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, operating_regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择")] + category_choices()
        places = operating_regions.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE],
                                          voided_at__isnull=True).order_by("path")
        self.fields["operating_region"].choices = [("", "按坐标确定")] + [
            (r.code, r.name if r.level == RegionLevel.TOWN else f"\u3000{r.name}") for r in places]
        add_bootstrap(self)

    def raw(self):
        """Submitted values as plain strings (the service checks them)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="经营状态", choices=EnterpriseStatus.choices)
    status_since = forms.CharField(label="状态起始日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="留空为今天。")
    reason = _text("原因", 500)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class GridOverrideForm(forms.Form):
    grid = forms.ChoiceField(label="网格")
    reason = _text("人工指定原因", 300, widget=forms.TextInput(attrs={"required": True}))

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, f"{g.name}({g.code})") for g in grids]
        add_bootstrap(self)


class VoidForm(forms.Form):
    reason = _text("作废原因", 500, widget=forms.TextInput(attrs={"required": True}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class RuleForm(forms.Form):
    lead_department = forms.ChoiceField(label="牵头部门", required=False,
                                        help_text="留空则由乡镇(街道)属地兜底，并标为监管空白。")
    cooperating = forms.MultipleChoiceField(label="配合部门", required=False,
                                            widget=forms.CheckboxSelectMultiple)
    note = _text("说明", 300)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(d.pk), d.name) for d in departments]
        self.fields["lead_department"].choices = [("", "无(属地兜底)")] + choices
        self.fields["cooperating"].choices = choices
        add_bootstrap(self)
        self.fields["cooperating"].widget.attrs["class"] = "form-check-input"


class KeyAreaForm(forms.Form):
    county = forms.ChoiceField(label="区县")
    name = _text("区域名称", 100, widget=forms.TextInput(attrs={"required": True}))
    reason = _text("列为重点的原因", 500, widget=forms.Textarea(attrs={"rows": 2, "required": True}))
    grids = forms.MultipleChoiceField(label="选择网格", required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 8}))
    polygon = forms.CharField(label="或粘贴边界(GeoJSON)", required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false",
                                                           "placeholder": '{"type": "Polygon", "coordinates": [...]}'}))

    def __init__(self, *args, counties, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, c.name) for c in counties]
        self.fields["grids"].choices = [(str(g.pk), f"{g.region.name} · {g.name}") for g in grids]
        add_bootstrap(self)
