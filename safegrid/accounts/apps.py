from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safegrid.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def audit_action_labels(self):
        return {"user_update": "修改用户", "user_bind_enterprise": "绑定所属单位", "password_reset": "重置密码",
                "user_import": "批量导入用户"}
