from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "safegrid.ops"
    label = "ops"
    verbose_name = "运行维护"

    def audit_action_labels(self):
        return {
            "backup_restore": "从备份恢复",
            "audit_purge": "清理过期审计日志",
            "tip_identity_erase": "删除举报人身份信息",
        }
