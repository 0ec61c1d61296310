"""Calendar facts that need no database: the statutory fixed-date holidays and the years the
`chinesecalendar` package knows (the seed of the official calendar).

Statutory fixed-date holidays (全体公民放假的节日), from 全国年节及纪念日放假办法:
- since 2025 (amended by 国务院令第795号 of 2024-11-10, in force 2025-01-01): 元旦 1 January;
  劳动节 1–2 May; 国庆节 1–3 October;
- 2008–2024 (国务院令第513号): 元旦 1 January; 劳动节 1 May; 国庆节 1–3 October;
- before 2008 (1999 text): 元旦 1 January; 劳动节 1–3 May; 国庆节 1–3 October.
The other statutory holidays (春节 — since 2025 the eve and the first three days —, 清明节,
端午节, 中秋节) follow the lunar calendar or the solar terms and are known only from the year's
notice. This module has no database access, so migrations may import it.
"""

from __future__ import annotations

import datetime as dt

NEW_YEAR = "元旦"
LABOUR_DAY = "劳动节"
NATIONAL_DAY = "国庆节"

# The names chinesecalendar uses, as the State Council's notices write them.
PACKAGE_NAMES = {
    "New Year's Day": NEW_YEAR,
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": LABOUR_DAY,
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": NATIONAL_DAY,
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The fixed-date public holidays of `year` under the law in force that year."""
    labour: tuple[int, ...]
    if year >= 2025:
        labour = (1, 2)
    elif year >= 2008:
        labour = (1,)
    else:
        labour = (1, 2, 3)
    days = {dt.date(year, 1, 1): NEW_YEAR}
    days.update({dt.date(year, 5, d): LABOUR_DAY for d in labour})
    days.update({dt.date(year, 10, d): NATIONAL_DAY for d in (1, 2, 3)})
    return days


def package_version() -> str:
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a dependency
        return ""
    return getattr(chinese_calendar, "__version__", "")


def package_years() -> dict[int, list[tuple[dt.date, str, str]]]:
    """Per year the package knows: its days as (date, kind, name), kind `holiday`/`workday`."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - a dependency
        return {}
    years: dict[int, list[tuple[dt.date, str, str]]] = {}
    for kind, table in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, name in table.items():
            years.setdefault(day.year, []).append((day, kind, PACKAGE_NAMES.get(name, name)))
    for days in years.values():
        days.sort()
    return years


def package_source(year: int) -> str:
    return (
        f"国务院办公厅关于{year}年部分节假日安排的通知"
        f"（从 chinesecalendar {package_version()} 导入）"
    )
