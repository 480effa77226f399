"""Forms of 系统管理 for the county set-up, departments, the committee and grid officers."""

from django import forms

from safegrid.accounts.models import User
from safegrid.core.roles import Role

from .models import Department, Grid, TrainingResult


class Bootstrapped(forms.Form):
    """Bootstrap classes at once, the invalid marks after validation: a subclass sets its querysets
    after this __init__, so nothing here may validate the form early."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class CountyForm(Bootstrapped):
    code = forms.CharField(label="区县区划代码", max_length=6, min_length=6,
                           help_text="6 位 GB/T 2260 代码，如 430903(湖南省益阳市赫山区)")
    province_name = forms.CharField(label="省级名称", max_length=100, required=False)
    city_name = forms.CharField(label="地市级名称", max_length=100, required=False)
    county_name = forms.CharField(label="区县名称", max_length=100, required=False)


class DepartmentForm(Bootstrapped):
    name = forms.CharField(label="部门名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=30, required=False)
    committee_member = forms.BooleanField(label="安委会成员单位", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee_member"].widget.attrs["class"] = "form-check-input"


class DepartmentChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class CommitteeForm(Bootstrapped):
    name = forms.CharField(label="专委会名称", max_length=100,
                           help_text="如：道路交通安全专业委员会、危险化学品安全专业委员会")
    lead_department = forms.ModelChoiceField(label="牵头单位", queryset=Department.objects.none())
    members = DepartmentChoice(label="成员单位", queryset=Department.objects.none(), required=False)

    def __init__(self, departments, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = departments
        self.fields["members"].queryset = departments
        self.fields["members"].widget.attrs["class"] = "form-check-input"


class GridChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.region.name} · {obj.name}（{obj.code}）"


class OfficerForm(Bootstrapped):
    """Appoint: an existing grid-officer account, or a new account made in the same step."""

    user = forms.ModelChoiceField(label="已有账号", queryset=User.objects.none(), required=False,
                                  empty_label="（新建账号）")
    username = forms.CharField(label="新账号用户名", max_length=150, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    grids = GridChoice(label="负责网格", queryset=Grid.objects.none())
    full_time = forms.TypedChoiceField(label="岗位", choices=[("1", "专职网格员"), ("0", "兼职网格员")],
                                       coerce=lambda v: v == "1", initial="0",
                                       help_text="专职须先通过岗前培训；未培训的人员可先任命为兼职，培训合格后再改为专职")

    def __init__(self, grids, candidates, *args, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids
        self.fields["grids"].widget.attrs["size"] = 8
        if edit:
            for name in ("user", "username", "name", "mobile"):
                del self.fields[name]
        else:
            self.fields["user"].queryset = candidates

    def clean(self):
        data = super().clean()
        if "user" in self.fields and not data.get("user") and not (data.get("username") and data.get("name")):
            raise forms.ValidationError("请选择已有网格员账号，或填写新账号的用户名和姓名。")
        return data


def officer_candidates(manageable_users):
    """Grid-officer accounts the actor manages that hold no officer record yet."""
    return manageable_users.filter(role=Role.GRID_OFFICER, grid_officer__isnull=True, is_active=True).order_by("username")


class TrainingForm(Bootstrapped):
    course = forms.CharField(label="课程", max_length=100, initial="网格员岗前安全生产培训")
    pre_duty = forms.BooleanField(label="岗前培训", required=False, initial=True)
    date = forms.DateField(label="培训日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hours = forms.DecimalField(label="学时", max_digits=5, decimal_places=1, min_value=0.5, initial=8)
    result = forms.ChoiceField(label="结果", choices=TrainingResult.choices)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pre_duty"].widget.attrs["class"] = "form-check-input"


class ReasonForm(Bootstrapped):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RetireForm(ReasonForm):
    deactivate_account = forms.BooleanField(label="同时停用其登录账号", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deactivate_account"].widget.attrs["class"] = "form-check-input"


class AccountableForm(Bootstrapped):
    responsible_person = forms.CharField(label="安全监管责任人", max_length=50, required=False)
    responsible_phone = forms.CharField(label="电话", max_length=20, required=False)
    responsible_user = forms.ModelChoiceField(label="责任人账号(如有)", queryset=User.objects.none(), required=False)
    liaison_person = forms.CharField(label="联系负责人", max_length=50, required=False)
    liaison_phone = forms.CharField(label="电话", max_length=20, required=False)
    liaison_user = forms.ModelChoiceField(label="联系负责人账号(如有)", queryset=User.objects.none(), required=False)

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = accounts
        self.fields["liaison_user"].queryset = accounts


class UploadForm(forms.Form):
    file = forms.FileField(label="文件")
