from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "safegrid.risk"
    label = "risk"
    verbose_name = "风险分级管控"

    def ready(self):
        from . import hooks  # noqa: F401 - connects the request signals that drain the regrade queue
