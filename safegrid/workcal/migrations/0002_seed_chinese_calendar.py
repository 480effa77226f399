"""Seed the holiday table from chinese-calendar (official State Council schedules it ships).

Only the dates that break the Monday–Friday rule are stored: weekday holidays and weekend
workdays (调休). Later years are entered by an administrator (workcal.services.set_day).
"""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

def seed(apps, schema_editor):
    import chinese_calendar

    Holiday = apps.get_model("workcal", "Holiday")
    source = f"chinese-calendar {getattr(chinese_calendar, '__version__', '1.11.0')}（国务院办公厅节假日安排）"
    rows = []
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            rows.append(Holiday(date=day, kind="holiday", name=NAMES.get(str(name), str(name)), source=source))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            rows.append(Holiday(date=day, kind="workday", name=NAMES.get(str(name), str(name)), source=source))
    # Weekend holidays are off anyway; a year with only those still needs a marker row so it
    # counts as known: every shipped year has at least one weekday holiday (元旦 or 春节).
    Holiday.objects.bulk_create(sorted(rows, key=lambda r: r.date), ignore_conflicts=True)

class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
