"""Working-day arithmetic over the Holiday table, with an honest fallback.

A deadline must never fail to compute: a year without official data is counted Monday to
Friday less the statutory holidays (statutory.py; no 调休, which only the official
arrangement gives), and the result says so, so the UI can print the note next to the date.
"""

import datetime
from dataclasses import dataclass, field

from .models import DayKind, Holiday
from .statutory import statutory_holidays

FALLBACK_NOTE = "按法定节假日推算，未含调休（{years}年官方节假日安排未录入）"


@dataclass(frozen=True)
class WorkingDate:
    date: datetime.date
    # Years the count passed through for which no official schedule is entered.
    unknown_years: tuple = field(default=())

    @property
    def estimated(self):
        return bool(self.unknown_years)

    @property
    def note(self):
        if not self.unknown_years:
            return ""
        return FALLBACK_NOTE.format(years="、".join(str(y) for y in self.unknown_years))


class Calendar:
    """One snapshot of the table for a span of years (one query), reused for many dates."""

    def __init__(self, first_year, last_year):
        rows = Holiday.objects.filter(date__year__gte=first_year, date__year__lte=last_year)
        self.days = dict(rows.values_list("date", "kind"))
        self.known_years = {day.year for day in self.days}
        # Years without an official arrangement: Monday to Friday less the statutory holidays.
        for year in range(first_year, last_year + 1):
            if year not in self.known_years:
                self.days.update(dict.fromkeys(statutory_holidays(year), DayKind.HOLIDAY))

    def is_working_day(self, day):
        kind = self.days.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5


def known_years():
    return sorted(set(Holiday.objects.values_list("date__year", flat=True).distinct()))


def add_working_days(start, n):
    """The date `n` working days after `start` (start itself not counted). n >= 0."""
    if n < 0:
        raise ValueError("n must be >= 0")
    # n working days never span more than about 2n + 30 calendar days, even across 春节.
    cal = Calendar(start.year, (start + datetime.timedelta(days=2 * n + 40)).year)
    day, left, unknown = start, n, set()
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.year not in cal.known_years:
            unknown.add(day.year)
        if cal.is_working_day(day):
            left -= 1
    return WorkingDate(day, tuple(sorted(unknown)))


def working_days_between(start, end):
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    cal = Calendar(start.year, end.year)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += cal.is_working_day(day)
    return count


def year_is_known(year):
    return Holiday.objects.filter(date__year=year).exists()


def missing_years(today=None, ahead=1):
    """This year and the next `ahead` years with no official schedule (for the admin warning)."""
    today = today or datetime.date.today()
    known = set(known_years())
    return [y for y in range(today.year, today.year + ahead + 1) if y not in known]
