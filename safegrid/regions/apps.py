from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "safegrid.regions"
    label = "regions"
    verbose_name = "辖区与网格"

    def audit_action_labels(self):
        return {"grid_import": "导入网格", "department_update": "修改部门", "committee_save": "保存专委会",
                "officer_training": "登记网格员培训", "grid_accountable": "设置网格责任人",
                "region_import": "导入乡镇(街道)和村(社区)"}
