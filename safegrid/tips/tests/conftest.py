import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_state(settings, tmp_path):
    """Photos in a temporary folder; rate-limit counters and used challenges start empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
