"""Office hours: a bot's weekly schedule and holidays, and whether a moment falls within them.

Stored on the bot as `{"days": {"0": ["09:00", "17:00"], ..., "6": None}, "holidays":
["2026-12-25"]}`: weekday 0 is Monday, one opening per day ("HH:MM" to "HH:MM", closing after
opening; None or missing: closed that day), holidays closed all day. Read in the workspace's time
zone. Pure: no database, no clock (callers pass the moment).
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping

DAYS = range(7)


def _time(text: object) -> dt.time | None:
    try:
        return dt.time.fromisoformat(str(text))
    except ValueError:
        return None


def opening(hours: Mapping, weekday: int) -> tuple[dt.time, dt.time] | None:
    """The day's opening and closing time, or None when closed."""
    days = hours.get("days") if isinstance(hours, Mapping) else None
    span = days.get(str(weekday)) if isinstance(days, Mapping) else None
    if not isinstance(span, list | tuple) or len(span) != 2:
        return None
    start, end = _time(span[0]), _time(span[1])
    return (start, end) if start and end and start < end else None


def is_open(hours: Mapping, when: dt.datetime, zone: str) -> bool:
    """Whether `when` (aware) falls within the office hours, read in time zone `zone`."""
    try:
        local = when.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = when
    holidays = hours.get("holidays") if isinstance(hours, Mapping) else None
    if isinstance(holidays, list) and local.date().isoformat() in holidays:
        return False
    span = opening(hours, local.weekday())
    return span is not None and span[0] <= local.time().replace(tzinfo=None) < span[1]
