from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("safegrid.accounts.api_urls")),
    path("", include("safegrid.regions.api_urls")),
    path("", include("safegrid.audit.api_urls")),
    path("", include("safegrid.registry.api_urls")),
    path("", include("safegrid.hazards.api_urls")),
    path("", include("safegrid.risk.api_urls")),
    path("", include("safegrid.notifications.api_urls")),
    path("", include("safegrid.tips.api_urls")),
    path("", include("safegrid.inspections.api_urls")),
    path("", include("safegrid.workcal.api_urls")),
]

urlpatterns = [
    # The API first: phones and partner systems call it most, and it shares no prefix with pages.
    path("api/v1/", include(api_v1)),
    path("", include("safegrid.accounts.urls")),
    path("regions/", include("safegrid.regions.urls")),
    path("audit/", include("safegrid.audit.urls")),
    path("registry/", include("safegrid.registry.urls")),
    path("hazards/", include("safegrid.hazards.urls")),
    path("risk/", include("safegrid.risk.urls")),
    path("tips/", include("safegrid.tips.urls")),
    path("report/", include("safegrid.tips.urls_public")),
    path("open311/v2/", include("safegrid.tips.open311_urls")),
    path("notifications/", include("safegrid.notifications.urls")),
    path("inspections/", include("safegrid.inspections.urls")),
    path("manage/", include("safegrid.accounts.urls_manage")),
    path("manage/", include("safegrid.regions.urls_manage")),
    path("manage/", include("safegrid.inspections.urls_manage")),
    path("manage/reference/", include("safegrid.registry.urls_reference")),
    path("manage/calendar/", include("safegrid.workcal.urls")),
    path("public/draws/", include("safegrid.inspections.urls_public")),
    path("ops/", include("safegrid.ops.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
