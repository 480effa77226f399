from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "safegrid.hazards"
    label = "hazards"
    verbose_name = "隐患排查治理"

    def ready(self):
        from safegrid.workcal import estimates

        from .services import recompute_deadline

        estimates.register("hazards.hazard", recompute_deadline)

    def audit_action_labels(self):
        from .services import RULES

        labels = {f"hazard_{name}": rule.label for name, rule in RULES.items()}
        return labels | {"hazard_photos": "补充隐患照片", "hazard_followup_draw": "抽取回头看",
                         "hazard_deadline_recompute": "按官方节假日安排重算整改时限",
                         "hazard_type_create": "新建隐患类型", "hazard_type_update": "修改隐患类型"}
