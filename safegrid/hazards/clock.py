"""The one place hazards read the date from, so tests can freeze it (patch `today`)."""

from django.utils import timezone


def today():
    return timezone.localdate()


def now():
    return timezone.now()
