from django.apps import AppConfig


class WorkcalConfig(AppConfig):
    name = "safegrid.workcal"
    label = "workcal"
    verbose_name = "工作日历"

    def audit_action_labels(self):
        return {"holiday_set": "设置节假日/调休", "holiday_remove": "删除节假日/调休",
                "holiday_year_set": "录入年度节假日安排", "deadline_recompute": "重算推算期限"}
