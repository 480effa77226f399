"""Registry pages. Each part of the registry UI keeps its own URL list in its own module."""

from django.urls import include, path

app_name = "registry"

urlpatterns = [
    path("", include("safegrid.registry.urls_pages")),
    path("ledger/", include("safegrid.registry.urls_ledger")),
    path("coverage/", include("safegrid.registry.urls_coverage")),
]
