"""Registry pages at /registry/: enterprises, rules (三管三必须), the five lists, key areas, the map."""

from django.urls import path

from . import views, views_lists

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<int:pk>/status/", views.enterprise_status, name="enterprise_status"),
    path("enterprises/<int:pk>/grid/", views.enterprise_grid_override, name="enterprise_grid_override"),
    path("enterprises/<int:pk>/grid/clear/", views.enterprise_grid_clear, name="enterprise_grid_clear"),
    path("enterprises/<int:pk>/void/", views.enterprise_void, name="enterprise_void"),
    path("rules/", views_lists.rules, name="rules"),
    path("rules/<str:county_code>/<str:category_code>/", views_lists.rule_edit, name="rule_edit"),
    path("lists/", views_lists.lists, name="lists"),
    path("lists/enterprises/", views_lists.list_enterprises, name="list_enterprises"),
    path("lists/enterprises/export.xlsx", views_lists.list_enterprises_export, name="list_enterprises_export"),
    path("lists/key-areas/", views_lists.key_area_list, name="key_areas"),
    path("lists/key-areas/new/", views_lists.key_area_create, name="key_area_create"),
    path("lists/key-areas/export.xlsx", views_lists.key_area_export, name="key_area_export"),
    path("lists/key-areas/<int:pk>/void/", views_lists.key_area_void, name="key_area_void"),
    path("lists/hazards/", views_lists.list_hazards, name="list_hazards"),
    path("lists/risks/", views_lists.list_risks, name="list_risks"),
    path("lists/closed/", views_lists.list_closed, name="list_closed"),
    path("map/", views_lists.enterprise_map, name="map"),
]
