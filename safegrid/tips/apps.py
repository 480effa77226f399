from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "safegrid.tips"
    label = "tips"
    verbose_name = "举报"

    def ready(self):
        from safegrid.workcal import estimates

        from . import checks  # noqa: F401 (registers the deployment checks)
        from .services import recompute_deadline

        estimates.register("tips.tip", recompute_deadline)

    def audit_action_labels(self):
        return {"tip_deadline_recompute": "按官方节假日安排重算答复期限"}
