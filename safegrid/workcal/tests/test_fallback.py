"""The fallback for a year without the official arrangement, and the recomputation once it is entered."""

import datetime

import chinese_calendar
import pytest

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import Hazard, HazardEvent
from safegrid.hazards.testing import enterprise, report, walk
from safegrid.notifications.models import Notification
from safegrid.workcal import estimates, services
from safegrid.workcal.calendar import add_working_days
from safegrid.workcal.models import EstimatedDeadline, Holiday, Resolution
from safegrid.workcal.statutory import statutory_holidays

D = datetime.date
# A plausible 2027 arrangement: 元旦 1-3 January with Saturday 9 January worked (调休).
NEW_YEAR_2027 = services.Festival("元旦", D(2027, 1, 1), D(2027, 1, 3), (D(2027, 1, 9),))


class TestStatutoryHolidays:
    @pytest.mark.parametrize("year", [2025, 2026])
    def test_every_statutory_day_is_off_in_the_official_schedule(self, year):
        """The lunar library's 除夕, 春节, 清明, 端午 and 中秋 match the State Council's own schedules."""
        days = statutory_holidays(year)
        assert len(days) == 13  # 2024 revision: 1 + 4 + 1 + 2 + 1 + 1 + 3
        assert all(chinese_calendar.is_holiday(day) for day in days)

    def test_2027(self):
        days = statutory_holidays(2027)
        assert [d for d, name in days.items() if name == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7),
                                                                      D(2027, 2, 8)]  # 除夕 to 初三
        assert days[D(2027, 4, 5)] == "清明节" and days[D(2027, 6, 9)] == "端午节"
        assert days[D(2027, 9, 15)] == "中秋节" and days[D(2027, 1, 1)] == "元旦"

    def test_chuxi_in_the_previous_year(self):
        """A 春节 whose 除夕 falls on 31 December counts that day in the earlier year."""
        days = statutory_holidays(2033)  # 春节 2033 is 31 January; check the year boundary logic holds
        assert all(day.year == 2033 for day in days)


@pytest.mark.django_db
class TestAcceptance:
    def test_ten_working_days_from_28_december_2026(self, world):
        result = add_working_days(D(2026, 12, 28), 10)
        assert result.date >= D(2027, 1, 12) and result.estimated
        services.set_year(year=2027, festivals=[NEW_YEAR_2027], source="国办发明电〔2026〕7号", actor=world.admin)
        official = add_working_days(D(2026, 12, 28), 10)
        assert official.date == D(2027, 1, 11) and not official.estimated  # Saturday 9 January is worked

    def test_fallback_skips_spring_festival(self):
        # From Thursday 4 February 2027: Fri 5 (除夕) and Mon 8 (初三) are statutory holidays.
        assert add_working_days(D(2027, 2, 4), 2).date == D(2027, 2, 10)


