"""系统管理 › 领导职务与定额: leader posts (who, kind, where, duties, liaison enterprise) and the
county's leaders' inspection quotas (new rows from a date; earlier periods keep theirs)."""

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from safegrid.accounts.forms import add_bootstrap
from safegrid.accounts.models import User
from safegrid.accounts.views_manage import audit_trail, show_error
from safegrid.core.errors import ServiceError
from safegrid.regions.models import Department, Region, RegionLevel
from safegrid.regions.permissions import can_manage_county
from safegrid.regions.views_manage import chosen_county, county_required
from safegrid.registry.models import Enterprise

from . import services
from .leaders import quota_for
from .models import LeaderPost, Period, PostKind, Quota


class PostForm(forms.Form):
    user = forms.ModelChoiceField(label="领导(平台账号)", queryset=User.objects.none())
    kind = forms.ChoiceField(label="职务类别", choices=PostKind.choices)
    title = forms.CharField(label="职务", max_length=100, required=False, help_text="如：县委书记、副县长、镇长")
    region = forms.ModelChoiceField(label="所在区县/乡镇(街道)", queryset=Region.objects.none(), required=False)
    department = forms.ModelChoiceField(label="所在部门", queryset=Department.objects.none(), required=False)
    duties = forms.CharField(label="安全生产责任清单(党政同责、一岗双责)", required=False,
                             widget=forms.Textarea(attrs={"rows": 5}), help_text="每行一项")
    liaison = forms.CharField(label="对口联系企业(统一社会信用代码)", max_length=18, required=False,
                              help_text="县级和乡镇(街道)领导各联系一家重点企业")

    def __init__(self, county, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county = county
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, scope_grants__path__startswith=county.path).distinct().order_by("username")
        self.fields["region"].queryset = Region.objects.filter(
            region_code=county.region_code, level__in=[RegionLevel.COUNTY, RegionLevel.TOWN],
            voided_at__isnull=True).order_by("path")
        self.fields["department"].queryset = Department.objects.filter(county=county, voided_at__isnull=True)
        add_bootstrap(self)

    def clean_liaison(self):
        code = (self.cleaned_data.get("liaison") or "").strip().upper()
        if not code:
            return None
        found = Enterprise.objects.filter(region_code=self.county.region_code, credit_code=code,
                                          voided_at__isnull=True).first()
        if found is None:
            raise forms.ValidationError("本区县没有该信用代码的单位。")
        return found


class QuotaForm(forms.Form):
    kind = forms.ChoiceField(label="职务类别", choices=PostKind.choices)
    period = forms.ChoiceField(label="周期", choices=Period.choices)
    minimum = forms.IntegerField(label="最少带队检查次数", min_value=1, max_value=365)
    valid_from = forms.DateField(label="执行日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    source = forms.CharField(label="依据", max_length=200, help_text="如：县委办、县政府办关于领导干部带队检查的通知")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


class EndForm(forms.Form):
    reason = forms.CharField(label="卸任原因", max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


@county_required
def leaders(request):
    county, counties = chosen_county(request)
    posts = (LeaderPost.objects.filter(region_code=county.region_code).select_related(
        "user", "region", "department", "liaison_enterprise").order_by("-active", "kind", "user__username")
        if county else [])
    today = datetime.date.today()
    quotas = [{"kind": label, "quota": quota_for(kind, county.region_code, today)} for kind, label in PostKind.choices
              ] if county else []
    return render(request, "manage/leaders/list.html", {
        "section": "leaders", "county": county, "counties": counties, "posts": posts, "quotas": quotas})


def _save(request, county, post=None):
    initial = {}
    if post:
        initial = {"user": post.user_id, "kind": post.kind, "title": post.title, "region": post.region_id,
                   "department": post.department_id, "duties": post.duties,
                   "liaison": post.liaison_enterprise.credit_code if post.liaison_enterprise else ""}
    form = PostForm(county, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.save_leader_post(
                actor=request.user, post=post, user=data["user"], kind=data["kind"], title=data["title"],
                region=data["region"], department=data["department"], duties=data["duties"],
                liaison_enterprise=data["liaison"])
        except ServiceError as exc:
            show_error(form, exc if exc.field != "liaison_enterprise" else
                       ServiceError(exc.code, exc.message, field="liaison"))
        else:
            messages.success(request, f"已保存 {post.user.display_name} 的领导职务。")
            return redirect("manage_inspections:leader", pk=post.pk)
    return form


@county_required
def leader_new(request):
    county, _counties = chosen_county(request)
    if county is None:
        return redirect("manage_inspections:leaders")
    result = _save(request, county)
    if not isinstance(result, PostForm):
        return result
    return render(request, "manage/leaders/form.html", {"section": "leaders", "county": county, "form": result})


def _post(request, pk):
    post = get_object_or_404(LeaderPost.objects.select_related("user", "region", "department", "liaison_enterprise"),
                             pk=pk)
    if not can_manage_county(request.user, post.region_code):
        from django.http import Http404

        raise Http404
    return post


@county_required
def leader_detail(request, pk):
    post = _post(request, pk)
    county = Region.objects.get(code=post.region_code)
    result = _save(request, county, post)
    if not isinstance(result, PostForm):
        return result
    end = EndForm()
    return render(request, "manage/leaders/form.html", {
        "section": "leaders", "county": county, "form": result, "post": post, "end_form": end,
        "events": audit_trail("inspections.leaderpost", post.pk)})


@county_required
def leader_end(request, pk):
    post = _post(request, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_leader_post(post, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"{post.user.display_name} 已卸任“{post.get_kind_display()}”。")
            return redirect("manage_inspections:leaders")
    from django.urls import reverse

    return render(request, "manage/confirm.html", {
        "section": "leaders", "title": f"卸任：{post.user.display_name} · {post.get_kind_display()}", "form": form,
        "danger": True, "text": "卸任后不再计入带队检查定额；历史记录保留。",
        "cancel": reverse("manage_inspections:leader", args=[post.pk]), "button": "确认卸任"})


@county_required
def quotas(request):
    county, counties = chosen_county(request)
    if county is None:
        return redirect("manage_inspections:leaders")
    next_month = (datetime.date.today().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    form = QuotaForm(request.POST or None, initial={"valid_from": next_month})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_quota(actor=request.user, county=county, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存定额；此前各期仍按原定额计算。")
            return redirect(f"{request.path}?county={county.code}")
    rows = Quota.objects.filter(region__in=[county.region_code, "*"]).order_by("kind", "-valid_from", "region")
    return render(request, "manage/leaders/quotas.html", {
        "section": "leaders", "county": county, "counties": counties, "form": form, "rows": rows})
