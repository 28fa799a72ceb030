"""Digest schedule periods: a missed tick is caught up, no period is sent twice, DST neither
skips nor doubles a period. Everything here is pure date arithmetic against real tzdata."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from teams_app.digests.schedule import (
    Period,
    current_period,
    local_send_time,
    next_due_at,
    zone_for,
)
from teams_app.models.people import DigestFrequency

TICK = timedelta(minutes=15)
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at_local(tz: str, *args: int, fold: int = 0) -> datetime:
    """A wall-clock time in `tz`, as the UTC instant the cron tick would see."""
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def key_date(period: Period) -> date:
    return date.fromisoformat(period.key.partition(":")[2])


def walk(
    frequency: str, weekday: int, hour: int, tz: str, start: datetime, end: datetime
) -> list[tuple[datetime, Period]]:
    """Tick from `start` (inclusive) to `end` (exclusive) like cron does; return each period with
    the first tick that saw it, asserting on the way that a period never comes back."""
    runs: list[tuple[datetime, Period]] = []
    now = start
    while now < end:
        period = current_period(frequency, weekday, hour, tz, now)
        assert period is not None
        assert period.starts_at < period.due_at <= now
        if not runs or runs[-1][1] != period:
            assert period.key not in {p.key for _, p in runs}, f"{period.key} sent twice"
            runs.append((now, period))
        now += TICK
    return runs


def assert_periods_chain(runs: list[tuple[datetime, Period]], step: timedelta) -> None:
    """Consecutive periods: distinct keys, consecutive local dates, strictly increasing due_at,
    each window starting where the previous one ended, each picked up at the first tick."""
    for (_, previous), (first_tick, period) in zip(runs, runs[1:], strict=False):
        assert period.key != previous.key
        assert key_date(period) - key_date(previous) == step
        assert period.due_at > previous.due_at
        assert period.starts_at == previous.due_at
        assert period.due_at <= first_tick < period.due_at + TICK


# --- zone_for --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["UTC", "America/Chicago", "Asia/Kolkata", "Pacific/Auckland"])
def test_zone_for_known_names(name):
    assert zone_for(name) == ZoneInfo(name)


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "Mars/Olympus_Mons",  # unknown: ZoneInfoNotFoundError
        "America",  # a directory: IsADirectoryError
        "../../etc/passwd",  # path traversal: ValueError
        "/etc/localtime",  # absolute path: ValueError
        "zone.tab",  # a tzdata file that is not a zone: ValueError
        "x" * 300,  # file name too long: OSError
        "UTC\x00",  # embedded NUL: ValueError
    ],
)
def test_zone_for_falls_back_to_utc(name):
    assert zone_for(name) == ZoneInfo("UTC")


def test_unknown_timezone_schedules_as_utc():
    now = utc(2026, 12, 1, 9, 30)
    expected = current_period("daily", 0, 8, "UTC", now)
    assert expected == Period("daily:2026-12-01", utc(2026, 12, 1, 8), utc(2026, 11, 30, 8))
    for name in ("Mars/Olympus_Mons", "", None, "America"):
        assert current_period("daily", 0, 8, name, now) == expected
        assert next_due_at("daily", 0, 8, name, now) == utc(2026, 12, 2, 8)


# --- local_send_time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, day, hour, expected",
    [
        ("UTC", date(2026, 11, 30), 8, utc(2026, 11, 30, 8)),
        ("America/Chicago", date(2026, 11, 30), 8, utc(2026, 11, 30, 14)),  # CST, -06:00
        ("America/Chicago", date(2026, 7, 1), 8, utc(2026, 7, 1, 13)),  # CDT, -05:00
        ("Asia/Kolkata", date(2026, 11, 30), 8, utc(2026, 11, 30, 2, 30)),  # +05:30
        ("Asia/Kolkata", date(2026, 11, 30), 0, utc(2026, 11, 29, 18, 30)),
        ("Pacific/Auckland", date(2026, 11, 30), 8, utc(2026, 11, 29, 19)),  # NZDT, +13:00
        ("Pacific/Auckland", date(2026, 7, 1), 8, utc(2026, 6, 30, 20)),  # NZST, +12:00
        ("Pacific/Auckland", date(2026, 11, 30), 23, utc(2026, 11, 30, 10)),
    ],
)
def test_local_send_time(tz, day, hour, expected):
    sent = local_send_time(day, hour, ZoneInfo(tz))
    assert sent == expected
    assert sent.tzinfo is UTC
    assert sent.astimezone(ZoneInfo(tz)).replace(tzinfo=None) == datetime(
        day.year, day.month, day.day, hour
    )


def test_spring_forward_gap_uses_first_instant_after_the_gap():
    """02:00 does not exist on 2027-03-14 in New York (02:00 EST jumps to 03:00 EDT): the send is
    the fold=0 reading, 02:00 at the old offset == 07:00 UTC == 03:00 EDT, the first real
    instant after the gap."""
    zone = ZoneInfo(NEW_YORK)
    sent = local_send_time(date(2027, 3, 14), 2, zone)
    assert sent == utc(2027, 3, 14, 7)
    local = sent.astimezone(zone)
    assert (local.hour, local.minute, local.utcoffset()) == (3, 0, timedelta(hours=-4))
    # The instant just before is still on the other side of the gap (01:59:59 EST).
    before = (sent - timedelta(seconds=1)).astimezone(zone)
    assert (before.hour, before.minute, before.utcoffset()) == (1, 59, timedelta(hours=-5))
    # A real instant: reading its wall time back gives the same instant.
    assert local.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC) == sent
    # Ordered between its neighbours; the day of the change is 24h then 23h from them.
    previous = local_send_time(date(2027, 3, 13), 2, zone)
    following = local_send_time(date(2027, 3, 15), 2, zone)
    assert previous < sent < following
    assert (sent - previous, following - sent) == (timedelta(hours=24), timedelta(hours=23))


def test_half_hour_gap_uses_first_instant_after_the_gap():
    """Lord Howe Island springs forward only 30 minutes, 02:00 -> 02:30 (+10:30 -> +11:00)."""
    zone = ZoneInfo("Australia/Lord_Howe")
    sent = local_send_time(date(2027, 10, 3), 2, zone)
    assert sent == utc(2027, 10, 2, 15, 30)
    local = sent.astimezone(zone)
    assert (local.hour, local.minute) == (2, 30)
    before = (sent - timedelta(seconds=1)).astimezone(zone)
    assert (before.hour, before.minute) == (1, 59)
    assert local_send_time(date(2027, 10, 2), 2, zone) < sent


def test_fall_back_overlap_uses_first_occurrence():
    """01:00 happens twice on 2027-11-07 in New York: EDT (05:00 UTC) first, then EST."""
    zone = ZoneInfo(NEW_YORK)
    sent = local_send_time(date(2027, 11, 7), 1, zone)
    assert sent == utc(2027, 11, 7, 5)
    assert sent.astimezone(zone).utcoffset() == timedelta(hours=-4)
    # The second 01:00 (EST) is one hour later and must not make the period due again.
    second = at_local(NEW_YORK, 2027, 11, 7, 1, fold=1)
    assert second == utc(2027, 11, 7, 6)
    # Ticks from 01:00 EDT through the repeated hour to 02:45 EST all see the one period.
    runs = walk("daily", 0, 1, NEW_YORK, sent, sent + 12 * TICK)
    assert [p.key for _, p in runs] == ["daily:2027-11-07"]


@pytest.mark.parametrize("hour", [-1, 24])
def test_local_send_time_rejects_impossible_hours(hour):
    with pytest.raises(ValueError, match="0..23"):
        local_send_time(date(2026, 11, 30), hour, ZoneInfo("UTC"))


# --- daily -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, today, hour",
    [
        ("UTC", date(2026, 11, 30), 8),
        ("America/Chicago", date(2026, 11, 30), 8),
        ("America/Chicago", date(2026, 7, 1), 17),
        ("Asia/Kolkata", date(2026, 11, 30), 8),
        ("Asia/Kolkata", date(2026, 11, 30), 0),
        ("Pacific/Auckland", date(2026, 11, 30), 8),  # still the previous day in UTC
        ("Pacific/Auckland", date(2026, 7, 1), 23),
    ],
)
def test_daily_before_and_after_the_hour(tz, today, hour):
    zone = ZoneInfo(tz)
    send = local_send_time(today, hour, zone)
    yesterday = today - timedelta(days=1)

    before = current_period("daily", 0, hour, tz, send - timedelta(minutes=1))
    assert before == Period(
        key=f"daily:{yesterday.isoformat()}",
        due_at=local_send_time(yesterday, hour, zone),
        starts_at=local_send_time(yesterday - timedelta(days=1), hour, zone),
    )
    on_the_hour = current_period("daily", 0, hour, tz, send)
    assert on_the_hour == Period(
        key=f"daily:{today.isoformat()}", due_at=send, starts_at=before.due_at
    )
    assert current_period("daily", 0, hour, tz, send + timedelta(hours=3)) == on_the_hour


def test_daily_key_is_the_local_date_not_the_utc_date():
    # 08:00 on 30 November in Auckland is 19:00 UTC on the 29th.
    period = current_period("daily", 0, 8, "Pacific/Auckland", utc(2026, 11, 29, 19, 5))
    assert period is not None
    assert period.key == "daily:2026-11-30"
    assert period.due_at == utc(2026, 11, 29, 19)


def test_key_is_stable_within_a_period():
    first = current_period(
        "daily", 0, 8, "America/Chicago", at_local("America/Chicago", 2026, 12, 1, 8, 3)
    )
    later = current_period(
        "daily", 0, 8, "America/Chicago", at_local("America/Chicago", 2026, 12, 2, 7, 59)
    )
    assert first is not None and later is not None
    assert first.key == later.key == "daily:2026-12-01"
    assert first == later

    monday = current_period(
        "weekly", 0, 8, "Asia/Kolkata", at_local("Asia/Kolkata", 2026, 11, 30, 8)
    )
    sunday = current_period(
        "weekly", 0, 8, "Asia/Kolkata", at_local("Asia/Kolkata", 2026, 12, 6, 23, 59)
    )
    assert monday == sunday
    assert monday is not None and monday.key == "weekly:2026-11-30"


def test_missed_ticks_catch_up_with_the_latest_period_only():
    """Cron was down from just after Monday's send until Thursday 10:00: the next tick sends
    Thursday's digest, not Tuesday's and Wednesday's as well."""
    tz = "America/Chicago"
    last_sent = current_period("daily", 0, 8, tz, at_local(tz, 2026, 11, 30, 8, 1))
    assert last_sent is not None and last_sent.key == "daily:2026-11-30"

    caught_up = current_period("daily", 0, 8, tz, at_local(tz, 2026, 12, 3, 10))
    assert caught_up == Period(
        key="daily:2026-12-03",
        due_at=at_local(tz, 2026, 12, 3, 8),
        starts_at=at_local(tz, 2026, 12, 2, 8),
    )

    weekly = current_period("weekly", 0, 8, tz, at_local(tz, 2026, 12, 21, 9))
    assert weekly is not None
    assert weekly.key == "weekly:2026-12-21"
    assert weekly.starts_at == at_local(tz, 2026, 12, 14, 8)


