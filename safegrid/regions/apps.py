from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "safegrid.regions"
    label = "regions"
    verbose_name = "辖区与网格"
