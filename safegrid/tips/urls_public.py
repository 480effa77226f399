from django.urls import path

from . import views_public

app_name = "tips_public"

urlpatterns = [
    path("", views_public.report, name="report"),
    path("track/", views_public.track, name="track"),
    path("claim/", views_public.claim, name="claim"),
    path("grids.geojson", views_public.grids_geojson, name="grids"),
]
