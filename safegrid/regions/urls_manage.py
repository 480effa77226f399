"""系统管理 pages of the jurisdiction, under /manage/."""

from django.urls import path

from . import views_manage as v

app_name = "manage_regions"

urlpatterns = [
    path("setup/", v.setup_index, name="setup"),
    path("setup/<str:code>/", v.setup_county, name="setup_county"),
    path("setup/<str:code>/towns/template.xlsx", v.towns_template, name="towns_template"),
    path("setup/<str:code>/towns/", v.towns_upload, name="towns_upload"),
    path("setup/<str:code>/towns/<str:token>/", v.towns_preview, name="towns_preview"),
    path("departments/", v.departments, name="departments"),
    path("departments/<int:pk>/", v.department_edit, name="department"),
    path("departments/<int:pk>/void/", v.department_void, name="department_void"),
    path("committees/new/", v.committee_edit, name="committee_new"),
    path("committees/<int:pk>/", v.committee_edit, name="committee"),
    path("officers/", v.officers, name="officers"),
    path("officers/new/", v.officer_new, name="officer_new"),
    path("officers/<int:pk>/", v.officer_detail, name="officer"),
    path("officers/<int:pk>/edit/", v.officer_edit, name="officer_edit"),
    path("officers/<int:pk>/retire/", v.officer_retire, name="officer_retire"),
    path("grids/", v.grids, name="grids"),
    path("grids/<int:pk>/", v.grid_accountable, name="grid_accountable"),
]
