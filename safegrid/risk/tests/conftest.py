import datetime

import pytest

from safegrid.hazards import clock


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the (hazards) clock the risk app reads: 2026-03-02 10:00 Beijing time; `.set(day)` moves it."""
    from django.utils import timezone

    class Clock:
        def set(self, day):
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
            monkeypatch.setattr(clock, "today", lambda: day)
            monkeypatch.setattr(clock, "now", lambda: moment)
            self.day = day

    frozen_clock = Clock()
    frozen_clock.set(datetime.date(2026, 3, 2))
    return frozen_clock
