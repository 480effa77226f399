from django.urls import path

from . import views_public

app_name = "public_draws"

urlpatterns = [
    path("", views_public.draws, name="index"),
    path("<int:pk>/", views_public.draw_results, name="detail"),
]
