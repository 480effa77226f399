from django.urls import path

from . import views_staff

app_name = "tips"

urlpatterns = [
    path("", views_staff.inbox, name="inbox"),
    path("export.xlsx", views_staff.export, name="export"),
    path("closure/", views_staff.closure, name="closure"),
    path("<int:pk>/", views_staff.detail, name="detail"),
    path("<int:pk>/reveal/", views_staff.reveal, name="reveal"),
    path("<int:pk>/<str:name>/", views_staff.action, name="action"),
    path("photos/<int:pk>/", views_staff.photo, name="photo"),
]
