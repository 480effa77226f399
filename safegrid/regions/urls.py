from django.urls import path

from . import views, views_grid_import

app_name = "regions"

urlpatterns = [
    path("", views.index, name="index"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
    path("grids/import/", views_grid_import.grid_import, name="grid_import"),
    path("<str:code>/", views.region_detail, name="detail"),
]
