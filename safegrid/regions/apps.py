from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "safegrid.regions"
    label = "regions"
    verbose_name = "辖区与网格"

    def audit_action_labels(self):
        return {"grid_import": "导入网格"}