# --- weekly ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["UTC", "America/Chicago", "Asia/Kolkata", "Pacific/Auckland"])
def test_weekly_default_monday_eight(tz):
    """Monday 07:59 local is still last week's period; 08:00 starts this week's."""
    monday = date(2026, 11, 30)
    assert monday.weekday() == 0
    before = current_period("weekly", 0, 8, tz, at_local(tz, 2026, 11, 30, 7, 59))
    assert before is not None
    assert before.key == "weekly:2026-11-23"
    assert before.due_at == at_local(tz, 2026, 11, 23, 8)

    on_time = current_period("weekly", 0, 8, tz, at_local(tz, 2026, 11, 30, 8))
    assert on_time == Period(
        key="weekly:2026-11-30", due_at=at_local(tz, 2026, 11, 30, 8), starts_at=before.due_at
    )
    # Every day of the week until next Monday 07:59 is the same period.
    for days in range(1, 7):
        now = at_local(tz, 2026, 11, 30, 12) + timedelta(days=days)
        assert current_period("weekly", 0, 8, tz, now) == on_time
    assert current_period("weekly", 0, 8, tz, at_local(tz, 2026, 12, 7, 7, 59)) == on_time


@pytest.mark.parametrize("weekday", range(7))
def test_weekly_period_lands_on_the_chosen_weekday(weekday):
    period = current_period("weekly", weekday, 17, "America/Chicago", utc(2026, 12, 2, 12))
    assert period is not None
    assert key_date(period).weekday() == weekday
    assert period.due_at <= utc(2026, 12, 2, 12) < period.due_at + timedelta(days=7)
    assert period.due_at - period.starts_at == timedelta(days=7)


