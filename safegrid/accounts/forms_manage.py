"""Forms of 系统管理 › 用户与账号. They only parse input; the services decide (accounts.services)."""

from django import forms

from safegrid.core.roles import Role
from safegrid.regions.models import Department, Grid, Region, RegionLevel
from safegrid.registry.models import Enterprise

from .forms import add_bootstrap
from .permissions import creatable_roles

# Which jurisdiction fields each role uses (the page shows only those; see manage.js).
REGION_ROLES = f"{Role.COUNTY_OFFICE} {Role.TOWN_OFFICE} {Role.LEADER} {Role.DEPARTMENT}"


def scoped_choices(actor):
    """Regions (counties, towns), grids and departments the actor may give."""
    regions = Region.objects.restrict(actor, "view").filter(
        voided_at__isnull=True, level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]).order_by("path")
    grids = Grid.objects.restrict(actor, "view").filter(voided_at__isnull=True).select_related("region").order_by("path")
    departments = Department.objects.restrict(actor, "view").filter(voided_at__isnull=True).order_by("region_code", "name")
    return regions, grids, departments


class RegionChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_level_display()} {obj.code}）"


class GridChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.region.name} · {obj.name}（{obj.code}）"


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，建立后不可修改；字母、数字或 _ . @ + -")
    name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    role = forms.ChoiceField(label="角色")
    regions = RegionChoice(label="辖区(区县或乡镇街道)", queryset=Region.objects.none(), required=False,
                           help_text="区县安委办选区县，乡镇(街道)安监办选乡镇(街道)，领导选所在区县或乡镇")
    grids = GridChoice(label="负责网格", queryset=Grid.objects.none(), required=False,
                       help_text="网格员按网格授权；任命、培训请到“网格员(1+N)”")
    department = forms.ModelChoiceField(label="所属部门", queryset=Department.objects.none(), required=False,
                                        empty_label="（不属于部门）")
    enterprise = forms.CharField(label="所属单位统一社会信用代码", max_length=18, required=False,
                                 help_text="企业用户填写其单位的信用代码；也可在单位详情页一键开通")

    def __init__(self, actor, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        roles = [(value, label) for value, label in Role.choices if value in creatable_roles(actor)]
        self.fields["role"].choices = roles
        self.fields["role"].widget.attrs["data-sg-role"] = "1"
        regions, grids, departments = scoped_choices(actor)
        self.fields["regions"].queryset = regions
        self.fields["grids"].queryset = grids
        self.fields["department"].queryset = departments
        for name in ("regions", "grids"):
            self.fields[name].widget.attrs["size"] = 8
        self.fields["mobile"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        if user is not None:
            del self.fields["username"]
        add_bootstrap(self)
        self.role_blocks = {"regions": REGION_ROLES, "grids": Role.GRID_OFFICER, "department": Role.DEPARTMENT,
                            "enterprise": Role.ENTERPRISE}

    def clean_enterprise(self):
        code = (self.cleaned_data.get("enterprise") or "").strip().upper()
        if not code:
            return None
        found = Enterprise.objects.restrict(self.actor, "view").filter(
            voided_at__isnull=True).filter(credit_code=code).first()
        if found is None:
            raise forms.ValidationError("该信用代码的单位不存在或不在您的辖区内。")
        return found

    @classmethod
    def initial_for(cls, user):
        grants = list(user.scope_grants.select_related("region", "grid"))
        return {"name": user.name, "mobile": user.mobile, "role": user.role, "department": user.department_id,
                "regions": [g.region_id for g in grants if g.region_id],
                "grids": [g.grid_id for g in grants if g.grid_id],
                "enterprise": user.enterprise.credit_code if user.enterprise_id else ""}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        add_bootstrap(self)


def filter_form(filterset, actor):
    """The UserFilter's form for the page: the actor's own regions and departments, auto-submitting."""
    form = add_bootstrap(filterset.form)
    regions, _grids, departments = scoped_choices(actor)
    form.fields["region"].queryset = regions
    form.fields["department"].queryset = departments
    form.fields["q"].widget.attrs["placeholder"] = "用户名、姓名或手机号"
    for name in ("role", "status", "region", "department"):
        form.fields[name].widget.attrs["data-sg-autosubmit"] = "1"
    return form
