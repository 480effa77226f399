"""Coverage gaps (监管盲区), mounted at /registry/coverage/ in the "registry" namespace."""

from django.urls import path

from . import views_coverage as views

urlpatterns = [
    path("", views.index, name="coverage"),
    path("export/", views.export, name="coverage_export"),
    path("<slug:kind>/", views.kind_rows, name="coverage_kind"),
]
