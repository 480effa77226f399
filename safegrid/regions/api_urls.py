from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("grids", api.GridViewSet, basename="grid")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("grid-officers", api.GridOfficerViewSet, basename="grid-officer")
urlpatterns = router.urls
