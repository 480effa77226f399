from django.urls import path

from . import views

app_name = "hazards"

urlpatterns = [
    path("ledger.xlsx", views.ledger_export, name="ledger-export"),
    path("daily-report.xlsx", views.daily_report_export, name="daily-report-export"),
]
