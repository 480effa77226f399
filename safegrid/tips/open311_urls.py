from django.urls import path

from . import open311

app_name = "open311"

urlpatterns = [
    path("services.<str:fmt>", open311.service_list, name="services"),
    path("requests.<str:fmt>", open311.requests, name="requests"),
    path("requests/<str:request_id>.<str:fmt>", open311.request_detail, name="request"),
]
