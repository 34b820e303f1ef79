"""Reminder planning across time zones and summer time (pure: no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.planning import (
    local_moment,
    mission_end,
    mission_start,
    plan_before,
    shift_after,
    shift_before,
    to_zone,
)
from bot.domain.requests import RequestDetails
from bot.domain.schedule import Job, Wanted, plan_jobs
from handlers.core.wording import format_lead
from handlers.events import offset_label

PARIS = ZoneInfo("Europe/Paris")
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_spring_forward_night_0230_does_not_exist_and_moves_forward_by_the_gap():
    # Last Sunday of March 2027: clocks jump from 02:00 to 03:00 in Paris.
    start = local_moment(date(2027, 3, 28), time(2, 30), PARIS)
    assert start == utc(2027, 3, 28, 1, 30)
    assert start.astimezone(PARIS).strftime("%H:%M %Z") == "03:30 CEST"


def test_event_at_0230_on_the_spring_forward_night_gets_its_reminders_at_the_right_instants():
    start = local_moment(date(2027, 3, 28), time(2, 30), PARIS)
    assert shift_before(start, HOUR, PARIS) == utc(2027, 3, 28, 0, 30)  # 01:30 CET, 1 h before
    # J-1 keeps the wall clock the event really has (03:30): Saturday 03:30 CET.
    assert shift_before(start, DAY, PARIS) == utc(2027, 3, 27, 2, 30)
    assert shift_before(start, 7 * DAY, PARIS) == utc(2027, 3, 21, 2, 30)


def test_fall_back_night_0230_happens_twice_and_the_first_is_taken():
    # Last Sunday of October 2026: 03:00 CEST becomes 02:00 CET.
    start = local_moment(date(2026, 10, 25), time(2, 30), PARIS)
    assert start == utc(2026, 10, 25, 0, 30)
    assert start.astimezone(PARIS).strftime("%H:%M %Z") == "02:30 CEST"


def test_day_offsets_keep_the_wall_clock_across_the_last_sunday_of_march():
    start = local_moment(date(2026, 3, 29), time(14), PARIS)  # 14:00 CEST = 12:00 UTC
    assert start == utc(2026, 3, 29, 12)
    day_before = shift_before(start, DAY, PARIS)
    assert day_before == utc(2026, 3, 28, 13)  # Saturday 14:00 CET, not 13:00
    assert day_before.astimezone(PARIS).time() == time(14)
    assert shift_before(start, HOUR, PARIS) == utc(2026, 3, 29, 11)  # elapsed hour: 13:00 CEST
    assert shift_before(start, 2 * DAY + 2 * HOUR, PARIS) == utc(2026, 3, 27, 11)


def test_day_offsets_keep_the_wall_clock_across_the_last_sunday_of_october():
    start = local_moment(date(2026, 10, 25), time(14), PARIS)  # 14:00 CET = 13:00 UTC
    assert start == utc(2026, 10, 25, 13)
    assert shift_before(start, DAY, PARIS) == utc(2026, 10, 24, 12)  # Saturday 14:00 CEST
    assert shift_before(start, 7 * DAY, PARIS) == utc(2026, 10, 18, 12)
    assert shift_before(start, HOUR, PARIS) == utc(2026, 10, 25, 12)  # 13:00 CET
    # Feedback the day after, at the same wall-clock time.
    assert shift_after(utc(2026, 10, 24, 14), DAY, PARIS) == utc(2026, 10, 25, 15)


def test_a_day_before_reminder_that_falls_in_the_gap_moves_forward():
    start = local_moment(date(2027, 3, 29), time(2, 30), PARIS)  # Monday 02:30 CEST
    assert shift_before(start, DAY, PARIS) == utc(2027, 3, 28, 1, 30)  # "02:30" → 03:30 CEST


def test_plan_before_keeps_only_reminders_still_ahead():
    start = utc(2026, 12, 7, 13)
    now = utc(2026, 12, 3, 9)
    planned = plan_before(start, (7 * DAY, DAY, HOUR), PARIS, now)
    assert [p.offset for p in planned] == [DAY, HOUR]
    assert [p.due_at for p in planned] == [utc(2026, 12, 6, 13), utc(2026, 12, 7, 12)]


def test_mission_start_and_end_from_request_details():
    details = RequestDetails(
        event_date=date(2027, 3, 12), start_time=time(9), end_time=time(12, 30)
    )
    assert mission_start(details, PARIS) == utc(2027, 3, 12, 8)
    assert mission_end(details, PARIS) == utc(2027, 3, 12, 11, 30)
    assert mission_start(RequestDetails(event_date=date(2027, 3, 12)), PARIS) is None
    full_day = RequestDetails(event_date=date(2027, 3, 12), duration_minutes=420)
    assert mission_start(full_day, PARIS) == utc(2027, 3, 12, 8)
    assert mission_end(full_day, PARIS) == utc(2027, 3, 12, 15)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        (None, "14:00"),
        ("America/Guadeloupe", "09:00"),
        ("Indian/Reunion", "17:00"),
        ("Nope/X", "14:00"),
    ],
)
def test_times_are_shown_in_the_facilitators_own_zone(zone, shown):
    moment = utc(2026, 12, 7, 13)
    assert to_zone(moment, zone, PARIS).strftime("%H:%M") == shown


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (7 * DAY, "dans 7 jours"),
        (2 * DAY, "dans 2 jours"),
        (DAY, "dans 1 jour"),
        (2 * HOUR, "dans 2 heures"),
        (HOUR, "dans 1 heure"),
        (timedelta(minutes=20), "dans 20 minutes"),
        (timedelta(seconds=-5), "dans quelques instants"),
    ],
)
def test_format_lead(delta, text):
    assert format_lead(delta) == text


@pytest.mark.parametrize(
    ("offset", "label"),
    [
        (7 * DAY, "J-7"),
        (HOUR, "H-1"),
        (timedelta(minutes=30), "30 min avant"),
        (timedelta(seconds=90), "90 s avant"),
    ],
)
def test_offset_label(offset, label):
    assert offset_label(offset) == label


# -- the schedule's diff -------------------------------------------------------------------------


def _job(job_id: int, want: Wanted, state: str = "pending") -> Job:
    return Job(
        id=job_id,
        kind=want.kind,
        target="request:1",
        recipient=want.recipient,
        offset=want.offset,
        anchor_at=want.anchor_at,
        due_at=want.due_at,
        expires_at=want.expires_at,
        state=state,
    )


def test_plan_jobs_creates_moves_and_cancels():
    now = datetime(2027, 1, 10, 9, tzinfo=UTC)
    start = datetime(2027, 1, 20, 9, tzinfo=UTC)
    day = timedelta(days=1)
    keep = Wanted("mission_reminder", "@a:s", day, start - day, start, start)
    moved = Wanted("mission_reminder", "@b:s", day, start - day + timedelta(hours=2), start, start)
    new = Wanted("feedback_request", "@a:s", day, start + day, start)
    existing = [
        _job(1, keep),
        _job(2, Wanted("mission_reminder", "@b:s", day, start - day, start, start)),
        _job(3, Wanted("mission_reminder", "@c:s", day, start - day, start, start)),
    ]
    plan = plan_jobs([keep, moved, new], existing, now)
    assert plan.create == (new,)
    assert plan.move == ((2, moved),)
    assert plan.cancel == (3,)


def test_plan_jobs_never_plans_again_what_was_sent_for_the_same_anchor_nor_the_past():
    now = datetime(2027, 1, 10, 9, tzinfo=UTC)
    start = datetime(2027, 1, 20, 9, tzinfo=UTC)
    sent = Wanted("mission_reminder", "@a:s", timedelta(days=1), start, start)
    past = Wanted("mission_reminder", "@b:s", timedelta(days=30), now - timedelta(days=1), start)
    plan = plan_jobs([sent, past], [_job(1, sent, state="sent")], now)
    assert not plan