def test_weekly_periods_spanning_dst_are_167_and_169_hours():
    spring = current_period("weekly", 0, 8, NEW_YORK, utc(2027, 3, 15, 13))
    fall = current_period("weekly", 0, 8, NEW_YORK, utc(2027, 11, 8, 14))
    assert spring is not None and fall is not None
    assert spring.key == "weekly:2027-03-15"
    assert spring.due_at - spring.starts_at == timedelta(hours=167)
    assert fall.key == "weekly:2027-11-08"
    assert fall.due_at - fall.starts_at == timedelta(hours=169)


# --- DST walks -------------------------------------------------------------------------------


DST_DAYS = [
    pytest.param(NEW_YORK, date(2027, 3, 14), id="new-york-spring"),
    pytest.param(NEW_YORK, date(2027, 11, 7), id="new-york-fall"),
    pytest.param("Europe/London", date(2027, 3, 28), id="london-spring"),
    pytest.param("Europe/London", date(2027, 10, 31), id="london-fall"),
    pytest.param("Pacific/Auckland", date(2027, 9, 26), id="auckland-spring"),
    pytest.param("Pacific/Auckland", date(2027, 4, 4), id="auckland-fall"),
    pytest.param("Australia/Lord_Howe", date(2027, 10, 3), id="lord-howe-half-hour"),
]


