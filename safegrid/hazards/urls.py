from django.urls import path

from . import views, views_pages, views_report, views_stats

app_name = "hazards"

urlpatterns = [
    path("", views_pages.hazard_list, name="list"),
    path("tasks/", views_pages.my_tasks, name="tasks"),
    path("report/", views_report.report, name="report"),
    path("report/nearby/", views_report.nearby, name="nearby"),
    path("bulk-assign/", views_pages.bulk_assign, name="bulk-assign"),
    path("<int:pk>/", views_pages.hazard_detail, name="detail"),
    path("<int:pk>/<str:name>/", views_pages.hazard_action, name="action"),
    path("photos/<int:pk>/", views_pages.photo_file, name="photo"),
    path("photos/<int:pk>/thumb/", views_pages.photo_file, {"thumb": True}, name="photo-thumb"),
    path("daily/", views_stats.daily_report, name="daily"),
    path("supervised/", views_stats.supervised, name="supervised"),
    path("credit/", views_stats.credit_records, name="credit"),
    path("credit/dishonest/", views_stats.dishonesty_list, name="dishonest"),
    path("credit/<int:pk>/", views_stats.enterprise_credit, name="credit-detail"),
    path("ledger.xlsx", views.ledger_export, name="ledger-export"),
    path("daily-report.xlsx", views.daily_report_export, name="daily-report-export"),
]
