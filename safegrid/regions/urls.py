from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.index, name="index"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("<str:code>/", views.region_detail, name="detail"),
]
