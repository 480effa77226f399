"""Risk pages at /risk/."""

from django.urls import path

from . import views

app_name = "risk"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.risk_list, name="list"),
    path("list/export.xlsx", views.risk_export, name="export"),
    path("map/", views.risk_map, name="map"),
    path("map/points/", views.risk_points, name="points"),
    path("calculator/", views.calculator, name="calculator"),
    path("enterprises/<int:pk>/", views.enterprise_page, name="enterprise"),
    path("enterprises/<int:pk>/units/", views.add_unit, name="add_unit"),
    path("enterprises/<int:pk>/events/", views.add_event, name="add_event"),
    path("enterprises/<int:pk>/measures/", views.add_measure, name="add_measure"),
    path("enterprises/<int:pk>/tasks/<int:task_pk>/check/", views.record_check, name="record_check"),
    path("enterprises/<int:pk>/profile/", views.set_profile, name="set_profile"),
    path("enterprises/<int:pk>/workbook.xlsx", views.workbook_export, name="workbook_export"),
    path("enterprises/<int:pk>/import/", views.workbook_import, name="workbook_import"),
]
