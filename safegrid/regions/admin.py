from django.contrib import admin

from safegrid.audit.admin import ReadOnlyAdmin

from .models import Department, Grid, GridOfficer, Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent", "region_code", "voided_at"]
    list_filter = ["level", "region_code"]
    search_fields = ["code", "name", "path"]
    list_select_related = ["parent"]


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region", "region_code", "responsible_person", "voided_at"]
    list_filter = ["region_code"]
    search_fields = ["code", "name", "path", "responsible_person"]
    list_select_related = ["region"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "short_name", "county", "region_code", "voided_at"]
    list_filter = ["region_code"]
    search_fields = ["name", "short_name"]
    list_select_related = ["county"]


@admin.register(GridOfficer)
class GridOfficerAdmin(ReadOnlyAdmin):
    list_display = ["user", "full_time", "trained_on", "region_code", "voided_at"]
    list_filter = ["full_time", "region_code"]
    search_fields = ["user__username", "user__name", "grids__code", "grids__name"]
    list_select_related = ["user"]
