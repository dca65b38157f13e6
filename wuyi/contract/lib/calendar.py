"""The working-day calendar (工作日) for contracts: weekends plus a holiday table with its
make-up working days (调休), so that a deadline of N working days is right around Spring
Festival and National Day.

    from wuyi.contract.lib import calendar, params

    table = params.value("holidays")               # a governed parameter (kind "holidays")
    due = calendar.add_working_days("2026-02-13", 1, table)      # '2026-02-14' (调休上班)
    calendar.working_days_between("2026-02-13", "2026-02-24", table)   # 2
    calendar.add_months("2026-01-31", 1)                         # '2026-02-28'
    calendar.days_between("2026-02-13", "2026-02-24")            # 11

Dates are ``YYYY-MM-DD`` texts (China Standard Time, UTC+8); :func:`today` is the date of the
block time (``ctx.time``), never the wall clock. A holiday table is a dict by year::

    {"2026": {"off": ["2026-02-15", ...], "work": ["2026-02-14", ...],
              "basis": "国务院办公厅关于2026年部分节假日安排的通知", "status": "published"}}

``off``: days without work (weekdays among them are holidays); ``work``: weekend days that are
working days (调休上班); ``status``: ``published`` (the State Council's notice) or
``provisional`` (an entry not yet confirmed by a published notice: say so in ``basis``). A
contract keeps its table as a governed parameter (:mod:`params`, kind ``holidays``), seeded
with :data:`CN_HOLIDAYS`, and the responsible department replaces it when the State Council
publishes a year's arrangement. Library code of the contract standard library.
"""

from wuyi.contract import ctx, require

UTC8_MINUTES = 8 * 60
MAX_SPAN = 3660  # a search for working days stops after ten years
MIN_YEAR = 1970
MAX_YEAR = 2199
STATUSES = ["published", "provisional"]

#: The State Council's published arrangements, and what is known of later years.
CN_HOLIDAYS = {
    "2026": {
        "off": [
            "2026-01-01",
            "2026-01-02",
            "2026-01-03",
            "2026-02-15",
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
            "2026-02-21",
            "2026-02-22",
            "2026-02-23",
            "2026-04-04",
            "2026-04-05",
            "2026-04-06",
            "2026-05-01",
            "2026-05-02",
            "2026-05-03",
            "2026-05-04",
            "2026-05-05",
            "2026-06-19",
            "2026-06-20",
            "2026-06-21",
            "2026-09-25",
            "2026-09-26",
            "2026-09-27",
            "2026-10-01",
            "2026-10-02",
            "2026-10-03",
            "2026-10-04",
            "2026-10-05",
            "2026-10-06",
            "2026-10-07",
        ],
        "work": [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ],
        "basis": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日，新华社发布）",
        "status": "published",
    },
    "2027": {
        "off": ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],
        "work": [],
        "basis": (
            "PROVISIONAL / 暂定: only the statutory days of 《全国年节及纪念日放假办法》"
            "（2024年11月10日修订）第二条 — 元旦 1月1日; 春节 农历除夕至正月初三"
            " (2027-02-05 至 02-08). The State Council's 2027 arrangement (调休, 补休, other"
            " holidays) is not in this table: replace this entry when it is published."
        ),
        "status": "provisional",
    },
}


# -- dates -----------------------------------------------------------------------------------


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of the proleptic Gregorian date ``y-m-d``."""
    y = y - 1 if m <= 2 else y
    era = y // 400
    yoe = y - era * 400
    mp = m + 9 if m <= 2 else m - 3
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(n):
    """``[y, m, d]`` of day number ``n`` (days since 1970-01-01)."""
    z = n + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return [yoe + era * 400 + (1 if m <= 2 else 0), m, d]


def parse(date):
    """The day number of ``date`` (``YYYY-MM-DD``); a refusal if it is not a real date."""
    ok = isinstance(date, str) and len(date) == 10 and date[4] == "-" and date[7] == "-"
    ok = ok and (date[:4] + date[5:7] + date[8:]).isdigit()
    require(ok, f"calendar rule: '{date}' is not a date like 2026-02-14")
    y, m, d = int(date[:4]), int(date[5:7]), int(date[8:])
    n = days_from_civil(y, m, d)
    require(
        MIN_YEAR <= y <= MAX_YEAR and civil_from_days(n) == [y, m, d],
        f"calendar rule: '{date}' is not a date from {MIN_YEAR} to {MAX_YEAR}",
    )
    return n


def format_day(n):
    """``YYYY-MM-DD`` of day number ``n``."""
    y, m, d = civil_from_days(n)
    return str(y) + "-" + ("0" if m < 10 else "") + str(m) + "-" + ("0" if d < 10 else "") + str(d)


def weekday(date):
    """0 (Monday) to 6 (Sunday)."""
    return (parse(date) + 3) % 7


def today():
    """The date of the block (China Standard Time) — ``ctx.time``, not the wall clock."""
    return format_day((ctx.time // 60000 + UTC8_MINUTES) // 1440)


def add_days(date, n):
    """The date ``n`` calendar days after ``date`` (before it if ``n`` is negative)."""
    return format_day(parse(date) + n)


def days_between(start, end):
    """Calendar days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    return parse(end) - parse(start)


