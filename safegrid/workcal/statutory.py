"""The statutory public holidays of a year, for years whose official arrangement is not entered.

Source: 全国年节及纪念日放假办法 (国务院令第798号, 2024年11月10日修订, 2025年1月1日起施行),
article 2, the holidays of all citizens (13 days):
元旦 1 day (1 January); 春节 4 days (农历除夕 and 正月初一 to 初三); 清明节 1 day (the day of the
清明 solar term); 劳动节 2 days (1-2 May); 端午节 1 day (农历五月初五); 中秋节 1 day (农历八月十五);
国庆节 3 days (1-3 October).

Lunar dates and the 清明 solar term come from lunar-python (6tail's 寿星天文历-based calendar,
maintained, pure Python). Only the statute's days are given here: 调休 (moved working days) and
补假 exist only in the State Council's yearly arrangement, which the holiday table holds.
"""

import datetime

from lunar_python import Lunar

STATUTE = "全国年节及纪念日放假办法(国务院令第798号，2024年修订)"


def _solar(lunar):
    solar = lunar.getSolar()
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year):
    """{date: festival name} of the statutory holidays falling in `year`."""
    days = {datetime.date(year, 1, 1): "元旦"}
    # 除夕 is the eve of the next lunar year's first day; a year's 春节 can begin in the year before.
    for lunar_year in (year - 1, year):
        first = _solar(Lunar.fromYmd(lunar_year + 1, 1, 1))
        for offset in range(-1, 3):
            day = first + datetime.timedelta(days=offset)
            if day.year == year:
                days[day] = "春节"
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days[datetime.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[datetime.date(year, 5, 1)] = days[datetime.date(year, 5, 2)] = "劳动节"
    days[_solar(Lunar.fromYmd(year, 5, 5))] = "端午节"
    days[_solar(Lunar.fromYmd(year, 8, 15))] = "中秋节"
    for day in (1, 2, 3):
        days[datetime.date(year, 10, day)] = "国庆节"
    return dict(sorted(days.items()))
