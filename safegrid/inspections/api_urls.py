from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_manage

router = SimpleRouter()
router.register("inspections", api.InspectionViewSet, basename="inspection")
router.register("checklists", api.ChecklistViewSet, basename="checklist")
router.register("inspectors", api.InspectorViewSet, basename="inspector")
router.register("inspection-plans", api.PlanViewSet, basename="inspection-plan")
router.register("random-draws", api.DrawViewSet, basename="random-draw")
router.register("enforcement-orders", api.OrderViewSet, basename="enforcement-order")
router.register("penalties", api.PenaltyViewSet, basename="penalty")
router.register("manage/leader-posts", api_manage.LeaderPostViewSet, basename="leader-post")
urlpatterns = [
    path("leader-quotas/fulfilment/", api.LeaderFulfilmentView.as_view(), name="leader-fulfilment"),
    path("manage/leader-quotas/", api_manage.QuotaView.as_view(), name="managed-quota"),
    path("enforcement/credit/<int:enterprise_id>/", api.EnforcementCreditView.as_view(), name="enforcement-credit"),
] + router.urls
