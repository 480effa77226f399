from django.urls import path

from . import views_reference as v

app_name = "manage_reference"

urlpatterns = [
    path("", v.index, name="index"),
    path("categories/new/", v.category_edit, name="category_new"),
    path("categories/<int:pk>/", v.category_edit, name="category"),
    path("hazard-types/new/", v.hazard_type_edit, name="hazard_type_new"),
    path("hazard-types/<int:pk>/", v.hazard_type_edit, name="hazard_type"),
    path("checklists/new/", v.checklist_edit, name="checklist_new"),
    path("checklists/<int:pk>/", v.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/edition/", v.checklist_edit, name="checklist_edition"),
]
