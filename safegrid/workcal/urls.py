from django.urls import path

from . import views

app_name = "workcal"

urlpatterns = [
    path("", views.index, name="index"),
    path("estimates/", views.estimates, name="estimates"),
    path("<int:year>/", views.year_detail, name="year"),
    path("<int:year>/import/", views.year_import, name="year_import"),
    path("<int:year>/template.xlsx", views.year_template, name="year_template"),
]
