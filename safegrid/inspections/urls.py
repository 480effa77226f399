from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("export.xlsx", views.inspection_export, name="export"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/start/", views.inspection_start, name="start"),
    path("<int:pk>/items/<int:item_pk>/", views.item_result, name="item"),
    path("<int:pk>/sign/", views.inspection_sign, name="sign"),
    path("<int:pk>/record.pdf", views.inspection_pdf, name="pdf"),
    path("<int:pk>/participate/", views.participate, name="participate"),
    path("<int:pk>/enforce/<str:what>/", views.enforce, name="enforce"),
    path("photos/<int:pk>/", views.finding_photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.finding_photo, {"thumb": True}, name="photo-thumb"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/<str:what>/", views.plan_edit, name="plan-edit"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("inspectors/", views.inspector_list, name="inspectors"),
    path("leaders/", views.leader_quotas, name="leaders"),
]
