import datetime

import chinese_calendar
import pytest

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied
from safegrid.workcal import services
from safegrid.workcal.calendar import add_working_days, missing_years, working_days_between
from safegrid.workcal.models import Holiday

D = datetime.date


def official(start, n):
    """The same count straight from chinese-calendar, as the reference."""
    day = start
    while n:
        day += datetime.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.mark.django_db
class TestAddWorkingDays:
    def test_across_spring_festival_2026(self):
        # 2026: 春节 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are adjusted workdays.
        result = add_working_days(D(2026, 2, 13), 3)
        assert result.date == D(2026, 2, 25) == official(D(2026, 2, 13), 3)
        assert not result.estimated and result.note == ""

    def test_adjusted_saturday_counts(self):
        assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
        assert add_working_days(D(2026, 2, 27), 1).date == D(2026, 2, 28)

    @pytest.mark.parametrize("start", [D(2026, 1, 1), D(2026, 4, 30), D(2026, 9, 28), D(2025, 12, 31)])
    @pytest.mark.parametrize("n", [1, 5, 10, 20])
    def test_matches_chinese_calendar(self, start, n):
        assert add_working_days(start, n).date == official(start, n)

    def test_2027_falls_back_to_statutory_holidays_and_says_so(self):
        result = add_working_days(D(2026, 12, 30), 5)
        assert result.date == D(2027, 1, 7)  # 31 Dec, then (元旦 Fri 1 Jan off) Mon 4 … Thu 7 Jan
        assert result.estimated and result.unknown_years == (2027,)
        assert result.note == "按法定节假日推算，未含调休（2027年官方节假日安排未录入）"
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(2027, 1, 4))

    def test_entered_schedule_is_used(self, world):
        services.set_day(date="2027-01-01", kind="holiday", name="元旦", actor=world.admin)
        result = add_working_days(D(2026, 12, 31), 1)
        assert result.date == D(2027, 1, 4) and not result.estimated
        assert AuditEvent.objects.filter(action="holiday_set").exists()

    def test_working_days_between(self):
        assert working_days_between(D(2026, 2, 13), D(2026, 2, 25)) == 3
        assert working_days_between(D(2026, 2, 25), D(2026, 2, 13)) == 0

    def test_missing_years_warns(self):
        assert missing_years(D(2026, 11, 1)) == [2027]


@pytest.mark.django_db
class TestAdminService:
    def test_only_admin(self, world):
        with pytest.raises(PermissionDenied):
            services.set_day(date="2027-02-08", kind="holiday", actor=world.county_user)
        assert not Holiday.objects.filter(date=D(2027, 2, 8)).exists()

    def test_weekday_cannot_be_workday(self, world):
        with pytest.raises(services.ServiceError) as exc:
            services.set_day(date="2027-02-08", kind="workday", actor=world.admin)
        assert exc.value.code == "kind.workday_on_weekday"

    def test_remove_is_audited(self, world):
        services.set_day(date="2027-02-08", kind="holiday", actor=world.admin)
        services.remove_day(date="2027-02-08", actor=world.admin, reason="录入错误")
        assert AuditEvent.objects.filter(action="holiday_remove", reason="录入错误").exists()