@pytest.mark.django_db
class TestRecompute:
    def planned(self, world, n=10, today=None):
        if not hasattr(world, "ent"):
            world.ent = enterprise(world)
        hazard = walk(world, report(world, world.ent), "assigned")
        today = today or D(2026, 12, 28)
        return hazard_services.plan(hazard, actor=world.county_user, version=hazard.version, today=today,
                                    data={"responsible_person": "张伟", "measures": "更换线路", "working_days": n})

    def test_estimated_deadline_is_listed_then_recomputed_with_event_audit_and_notice(self, world):
        hazard = self.planned(world)
        assert hazard.deadline == D(2027, 1, 12) and hazard.deadline_basis == "weekdays"
        entry = EstimatedDeadline.objects.get(object_type="hazards.hazard", object_id=hazard.pk)
        assert entry.resolved_at is None and entry.unknown_years == [2027] and entry.working_days == 10
        assert list(estimates.open_estimates()) == [entry]
        version = hazard.version
        Notification.objects.all().delete()

        counts = services.set_year(year=2027, festivals=[NEW_YEAR_2027], source="国办发明电〔2026〕7号",
                                   actor=world.admin)

        assert counts[Resolution.RECOMPUTED] == 1
        hazard.refresh_from_db()
        assert hazard.deadline == D(2027, 1, 11) and hazard.deadline_basis == "official"
        assert hazard.deadline_note == "" and hazard.version == version + 1
        entry.refresh_from_db()
        assert entry.resolution == Resolution.RECOMPUTED and entry.official_date == D(2027, 1, 11)
        event = HazardEvent.objects.get(hazard=hazard, action="deadline_recompute")
        assert event.data == {"from": "2027-01-12", "to": "2027-01-11"}
        assert AuditEvent.objects.filter(action="hazard_deadline_recompute", object_id=str(hazard.pk)).exists()
        assert AuditEvent.objects.filter(action="holiday_year_set", object_id="2027").exists()
        notified = set(Notification.objects.values_list("user__username", flat=True))
        assert {"enterprise", "town_a"} <= notified  # the rectifying enterprise and the accepting town

    def test_unchanged_date_still_loses_its_mark(self, world):
        hazard = self.planned(world, n=3)  # 29, 30, 31 December: the count never reaches 2027
        assert hazard.deadline_basis == "official"
        assert not EstimatedDeadline.objects.exists()
        hazard = self.planned(world, n=5, today=D(2026, 12, 30))
        services.set_year(year=2027, festivals=[services.Festival("元旦", D(2027, 1, 1), D(2027, 1, 1))],
                          source="通知", actor=world.admin)
        hazard.refresh_from_db()
        assert hazard.deadline == D(2027, 1, 7) and hazard.deadline_basis == "official"
        assert EstimatedDeadline.objects.get().resolution == Resolution.UNCHANGED

    def test_extended_deadline_supersedes_the_estimate(self, world):
        hazard = self.planned(world)
        hazard = hazard_services.extend(hazard, actor=world.county_user, version=hazard.version, reason="设备到货延迟",
                                        data={"deadline": "2027-02-26"}, today=D(2026, 12, 29))
        assert EstimatedDeadline.objects.get().resolution == Resolution.SUPERSEDED
        services.set_year(year=2027, festivals=[NEW_YEAR_2027], source="通知", actor=world.admin)
        assert Hazard.objects.get(pk=hazard.pk).deadline == D(2027, 2, 26)

    def test_closed_hazard_is_not_moved(self, world):
        hazard = self.planned(world)
        Hazard.objects.filter(pk=hazard.pk).update(state="closed")
        services.set_year(year=2027, festivals=[NEW_YEAR_2027], source="通知", actor=world.admin)
        assert Hazard.objects.get(pk=hazard.pk).deadline == D(2027, 1, 12)
        assert EstimatedDeadline.objects.get().resolution == Resolution.SUPERSEDED


@pytest.mark.django_db
class TestSetYear:
    def test_replaces_the_year_and_is_audited(self, world):
        services.set_day(date="2027-02-08", kind="holiday", name="春节", actor=world.admin)
        spring = services.Festival("春节", D(2027, 2, 5), D(2027, 2, 11), (D(2027, 1, 31), D(2027, 2, 20)))
        services.set_year(year=2027, festivals=[NEW_YEAR_2027, spring], source="国办发明电〔2026〕7号",
                          actor=world.admin)
        rows = dict(Holiday.objects.filter(date__year=2027).values_list("date", "kind"))
        assert rows[D(2027, 2, 5)] == rows[D(2027, 2, 11)] == "holiday"
        assert rows[D(2027, 1, 31)] == rows[D(2027, 2, 20)] == rows[D(2027, 1, 9)] == "workday"
        assert len(rows) == 3 + 7 + 3
        event = AuditEvent.objects.get(action="holiday_year_set")
        assert event.before == [{"date": "2027-02-08", "kind": "holiday", "name": "春节"}]

    @pytest.mark.parametrize("festival, code", [
        (services.Festival("元旦", D(2027, 1, 3), D(2027, 1, 1)), "festival.range"),
        (services.Festival("元旦", D(2027, 1, 1), D(2027, 1, 1), (D(2027, 1, 4),)), "kind.workday_on_weekday"),
        (services.Festival("", D(2027, 1, 1), D(2027, 1, 1)), "festival.name_required"),
        (services.Festival("国庆节", D(2028, 10, 1), D(2028, 10, 7)), "festival.year"),
        (services.Festival("元旦", D(2027, 1, 1), D(2027, 1, 3), (D(2027, 1, 2),)), "date.conflict"),
    ])
    def test_bad_entries_change_nothing(self, world, festival, code):
        with pytest.raises(ServiceError) as exc:
            services.set_year(year=2027, festivals=[festival], source="通知", actor=world.admin)
        assert exc.value.code == code
        assert not Holiday.objects.filter(date__year=2027).exists()

    def test_only_admin(self, world):
        for actor in (world.county_user, world.town_user):
            with pytest.raises(PermissionDenied):
                services.set_year(year=2027, festivals=[NEW_YEAR_2027], source="通知", actor=actor)
        assert not Holiday.objects.filter(date__year=2027).exists()
