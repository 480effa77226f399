import datetime

import pytest

from safegrid.hazards import clock


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the hazards clock at 2026-03-02 (a Monday) 10:00 Beijing time."""
    from django.utils import timezone

    day = datetime.date(2026, 3, 2)
    moment = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    monkeypatch.setattr(clock, "today", lambda: day)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return day