def days_in_month(y, m):
    """The number of days of month ``m`` (1-12) of year ``y``."""
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)


def add_months(date, n):
    """The date ``n`` calendar months after ``date`` (before it if ``n`` is negative): the same
    day of the month, or the last day of a shorter month (``2026-01-31`` + 1 is
    ``2026-02-28``)."""
    y, m, d = civil_from_days(parse(date))
    m0 = m - 1 + n
    y = y + m0 // 12
    m = m0 % 12 + 1
    return format_day(days_from_civil(y, m, min(d, days_in_month(y, m))))


# -- the holiday table -------------------------------------------------------------------------


def check_table(table):
    """A refusal unless ``table`` is a holiday table (see the module text)."""
    require(
        isinstance(table, dict) and len(table) <= 200,
        "calendar rule: a holiday table is {year: {off, work, basis, status}}",
    )
    for year, entry in table.items():
        require(
            len(year) == 4 and year.isdigit() and isinstance(entry, dict),
            f"calendar rule: '{year}' is not a year with an entry",
        )
        require(
            sorted(entry.keys()) == ["basis", "off", "status", "work"],
            f"calendar rule: {year} needs exactly off, work, basis and status",
        )
        require(
            entry["status"] in STATUSES,
            f"calendar rule: {year}'s status is one of {', '.join(STATUSES)}",
        )
        require(
            isinstance(entry["basis"], str) and 0 < len(entry["basis"]) <= 600,
            f"calendar rule: {year} names its basis (1-600 characters)",
        )
        for kind in ["off", "work"]:
            days = entry[kind]
            require(
                isinstance(days, list) and len(days) <= 120,
                f"calendar rule: {year}.{kind} is a list of dates",
            )
            for date in days:
                parse(date)
                require(date[:4] == year, f"calendar rule: {date} is not in {year}")
        for date in entry["work"]:
            require(
                date not in entry["off"], f"calendar rule: {date} is both off and a working day"
            )
    return table


def is_working_day(date, table):
    """Whether ``date`` is a working day: a make-up working day of ``table``; else not a day
    off of ``table`` nor a Saturday or Sunday."""
    entry = table.get(date[:4])
    if entry is not None:
        if date in entry["work"]:
            return True
        if date in entry["off"]:
            return False
    return weekday(date) < 5


def add_working_days(date, n, table):
    """The date by which ``n`` working days (``n`` >= 0) after ``date`` have passed: the
    ``n``-th working day after ``date`` (``date`` itself does not count); for ``n`` = 0,
    ``date`` if it is a working day, else the next one."""
    require(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 2500,
        "calendar rule: working days are a whole number from 0 to 2500",
    )
    day = parse(date)
    if n == 0:
        while not is_working_day(format_day(day), table):
            day += 1
        return format_day(day)
    left = n
    last = day + MAX_SPAN
    while day < last:
        day += 1
        if is_working_day(format_day(day), table):
            left -= 1
            if left == 0:
                return format_day(day)
    require(False, f"calendar rule: no {n} working days within {MAX_SPAN} days of {date}")
    return ""


def working_days_between(start, end, table):
    """The working days after ``start`` up to and including ``end`` (0 if ``end`` is not
    after ``start``): the working days a deadline set on ``start`` has used by ``end``."""
    a, b = parse(start), parse(end)
    require(b - a <= MAX_SPAN, f"calendar rule: at most {MAX_SPAN} days apart")
    count = 0
    for day in range(a + 1, b + 1):
        if is_working_day(format_day(day), table):
            count += 1
    return count