@pytest.mark.parametrize("hour", [1, 2, 3, 8])
@pytest.mark.parametrize("tz, change", DST_DAYS)
def test_daily_walk_across_dst_sends_every_local_date_exactly_once(tz, change, hour):
    """Ten days of 15-minute ticks around a DST change: each local date is a period exactly
    once, in order, picked up at the first tick after its send time."""
    start = at_local(tz, change.year, change.month, change.day, 12) - timedelta(days=5)
    end = start + timedelta(days=10)
    runs = walk("daily", 0, hour, tz, start, end)

    zone = ZoneInfo(tz)
    first_day = start.astimezone(zone).date()
    last_day = (end - TICK).astimezone(zone).date()
    expected = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    assert [key_date(p) for _, p in runs] == expected
    assert change in expected and len(expected) == 11
    assert_periods_chain(runs, timedelta(days=1))
    for _, period in runs:
        assert period.due_at == local_send_time(key_date(period), hour, zone)


@pytest.mark.parametrize(
    "tz, first_send, weekday, hour",
    [
        (NEW_YORK, date(2027, 2, 22), 0, 8),  # Mondays, across spring forward
        (NEW_YORK, date(2027, 2, 21), 6, 2),  # Sundays at 02:00: one falls in the gap
        (NEW_YORK, date(2027, 10, 17), 6, 1),  # Sundays at 01:00: one is the repeated hour
        ("America/Chicago", date(2027, 10, 18), 0, 8),
        ("Pacific/Auckland", date(2027, 9, 6), 0, 8),
        ("Pacific/Auckland", date(2027, 3, 14), 6, 2),
    ],
)
def test_weekly_walk_over_five_weeks_gives_five_periods(tz, first_send, weekday, hour):
    assert first_send.weekday() == weekday
    zone = ZoneInfo(tz)
    start = local_send_time(first_send, hour, zone)
    end = local_send_time(first_send + timedelta(weeks=5), hour, zone)
    runs = walk("weekly", weekday, hour, tz, start, end)
    assert [key_date(p) for _, p in runs] == [first_send + timedelta(weeks=n) for n in range(5)]
    assert_periods_chain(runs, timedelta(weeks=1))


@pytest.mark.parametrize("hour", [0, 1, 23])
def test_fall_back_across_midnight_never_goes_back_a_day(hour):
    """Casey station went from +11 to +08 at 02:00 on 2010-03-05, so the wall clock jumped back
    to 23:00 on the 4th *after* the 5th's midnight send. The period must stay the 5th's."""
    tz = "Antarctica/Casey"
    assert current_period("daily", 0, 0, tz, utc(2010, 3, 4, 15, 30)) == Period(
        key="daily:2010-03-05", due_at=utc(2010, 3, 4, 13), starts_at=utc(2010, 3, 3, 13)
    )
    runs = walk("daily", 0, hour, tz, utc(2010, 3, 1), utc(2010, 3, 9))
    assert_periods_chain(runs, timedelta(days=1))
    assert "daily:2010-03-05" in {p.key for _, p in runs}


def test_a_local_date_that_does_not_exist_is_skipped_without_losing_time():
    """Samoa skipped 2011-12-30 entirely. There is nothing to send for it, and the next
    period's window starts where the last sent one ended."""
    tz = "Pacific/Apia"
    runs = walk("daily", 0, 8, tz, utc(2011, 12, 27), utc(2012, 1, 3))
    keys = [p.key for _, p in runs]
    assert "daily:2011-12-30" not in keys
    periods = {p.key: p for _, p in runs}
    assert periods["daily:2011-12-31"].starts_at == periods["daily:2011-12-29"].due_at
    for (_, previous), (_, period) in zip(runs, runs[1:], strict=False):
        assert period.starts_at == previous.due_at
        assert period.due_at > previous.due_at
    assert next_due_at("daily", 0, 8, tz, utc(2011, 12, 30)) == periods["daily:2011-12-31"].due_at


# --- next_due_at -----------------------------------------------------------------------------


