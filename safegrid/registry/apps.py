from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "safegrid.registry"
    label = "registry"
    verbose_name = "监管对象"

    def audit_action_labels(self):
        return {
            "enterprise_create": "登记单位",
            "enterprise_update": "修改单位信息",
            "enterprise_status": "变更经营状态",
            "enterprise_grid_override": "人工指定网格",
            "enterprise_grid_override_clear": "取消人工指定网格",
            "enterprise_bulk_assign_grids": "批量落网格",
            "enterprise_generate": "生成演示/测试单位",
            "enterprise_import": "台账导入",
            "responsibility_rule_set": "设置监管责任(三管三必须)",
            "key_area_create": "新建重点区域",
            "city_generate": "生成城市规模数据",
            "category_create": "新建安全监管类别",
            "category_update": "修改安全监管类别",
        }
