from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_manage

router = SimpleRouter()
router.register("manage/users", api_manage.ManagedUserViewSet, basename="managed-user")

urlpatterns = router.urls + [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
]
