"""Reminders against a real Synapse: once and on time across a restart, and the grace policy."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of, until
from handlers.core.wording import MONTHS

PARIS = ZoneInfo("Europe/Paris")


def _event_in_minutes(minutes: int) -> tuple[datetime, str]:
    """A start on a whole minute a few minutes ahead, and how to write it in `!evenement`."""
    start = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    local = start.astimezone(PARIS)
    return start, f"le {local.day} {MONTHS[local.month - 1]} à {local.hour}h{local.minute:02d}"


def _seconds(delta: timedelta) -> str:
    """An offset in whole seconds, rounded up: the reminder is due no later than planned."""
    return f"{math.ceil(delta.total_seconds())}s"


async def _facilitators_room(world):
    coordinator = await world.person("Claire Coord")
    fanny = await world.person("Fanny Facil")
    bot = await world.bot_account()
    room_id = await coordinator.create_room("Facilitateurs", invite=[bot.user_id, fanny.user_id])
    await fanny.wait_joined(room_id)
    return coordinator, fanny, room_id


def _reminders(person, room_id, bot_id, title):
    return [
        m
        for m in person.messages(room_id, bot_id)
        if f"« {title} »" in body_of(m) and body_of(m).startswith("@room Rappel")
    ]


async def test_plenary_reminder_arrives_once_although_the_bot_restarts_before_it_is_due(world):
    coordinator, fanny, room_id = await _facilitators_room(world)
    start, when = _event_in_minutes(3)
    due = datetime.now(UTC) + timedelta(seconds=6)
    config = await world.config(
        rooms={"facilitators": room_id},
        bot={"coordinators": [coordinator.user_id]},
        reminders={"plenary_before": [_seconds(start - due)]},
    )
    bot_id = config.matrix.user_id
    app = await world.start_bot(config)
    asked = await coordinator.send(room_id, f"!evenement Plénière express {when} à Bercy")
    answer = await coordinator.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot_id
    )
    assert body_of(answer).startswith("Événement n° 1 enregistré")
    assert "Rappels prévus" in body_of(answer)

    await world.stop_bot(app)  # scheduled, not yet fired
    app = await world.start_bot(config)
    [job] = [j for j in await app.store.jobs.pending() if j.kind != "retention"]
    assert job.due_at > datetime.now(UTC), "the restart must happen before the reminder is due"
    await until(lambda: app.scheduler.started.is_set())
    assert job.id in app.scheduler.alarms()  # re-armed from the row, not from memory

    reminder = await fanny.wait_for_message(
        lambda m: body_of(m).startswith("@room Rappel : « Plénière express »"),
        room_id=room_id,
        sender=bot_id,
        timeout=40,
    )
    arrived = datetime.fromtimestamp(reminder["origin_server_ts"] / 1000, UTC)
    assert arrived >= job.due_at - timedelta(seconds=1)
    assert arrived - job.due_at < timedelta(seconds=10)
    assert reminder["content"]["msgtype"] == "m.text"
    assert reminder["content"]["m.mentions"] == {"room": True}

    # ✅ on the reminder counts as attending; the answer to `!evenements` comes after any
    # duplicate of the reminder would have.
    await fanny.react(room_id, reminder["event_id"], "✅")
    await until_attendees(app, 1)
    probe = await coordinator.send(room_id, "!evenements")
    listing = await coordinator.wait_for_message(
        lambda m: thread_of(m) == probe, room_id=room_id, sender=bot_id
    )
    # Members of the facilitators room are in the directory, shown by their display name.
    assert f"1 inscription(s) : {fanny.name}" in body_of(listing)
    assert len(_reminders(fanny, room_id, bot_id, "Plénière express")) == 1
    assert await app.store.jobs.count("sent") == 1


async def until_attendees(app, count: int, timeout: float = 20) -> None:
    """Wait until the bot has recorded `count` attendees of event 1."""
    deadline = time.monotonic() + timeout
    while len(await app.store.network_events.attendees(1)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError("attendance not recorded")
        await asyncio.sleep(0.05)


async def test_reminders_missed_while_down_follow_the_grace_policy(world):
    coordinator, fanny, room_id = await _facilitators_room(world)
    start, when = _event_in_minutes(3)
    now = datetime.now(UTC)
    early, late = now + timedelta(seconds=4), now + timedelta(seconds=5)
    config = await world.config(
        rooms={"facilitators": room_id},
        bot={"coordinators": [coordinator.user_id]},
        reminders={"plenary_before": [_seconds(start - early), _seconds(start - late)]},
    )
    bot_id = config.matrix.user_id
    app = await world.start_bot(config)
    asked = await coordinator.send(room_id, f"!evenement Plénière manquée {when} à Bercy")
    await coordinator.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot_id
    )
    await world.stop_bot(app)
    # The bot is down while both reminders come due.
    await until(lambda: datetime.now(UTC) > late + timedelta(seconds=0.5), timeout=30)

    app = await world.start_bot(config)
    reminder = await fanny.wait_for_message(
        lambda m: body_of(m).startswith("@room Rappel : « Plénière manquée »"),
        room_id=room_id,
        sender=bot_id,
    )
    assert "a lieu dans" in body_of(reminder)
    first, second = await app.store.jobs.for_target("event:1")
    assert (first.state, second.state) == ("skipped", "sent")
    assert first.note == "superseded by a later reminder of the same series"
    probe = await coordinator.send(room_id, "!evenements")
    await coordinator.wait_for_message(
        lambda m: thread_of(m) == probe, room_id=room_id, sender=bot_id
    )
    assert len(_reminders(fanny, room_id, bot_id, "Plénière manquée")) == 1
