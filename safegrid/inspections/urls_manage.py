from django.urls import path

from . import views_manage as v

app_name = "manage_inspections"

urlpatterns = [
    path("leaders/", v.leaders, name="leaders"),
    path("leaders/new/", v.leader_new, name="leader_new"),
    path("leaders/quotas/", v.quotas, name="quotas"),
    path("leaders/<int:pk>/", v.leader_detail, name="leader"),
    path("leaders/<int:pk>/end/", v.leader_end, name="leader_end"),
]
