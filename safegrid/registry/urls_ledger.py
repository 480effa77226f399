"""Ledger (台账) pages at /registry/ledger/: template, export, import with preview."""

from django.urls import path

from . import views_ledger

urlpatterns = [
    path("template.xlsx", views_ledger.template, name="ledger_template"),
    path("export.xlsx", views_ledger.export, name="ledger_export"),
    path("import/", views_ledger.upload, name="ledger_import"),
    path("import/<str:token>/", views_ledger.preview, name="ledger_preview"),
    path("import/<str:token>/confirm/", views_ledger.confirm, name="ledger_confirm"),
    path("import/<str:token>/cancel/", views_ledger.cancel, name="ledger_cancel"),
]
