from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("hazards", api.HazardViewSet, basename="hazard")
router.register("hazard-types", api.HazardTypeViewSet, basename="hazard-type")
router.register("major-hazard-criteria", api.CriterionViewSet, basename="major-hazard-criterion")
# The fixed paths come before the router's hazards/<pk>/ so they are not read as ids.
urlpatterns = [
    path("hazards/daily-report/", api.DailyReportView.as_view(), name="hazard-daily-report"),
    path("hazards/supervised/", api.SupervisedView.as_view(), name="hazard-supervised"),
    path("credit-records/", api.CreditRecordView.as_view(), name="credit-records"),
    path("credit-records/dishonest/", api.DishonestyListView.as_view(), name="dishonesty-list"),
] + router.urls
