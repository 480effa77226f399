from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "safegrid.registry"
    label = "registry"
    verbose_name = "监管对象"
