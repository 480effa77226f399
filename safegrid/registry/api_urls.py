from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_coverage, api_reference
from .api_ledger import LedgerImportView

router = SimpleRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="enterprise")
router.register("safety-categories", api.SafetyCategoryViewSet, basename="safety-category")
router.register("industry-codes", api.IndustryCodeViewSet, basename="industry-code")
router.register("responsibility-rules", api.ResponsibilityRuleViewSet, basename="responsibility-rule")
# Before the router, whose enterprises/<pk>/ would swallow import/.
urlpatterns = [path("enterprises/import/", LedgerImportView.as_view(), name="enterprise-import")] + router.urls
urlpatterns += api_coverage.urlpatterns
urlpatterns += [
    path("manage/safety-categories/", api_reference.CategoryCreateView.as_view(), name="managed-category"),
    path("manage/safety-categories/<int:pk>/", api_reference.CategoryUpdateView.as_view(),
         name="managed-category-detail"),
    path("manage/hazard-types/", api_reference.HazardTypeCreateView.as_view(), name="managed-hazard-type"),
    path("manage/hazard-types/<int:pk>/", api_reference.HazardTypeUpdateView.as_view(),
         name="managed-hazard-type-detail"),
]
