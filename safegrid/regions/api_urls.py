from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api
from .api_grid_import import GridImportView

router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("grids", api.GridViewSet, basename="grid")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("grid-officers", api.GridOfficerViewSet, basename="grid-officer")
# Before the router, whose grids/<pk>/ would swallow import/.
urlpatterns = [path("grids/import/", GridImportView.as_view(), name="grid-import")] + router.urls
