from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "safegrid.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from . import refcache

        # After every migrate (and test flush): the reference caches' generation triggers.
        post_migrate.connect(refcache.install, sender=self, dispatch_uid="safegrid.core.refcache")
