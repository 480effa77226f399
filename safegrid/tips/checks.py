"""Start-up checks: the identity keys must be valid Fernet keys; production needs a shared cache."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def tip_keys(app_configs, **kwargs):
    errors = []
    for index, key in enumerate(settings.SAFEGRID_TIP_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(checks.Error(
                f"SAFEGRID_TIP_KEYS entry {index} is not a Fernet key (32 url-safe base64-encoded bytes).",
                id="tips.E001"))
    return errors


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [checks.Warning(
            "The default cache is local memory: with several gunicorn workers the public-report rate "
            "limits and single-use challenges are counted per worker.",
            hint="Set SAFEGRID_REDIS_URL (or SAFEGRID_CACHE_TABLE for the database cache).", id="tips.W001")]
    return []
