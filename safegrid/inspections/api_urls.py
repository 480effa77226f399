from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("inspections", api.InspectionViewSet, basename="inspection")
router.register("checklists", api.ChecklistViewSet, basename="checklist")
router.register("inspectors", api.InspectorViewSet, basename="inspector")
router.register("inspection-plans", api.PlanViewSet, basename="inspection-plan")
router.register("random-draws", api.DrawViewSet, basename="random-draw")
router.register("enforcement-orders", api.OrderViewSet, basename="enforcement-order")
router.register("penalties", api.PenaltyViewSet, basename="penalty")
urlpatterns = [
    path("leader-quotas/fulfilment/", api.LeaderFulfilmentView.as_view(), name="leader-fulfilment"),
    path("enforcement/credit/<int:enterprise_id>/", api.EnforcementCreditView.as_view(), name="enforcement-credit"),
] + router.urls
