from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("risk/enterprises", api.RiskListViewSet, basename="risk-enterprise")
router.register("risk/events", api.RiskEventViewSet, basename="risk-event")
router.register("risk/major-hazard-sources", api.MajorHazardSourceViewSet, basename="risk-major-hazard-source")
router.register("risk/scales", api.ScaleViewSet, basename="risk-scale")
router.register("risk/rule-sets", api.RuleSetViewSet, basename="risk-rule-set")
urlpatterns = [path("risk/gb18218/", api.Gb18218View.as_view(), name="risk-gb18218")] + router.urls
