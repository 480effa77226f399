from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_manage
from .api_grid_import import GridImportView

router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("grids", api.GridViewSet, basename="grid")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("grid-officers", api.GridOfficerViewSet, basename="grid-officer")
router.register("manage/departments", api_manage.ManagedDepartmentViewSet, basename="managed-department")
router.register("manage/grid-officers", api_manage.ManagedOfficerViewSet, basename="managed-officer")
# Before the router, whose grids/<pk>/ would swallow import/.
urlpatterns = [
    path("grids/import/", GridImportView.as_view(), name="grid-import"),
    path("manage/committees/", api_manage.CommitteeView.as_view(), name="managed-committee"),
    path("manage/grids/<int:pk>/accountable/", api_manage.GridAccountableView.as_view(), name="grid-accountable"),
] + router.urls
