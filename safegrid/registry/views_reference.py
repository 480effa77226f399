"""系统管理 › 基础数据: safety categories, inspection checklists (editions) and hazard types. Each
change goes through the owning app's service (audited; records keep the version they were made with).
County offices read; administrators change."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from safegrid.accounts.forms import add_bootstrap
from safegrid.accounts.views_manage import audit_trail, show_error
from safegrid.core.errors import ServiceError
from safegrid.core.roles import Role
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import HazardType, MajorHazardCriterion
from safegrid.inspections import services as inspection_services
from safegrid.inspections.models import Checklist
from safegrid.regions.views_manage import county_required

from . import services
from .models import ResponsibilityRule, SafetyCategory


def may_edit(user):
    return user.effective_role == Role.ADMIN


class CategoryForm(forms.Form):
    code = forms.CharField(label="类别代码", max_length=40, help_text="小写字母、数字、下划线，如 charging_station")
    name = forms.CharField(label="类别名称", max_length=50)
    group = forms.CharField(label="大类", max_length=30, required=False)
    source = forms.CharField(label="依据", max_length=200, required=False)
    usually_unclaimed = forms.BooleanField(label="常见监管空白", required=False)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["code"], self.fields["usually_unclaimed"]
        else:
            del self.fields["active"]
        add_bootstrap(self)  # after the fields are final: on a bound form it validates
        for name in ("usually_unclaimed", "active"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-check-input"


class HazardTypeForm(forms.Form):
    code = forms.CharField(label="代码", max_length=40)
    name = forms.CharField(label="名称", max_length=50)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["code"]
        add_bootstrap(self)
        self.fields["active"].widget.attrs["class"] = "form-check-input"


class CriterionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.sector_name} {obj.article}{obj.item} {obj.text[:30]}"


class ItemForm(forms.Form):
    text = forms.CharField(label="检查内容", max_length=300, required=False)
    basis = forms.CharField(label="依据条款", max_length=200, required=False)
    hazard_type = forms.ModelChoiceField(label="隐患类型", queryset=HazardType.objects.filter(active=True),
                                         required=False)
    criterion = CriterionChoice(label="重大隐患判定条目", queryset=MajorHazardCriterion.objects.filter(active=True),
                                required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


ItemFormSet = forms.formset_factory(ItemForm, extra=2)


class ChecklistForm(forms.Form):
    code = forms.CharField(label="代码", max_length=40)
    name = forms.CharField(label="名称", max_length=100)
    basis = forms.CharField(label="依据", max_length=300)
    categories = forms.ModelMultipleChoiceField(label="适用行业类别", queryset=SafetyCategory.objects.filter(active=True),
                                                required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)
        self.fields["categories"].widget.attrs["class"] = "form-check-input"


@county_required
def index(request):
    tab = request.GET.get("tab", "categories")
    leads = dict(ResponsibilityRule.objects.filter(lead_department__isnull=False).values_list(
        "category_id", "lead_department__name")) if request.user.effective_role != Role.ADMIN else {}
    return render(request, "manage/reference/index.html", {
        "section": "reference", "tab": tab, "may_edit": may_edit(request.user),
        "categories": SafetyCategory.objects.order_by("-active", "sort", "code"), "leads": leads,
        "checklists": Checklist.objects.order_by("code", "-id").prefetch_related("categories"),
        "hazard_types": HazardType.objects.order_by("-active", "sort", "code"),
    })


def _admin_only(request):
    if not may_edit(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


@county_required
def category_edit(request, pk=None):
    _admin_only(request)
    category = get_object_or_404(SafetyCategory, pk=pk) if pk else None
    initial = {f: getattr(category, f) for f in ("name", "group", "source", "active")} if category else {}
    form = CategoryForm(request.POST or None, edit=bool(category), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if category:
                services.update_category(category, actor=request.user, **form.cleaned_data)
            else:
                category = services.create_category(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存类别“{category.name}”。牵头部门请在“三管三必须”监管责任中设置。")
            return redirect(f"{_index()}?tab=categories")
    return render(request, "manage/reference/form.html", {
        "section": "reference", "form": form, "title": f"安全监管类别 · {category.name}" if category else "新建安全监管类别",
        "tab": "categories", "events": audit_trail("registry.safetycategory", category.pk) if category else None})


def _index():
    from django.urls import reverse

    return reverse("manage_reference:index")


@county_required
def hazard_type_edit(request, pk=None):
    _admin_only(request)
    hazard_type = get_object_or_404(HazardType, pk=pk) if pk else None
    initial = {"name": hazard_type.name, "active": hazard_type.active} if hazard_type else {}
    form = HazardTypeForm(request.POST or None, edit=bool(hazard_type), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if hazard_type:
                hazard_services.update_hazard_type(hazard_type, actor=request.user, **form.cleaned_data)
            else:
                data = {k: v for k, v in form.cleaned_data.items() if k != "active"}
                hazard_type = hazard_services.create_hazard_type(actor=request.user, **data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存隐患类型“{hazard_type.name}”。")
            return redirect(f"{_index()}?tab=hazard_types")
    return render(request, "manage/reference/form.html", {
        "section": "reference", "form": form, "title": f"隐患类型 · {hazard_type.name}" if hazard_type else "新建隐患类型",
        "tab": "hazard_types", "events": audit_trail("hazards.hazardtype", hazard_type.pk) if hazard_type else None})


@county_required
def checklist_detail(request, pk):
    checklist = get_object_or_404(Checklist.objects.prefetch_related("categories"), pk=pk)
    editions = Checklist.objects.filter(code=checklist.code).order_by("-id")
    return render(request, "manage/reference/checklist.html", {
        "section": "reference", "checklist": checklist, "editions": editions, "may_edit": may_edit(request.user),
        "items": checklist.items.select_related("hazard_type", "criterion"),
        "events": audit_trail("inspections.checklist", checklist.pk)})


@county_required
def checklist_edit(request, pk=None):
    """A new edition (from the current one, or a new checklist); the old edition stays for its inspections."""
    _admin_only(request)
    base = get_object_or_404(Checklist, pk=pk) if pk else None
    initial = {"code": base.code, "name": base.name, "basis": base.basis,
               "categories": list(base.categories.values_list("pk", flat=True))} if base else {}
    items = [{"text": i.text, "basis": i.basis, "hazard_type": i.hazard_type_id, "criterion": i.criterion_id}
             for i in base.items.all()] if base else []
    form = ChecklistForm(request.POST or None, initial=initial)
    formset = ItemFormSet(request.POST or None, initial=items, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [inspection_services.ItemInput(f["text"], f.get("basis") or "", f.get("hazard_type"), f.get("criterion"))
                for f in formset.cleaned_data if f.get("text")]
        try:
            checklist = inspection_services.new_checklist_edition(
                actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"],
                basis=form.cleaned_data["basis"], categories=form.cleaned_data["categories"], items=rows,
                general=base.general if base else False)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已发布“{checklist.name}”第 {checklist.edition} 版；已开始的检查仍使用原版本。")
            return redirect("manage_reference:checklist", pk=checklist.pk)
    return render(request, "manage/reference/checklist_form.html", {
        "section": "reference", "form": form, "formset": formset, "base": base})
