from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "safegrid.risk"
    label = "risk"
    verbose_name = "风险分级管控"
