from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tips", api.TipViewSet, basename="tip")
urlpatterns = [path("tips/closure-rate/", api.ClosureRateView.as_view(), name="tip-closure-rate")] + router.urls
