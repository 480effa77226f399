"""系统管理 home and 用户与账号, under /manage/."""

from django.urls import path

from . import views_manage as v

app_name = "manage_accounts"

urlpatterns = [
    path("", v.index, name="index"),
    path("users/", v.users, name="users"),
    path("users/new/", v.user_new, name="user_new"),
    path("users/import/", v.import_upload, name="import"),
    path("users/import/template.xlsx", v.import_template, name="import_template"),
    path("users/import/<str:token>/", v.import_preview, name="import_preview"),
    path("users/import/<str:token>/confirm/", v.import_confirm, name="import_confirm"),
    path("users/<int:pk>/", v.user_detail, name="user"),
    path("users/<int:pk>/edit/", v.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", v.user_password, name="user_password"),
    path("users/<int:pk>/deactivate/", v.user_active, {"active": False}, name="user_deactivate"),
    path("users/<int:pk>/activate/", v.user_active, {"active": True}, name="user_activate"),
    path("users/<int:pk>/unlock/", v.user_unlock, name="user_unlock"),
    path("enterprises/<int:enterprise_id>/account/", v.enterprise_account, name="enterprise_account"),
]
