"""The year form: a State Council notice as people read it, one row per festival."""

import re

from django import forms

from safegrid.accounts.forms import add_bootstrap

SPLIT = re.compile(r"[、,，;；\s]+")


class FestivalForm(forms.Form):
    name = forms.CharField(label="节日", max_length=50, required=False)
    start = forms.DateField(label="放假开始", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label="放假结束", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    workdays = forms.CharField(label="调休上班日", required=False, max_length=200,
                               widget=forms.TextInput(attrs={"placeholder": "如 2027-02-20、2027-02-21"}))

    def clean(self):
        data = super().clean()
        filled = [data.get(k) for k in ("start", "end", "workdays")]
        if any(filled) and not (data.get("name") and data.get("start") and data.get("end")):
            raise forms.ValidationError("请填写节日名称和放假起止日期。")
        data["workday_list"] = [w for w in SPLIT.split(data.get("workdays") or "") if w]
        return data


FestivalFormSet = forms.formset_factory(FestivalForm, extra=0)


class YearForm(forms.Form):
    source = forms.CharField(label="依据", max_length=200,
                             help_text="如：国务院办公厅关于2027年部分节假日安排的通知(国办发明电〔2026〕X号)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_bootstrap(self)


def bootstrap_formset(formset):
    for form in formset:
        add_bootstrap(form)
    return formset
