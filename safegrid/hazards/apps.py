from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "safegrid.hazards"
    label = "hazards"
    verbose_name = "隐患排查治理"

    def audit_action_labels(self):
        from .services import RULES

        labels = {f"hazard_{name}": rule.label for name, rule in RULES.items()}
        return labels | {"hazard_photos": "补充隐患照片", "hazard_followup_draw": "抽取回头看"}