NEXT_CASES = [
    ("daily", 0, 8, "UTC", utc(2026, 11, 30, 8)),  # exactly on a send: the *next* one
    ("daily", 0, 8, "America/Chicago", utc(2026, 11, 30, 3)),
    ("daily", 0, 8, "Asia/Kolkata", utc(2026, 11, 30, 2, 29)),
    ("daily", 0, 8, "Pacific/Auckland", utc(2026, 11, 29, 18)),
    ("daily", 0, 2, NEW_YORK, utc(2027, 3, 13, 12)),  # next send is in the gap
    ("daily", 0, 1, NEW_YORK, utc(2027, 11, 7, 5, 30)),  # during the first 01:xx
    ("daily", 0, 1, NEW_YORK, utc(2027, 11, 7, 6, 30)),  # during the repeated 01:xx
    ("weekly", 0, 8, "America/Chicago", utc(2026, 12, 2, 12)),
    ("weekly", 6, 2, NEW_YORK, utc(2027, 3, 10)),
    ("weekly", 4, 17, "Pacific/Auckland", utc(2026, 11, 27, 4)),
    ("weekly", 0, 0, "Antarctica/Casey", utc(2010, 3, 1, 12)),
]


@pytest.mark.parametrize("frequency, weekday, hour, tz, now", NEXT_CASES)
def test_next_due_at_is_the_following_periods_due_at(frequency, weekday, hour, tz, now):
    upcoming = next_due_at(frequency, weekday, hour, tz, now)
    current = current_period(frequency, weekday, hour, tz, now)
    assert upcoming is not None and current is not None
    assert upcoming > now
    following = current_period(frequency, weekday, hour, tz, upcoming)
    assert following is not None
    assert following.due_at == upcoming
    assert following.starts_at == current.due_at
    assert following.key != current.key
    # Nothing else becomes due in between.
    assert current_period(frequency, weekday, hour, tz, upcoming - timedelta(microseconds=1)) == (
        current
    )


def test_next_due_at_shows_the_local_time():
    upcoming = next_due_at("weekly", 0, 8, "America/Chicago", utc(2026, 12, 2, 12))
    assert upcoming == at_local("America/Chicago", 2026, 12, 7, 8)


# --- off, unknown and bad input --------------------------------------------------------------


@pytest.mark.parametrize("frequency", ["off", "hourly", "", "Daily", None])
def test_off_and_unknown_frequencies_have_no_period(frequency):
    now = utc(2026, 11, 30, 12)
    assert current_period(frequency, 0, 8, "UTC", now) is None
    assert next_due_at(frequency, 0, 8, "UTC", now) is None


def test_off_ignores_out_of_range_settings():
    assert current_period("off", 9, 99, "UTC", datetime(2026, 11, 30)) is None


def test_the_model_enum_works_and_keys_use_its_value():
    now = utc(2026, 11, 30, 12)
    assert current_period(DigestFrequency.OFF, 0, 8, "UTC", now) is None
    daily = current_period(DigestFrequency.DAILY, 0, 8, "UTC", now)
    weekly = current_period(DigestFrequency.WEEKLY, 0, 8, "UTC", now)
    assert daily is not None and daily.key == "daily:2026-11-30"
    assert weekly is not None and weekly.key == "weekly:2026-11-30"


def test_now_in_another_zone_is_the_same_instant():
    now = utc(2026, 11, 30, 14, 30)
    assert current_period("daily", 0, 8, "America/Chicago", now) == current_period(
        "daily", 0, 8, "America/Chicago", now.astimezone(ZoneInfo("Asia/Tokyo"))
    )


@pytest.mark.parametrize(
    "frequency, weekday, hour, now, message",
    [
        ("daily", 0, 8, datetime(2026, 11, 30, 12), "timezone-aware"),
        ("weekly", 0, 24, utc(2026, 11, 30), "0..23"),
        ("daily", 0, -1, utc(2026, 11, 30), "0..23"),
        ("weekly", 7, 8, utc(2026, 11, 30), "0..6"),
        ("weekly", -1, 8, utc(2026, 11, 30), "0..6"),
    ],
)
def test_bad_arguments_fail_loudly(frequency, weekday, hour, now, message):
    with pytest.raises(ValueError, match=message):
        current_period(frequency, weekday, hour, "UTC", now)
    with pytest.raises(ValueError, match=message):
        next_due_at(frequency, weekday, hour, "UTC", now)


def test_daily_ignores_the_weekday_setting():
    now = utc(2026, 11, 30, 12)
    assert current_period("daily", 9, 8, "UTC", now) == current_period("daily", 0, 8, "UTC", now)
