from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "safegrid.inspections"
    label = "inspections"
    verbose_name = "监督检查"

    def audit_action_labels(self):
        return {
            "inspector_save": "维护检查人员名录", "inspector_conflict_add": "登记回避关系",
            "inspector_conflict_void": "撤销回避关系", "plan_generate": "生成年度检查计划",
            "plan_item_add": "检查计划增加单位", "plan_item_remove": "检查计划移除单位",
            "plan_item_move": "检查计划调整", "draw_create": "双随机抽取", "draw_publish": "公开抽查结果",
            "inspection_start": "开始现场检查", "inspection_result": "记录检查项结果",
            "inspection_sign": "检查签字确认", "inspection_schedule": "安排检查",
            "leader_participation": "领导带队检查", "order_issue": "下达执法文书", "penalty_issue": "行政处罚",
            "leader_post_save": "登记领导职务", "leader_post_end": "领导卸任", "quota_set": "设置带队检查定额",
            "checklist_edition": "发布检查表新版本", "checklist_retire": "停用检查表",
        }
