from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="enterprise")
router.register("safety-categories", api.SafetyCategoryViewSet, basename="safety-category")
router.register("industry-codes", api.IndustryCodeViewSet, basename="industry-code")
router.register("responsibility-rules", api.ResponsibilityRuleViewSet, basename="responsibility-rule")
urlpatterns = router.urls
