from django.urls import path

from . import api

urlpatterns = [
    path("workcal/years/<int:year>/", api.YearView.as_view(), name="workcal-year"),
    path("workcal/estimates/", api.EstimateList.as_view(), name="workcal-estimates"),
]
