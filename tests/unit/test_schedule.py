"""The schedule: jobs fire once, late ones follow the grace policy, reminders follow requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Config
from bot.domain.clock import FrozenClock
from bot.domain.content import Rendered
from bot.domain.profiles import Facilitator
from bot.domain.schedule import Job
from bot.scheduler import Scheduler
from handlers.core.dispatch import Dispatcher
from handlers.core.jobs import JobContext, JobKinds, JobRunner, SkipJob
from handlers.events import read_event
from handlers.features import JOB_KINDS, build_dispatcher
from handlers.feedback import read_minutes
from handlers.reminders import (
    FEEDBACK_REQUEST,
    MISSION_REMINDER,
    reconcile_request_reminders,
)
from handlers.staffing.rounds import FIRST_ROUND
from storage.privacy import pseudonym
from storage.store import Store
from tests.unit.conftest import COORDINATOR, FACILITATOR, REQUESTER, answers, make_config, message

FAC_ROOM = "!facilitators:agent.finances.tchap.gouv.fr"
OTHER = "@bob:agent.finances.tchap.gouv.fr"
PLENARY = "!evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy, salle 3"
REQUEST = "On cherche 2 facilitateurs pour un atelier le 10 décembre de 9h à 12h à Bercy"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Planner:
    """The smallest context `reconcile_request_reminders` accepts."""

    config: Config
    store: Store
    clock: FrozenClock


@pytest.fixture
def config() -> Config:
    return make_config(
        rooms={"requests": ["!requests:agent.finances.tchap.gouv.fr"], "facilitators": FAC_ROOM}
    )


@pytest.fixture
def bot(config, store, clock) -> Dispatcher:
    async def is_facilitator(user_id: str) -> bool:
        return user_id in (FACILITATOR, OTHER)

    return build_dispatcher(config, store, clock, is_facilitator)


@pytest.fixture
def runner(config, store, clock) -> JobRunner:
    return JobRunner(config, store, clock, JOB_KINDS, facilitators_room=lambda: FAC_ROOM)


async def jobs(store: Store, kind: str | None = None) -> list[Job]:
    rows = await store.db.fetchall("SELECT id, target FROM jobs ORDER BY id")
    found = [await store.jobs.get(row[0]) for row in rows]
    return [j for j in found if j and (kind is None or j.kind == kind)]


async def outbox(store: Store) -> list:
    return await store.outbox.pending(limit=1000)


# -- network events --------------------------------------------------------------------------


async def test_event_is_planned_with_its_reminders(bot, store):
    assert await bot.handle(message(PLENARY, sender=COORDINATOR), "requests") == (
        "command:evenement"
    )
    [answer] = await answers(store)
    assert answer.startswith(
        "Événement n° 1 enregistré : « Plénière des facilitateurs », lundi 7 décembre 2026 à "
        "14h00, Bercy, salle 3."
    )
    assert "lundi 30 novembre 2026 à 14h00 (J-7)" in answer
    assert "dimanche 6 décembre 2026 à 14h00 (J-1)" in answer
    assert "lundi 7 décembre 2026 à 13h00 (H-1)" in answer
    planned = await jobs(store)
    assert [j.due_at for j in planned] == [
        utc(2026, 11, 30, 13),
        utc(2026, 12, 6, 13),
        utc(2026, 12, 7, 12),
    ]
    assert {j.expires_at for j in planned} == {utc(2026, 12, 7, 13)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!evenement Plénière le 7 décembre à Bercy", "Je ne trouve pas l'heure"),
        ("!evenement Plénière à 14h à Bercy", "Je ne trouve pas la date"),
        ("!evenement le 7 décembre à 14h", "Il manque le titre"),
        ("!evenement Plénière le 12/03/2025 à 14h", "est déjà passée"),
        ("!evenement annule 9", "Je ne trouve pas l'événement n° 9"),
        ("!evenement annule trois", "« trois » n'est pas un numéro d'événement"),
        ("!evenement", "Il manque : titre, date, heure et lieu"),
    ],
)
async def test_bad_event_commands_are_refused_and_change_nothing(bot, store, text, expected):
    assert await bot.handle(message(text, sender=COORDINATOR), "requests") == "refused"
    [answer] = await answers(store)
    assert expected in answer
    assert await store.jobs.count() == 0
    assert await store.network_events.get(1) is None


async def test_event_commands_are_for_coordinators_only(bot, store):
    for text in (PLENARY, "!evenements", "!event annule 1", "!events"):
        assert await bot.handle(message(text, sender=FACILITATOR), "facilitators") == "refused"
    assert all("réservée à l'équipe de coordination" in a for a in await answers(store))
    assert await store.jobs.count() == 0


async def test_reminder_fires_once_in_the_facilitators_room_with_a_room_mention(
    bot, store, clock, runner
):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    before = len(await outbox(store))
    assert (await runner.run_due())["sent"] == 0  # nothing due yet
    clock.set(utc(2026, 11, 30, 13))
    assert (await runner.run_due())["sent"] == 1
    assert (await runner.run_due())["sent"] == 0
    [reminder] = (await outbox(store))[before:]
    assert reminder.room_id == FAC_ROOM
    assert reminder.key == "job:1:0"
    assert reminder.content["msgtype"] == "m.text"
    assert reminder.content["m.mentions"] == {"room": True}
    assert reminder.content["body"].startswith(
        "@room Rappel : « Plénière des facilitateurs » a lieu dans 7 jours, lundi 7 décembre "
        "2026 à 14h00, Bercy, salle 3."
    )
    assert "!participe 1" in reminder.content["body"]
    [first, *rest] = await jobs(store)
    assert (first.state, first.sent_at) == ("sent", utc(2026, 11, 30, 13))
    assert [j.state for j in rest] == ["pending", "pending"]


async def test_a_restarted_runner_does_not_send_a_sent_reminder_again(
    bot, store, clock, config, tmp_path
):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    clock.set(utc(2026, 11, 30, 13, 5))
    await JobRunner(config, store, clock, JOB_KINDS, facilitators_room=lambda: FAC_ROOM).run_due()
    # A new process on the same database file.
    reopened = await Store.open(tmp_path / "unit.sqlite3")
    try:
        again = JobRunner(config, reopened, clock, JOB_KINDS, facilitators_room=lambda: FAC_ROOM)
        assert (await again.run_due())["sent"] == 0
        keys = [m.key for m in await reopened.outbox.pending(limit=100)]
        assert keys.count("job:1:0") == 1
    finally:
        await reopened.close()


async def test_missed_reminders_follow_the_grace_policy(bot, store, clock, runner, caplog):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    # Down from before J-7 until after J-1: only the latest reminder of the series goes out.
    clock.set(utc(2026, 12, 6, 20))
    caplog.set_level("INFO", logger="handlers.core.jobs")
    assert await runner.run_due() == {"sent": 1, "skipped": 1, "failed": 0}
    j7, j1, h1 = await jobs(store)
    assert (j7.state, j1.state, h1.state) == ("skipped", "sent", "pending")
    assert "superseded" in (j7.note or "")
    assert any("skipped: superseded" in r.getMessage() for r in caplog.records)
    body = (await outbox(store))[-1].content["body"]
    assert "a lieu dans 17 heures" in body
    # Down again until after the event started: H-1 is useless, skipped with a log line.
    clock.set(utc(2026, 12, 7, 13, 1))
    assert await runner.run_due() == {"sent": 0, "skipped": 1, "failed": 0}
    h1 = (await jobs(store))[2]
    assert h1.state == "skipped" and h1.note.startswith("too late: expired")


async def test_a_late_reminder_still_useful_is_sent(bot, store, clock, runner):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    clock.set(utc(2026, 12, 7, 12, 40))  # H-1 missed by 40 minutes, the event is in 20
    await runner.run_due()
    states = [j.state for j in await jobs(store)]
    assert states == ["skipped", "skipped", "sent"]
    assert "a lieu dans 20 minutes" in (await outbox(store))[-1].content["body"]


async def test_cancelled_event_sends_nothing(bot, store, clock, runner):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    await bot.handle(message("!evenement annule 1", sender=COORDINATOR), "requests")
    assert "est annulé" in (await answers(store))[-1]
    # Every reminder is cancelled (the first round of pings was settled long ago).
    assert {j.state for j in await jobs(store) if j.kind != FIRST_ROUND} == {"cancelled"}
    clock.set(utc(2026, 12, 7, 12))
    assert await runner.run_due() == {"sent": 0, "skipped": 0, "failed": 0}
    await bot.handle(message("!evenement annule 1", sender=COORDINATOR), "requests")
    assert "déjà annulé" in (await answers(store))[-1]


async def test_cancelling_an_event_already_announced_tells_the_room_and_its_attendees(
    bot, store, clock, runner
):
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    clock.set(utc(2026, 11, 30, 13))
    await runner.run_due()
    await bot.handle(message("!participe 1", sender=FACILITATOR), "facilitators")
    await bot.handle(message("!evenement annule 1", sender=COORDINATOR), "requests")
    assert (await runner.run_due())["sent"] == 1
    notice = (await outbox(store))[-1]
    assert notice.room_id == FAC_ROOM and notice.key == "job:4:0"
    assert notice.content["body"] == (
        "Annulé : « Plénière des facilitateurs » (événement n° 1), prévu lundi 7 décembre 2026 "
        "à 14h00, n'aura pas lieu."
    )
    assert notice.content["m.mentions"] == {"user_ids": [FACILITATOR]}


async def test_attendance_by_command_and_by_reaction_is_listed_for_coordinators(
    bot, store, clock, runner
):
    await store.facilitators.upsert(
        Facilitator(matrix_id=FACILITATOR, display_name="Fanny Dupont"), at=clock.now()
    )
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    assert await bot.handle(message("!participe 1", sender=FACILITATOR), "facilitators") == (
        "command:participe"
    )
    assert "vous participez à « Plénière des facilitateurs »" in (await answers(store))[-1]
    await bot.handle(message("!attend 1", sender=FACILITATOR), "facilitators")
    assert "était déjà notée" in (await answers(store))[-1]

    clock.set(utc(2026, 11, 30, 13))
    await runner.run_due()
    reminder = (await outbox(store))[-1]
    await store.outbox.mark_sent(reminder.seq, "$reminder", clock.now())
    react = message(
        "",
        sender=OTHER,
        kind="reaction",
        relates_to="$reminder",
        reaction_key="✅",
        room_id=FAC_ROOM,
    )
    assert await bot.handle(react, "facilitators") == "attend:1"
    other = message("", sender=OTHER, kind="reaction", relates_to="$elsewhere", reaction_key="✅")
    assert await bot.handle(other, "facilitators") == "ignored:reaction"

    await bot.handle(message("!evenements", sender=COORDINATOR), "requests")
    listing = (await answers(store))[-1]
    assert "n° 1 — « Plénière des facilitateurs », lundi 7 décembre 2026 à 14h00" in listing
    assert "2 inscription(s) : Fanny Dupont, Bob" in listing


async def test_attending_an_unknown_or_cancelled_event_is_refused(bot, store):
    await bot.handle(message("!participe 4", sender=FACILITATOR), "facilitators")
    assert "Je ne trouve pas l'événement n° 4" in (await answers(store))[-1]
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    await bot.handle(message("!evenement annule 1", sender=COORDINATOR), "requests")
    await bot.handle(message("!participe 1", sender=FACILITATOR), "facilitators")
    assert "n'est plus ouvert" in (await answers(store))[-1]
    assert await store.network_events.attendees(1) == []


async def test_event_at_0230_on_the_spring_forward_night(bot, store, clock):
    clock.set(utc(2027, 3, 1, 9))
    await bot.handle(
        message("!evenement Veille DST le 28 mars à 2h30 à Bercy", sender=COORDINATOR), "requests"
    )
    answer = (await answers(store))[-1]
    assert "dimanche 28 mars 2027 à 3h30" in answer  # 02:30 does not exist that night
    assert (await jobs(store))[-1].due_at == utc(2027, 3, 28, 0, 30)  # H-1: 01:30 CET


# -- mission reminders -----------------------------------------------------------------------


async def staffed_request(bot, store, clock, config, *facilitators: str) -> Planner:
    await bot.handle(message(REQUEST), "requests")
    planner = Planner(config, store, clock)
    for who in facilitators:
        assert await store.missions.take_slot(1, who, actor=who, at=clock.now())
    await reconcile_request_reminders(planner, 1)
    return planner


async def test_reconcile_plans_reminders_and_feedback_for_a_staffed_request(
    bot, store, clock, config
):
    await bot.handle(message(REQUEST), "requests")
    planner = Planner(config, store, clock)
    await reconcile_request_reminders(planner, 1)
    assert await store.jobs.count("pending") == 0  # nobody accepted yet: nothing to remind
    assert await store.missions.take_slot(1, FACILITATOR, actor=FACILITATOR, at=clock.now())
    await reconcile_request_reminders(planner, 1)
    await reconcile_request_reminders(planner, 1)  # idempotent
    reminders = await jobs(store, MISSION_REMINDER)
    assert sorted((j.recipient, j.due_at) for j in reminders) == [
        (REQUESTER, utc(2026, 12, 8, 8)),
        (REQUESTER, utc(2026, 12, 10, 6)),
        (FACILITATOR, utc(2026, 12, 8, 8)),
        (FACILITATOR, utc(2026, 12, 10, 6)),
    ]
    feedback = await jobs(store, FEEDBACK_REQUEST)
    assert sorted((j.recipient, j.due_at) for j in feedback) == [
        (REQUESTER, utc(2026, 12, 11, 11)),
        (FACILITATOR, utc(2026, 12, 11, 11)),
    ]


async def test_a_date_change_in_the_thread_moves_the_reminders(bot, store, clock, config):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    ids = [j.id for j in await jobs(store)]
    request = await store.requests.get(1)
    await bot.handle(message("le 15 décembre", thread_root=request.thread_root), "requests")
    moved = await jobs(store)
    assert [j.id for j in moved] == ids  # the same rows, moved
    assert sorted({j.due_at for j in moved if j.kind == MISSION_REMINDER}) == [
        utc(2026, 12, 13, 8),
        utc(2026, 12, 15, 6),
    ]


async def test_withdrawal_and_cancellation_cancel_the_reminders(bot, store, clock, config):
    planner = await staffed_request(bot, store, clock, config, FACILITATOR, OTHER)
    assert len(await jobs(store, MISSION_REMINDER)) == 6
    await store.missions.set_state(1, OTHER, "desistee", actor=OTHER, at=clock.now())
    await reconcile_request_reminders(planner, 1)
    pending = [j for j in await jobs(store) if j.state == "pending"]
    assert {j.recipient for j in pending} == {FACILITATOR, REQUESTER}
    await store.missions.set_request_state(1, "annulee", actor=REQUESTER, at=clock.now())
    await reconcile_request_reminders(planner, 1)
    # Every reminder is cancelled (the first round of pings was settled long ago).
    assert {j.state for j in await jobs(store) if j.kind != FIRST_ROUND} == {"cancelled"}


async def test_mission_reminders_go_to_the_facilitator_by_dm_and_to_the_requester_in_thread(
    bot, store, clock, config, runner
):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    clock.set(utc(2026, 12, 8, 8))
    assert (await runner.run_due())["sent"] == 2
    dm, thread = [m for m in await outbox(store) if m.key.startswith("job:")]
    assert dm.dm_user == FACILITATOR and dm.content["msgtype"] == "m.text"
    assert dm.content["body"].startswith(
        "Rappel : vous facilitez la demande #1 dans 2 jours, jeudi 10 décembre 2026 à 9h00."
    )
    assert "Demande #1 — atelier, jeudi 10 décembre 2026, 9h00–12h00, Paris" in dm.content["body"]
    # Only what concerns the reader: not their own name, not the requester's footer.
    assert "Facilitation" not in dm.content["body"] and "Pour corriger" not in dm.content["body"]
    request = await store.requests.get(1)
    assert thread.room_id == request.room_id
    assert thread.content["m.relates_to"]["event_id"] == request.thread_root
    assert thread.content["m.mentions"] == {"user_ids": [REQUESTER]}
    assert thread.content["body"].startswith("Rappel : la demande #1 a lieu dans 2 jours")
    assert "Facilitation : Fac." in thread.content["body"]
    assert "Pour corriger" not in thread.content["body"]


async def test_reminder_in_the_facilitators_own_time_zone(bot, store, clock, config, runner):
    await store.facilitators.upsert(Facilitator(matrix_id=FACILITATOR), at=clock.now())
    await store.facilitators.update(FACILITATOR, timezone="America/Guadeloupe", at=clock.now())
    await staffed_request(bot, store, clock, config, FACILITATOR)
    clock.set(utc(2026, 12, 10, 6))
    await runner.run_due()
    dm = next(m for m in await outbox(store) if m.dm_user == FACILITATOR)
    assert "jeudi 10 décembre 2026 à 4h00 (heure de America/Guadeloupe)" in dm.content["body"]


async def test_a_withdrawn_facilitator_is_not_reminded_even_without_reconcile(
    bot, store, clock, config, runner
):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    await store.missions.set_state(1, FACILITATOR, "desistee", actor=FACILITATOR, at=clock.now())
    clock.set(utc(2026, 12, 8, 8))
    await runner.run_due()
    sent = [m for m in await outbox(store) if m.key.startswith("job:")]
    assert [m.dm_user for m in sent] == [None]  # the requester only
    assert {j.note for j in await jobs(store) if j.state == "skipped"} == {
        "no longer on the mission"
    }


# -- feedback --------------------------------------------------------------------------------


async def test_feedback_is_asked_then_stored(bot, store, clock, config, runner):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    clock.set(utc(2026, 12, 11, 11))
    await runner.run_due()
    asks = [m.content["body"] for m in await outbox(store) if m.key.startswith("job:")]
    assert any("`!avis 1 4 très bonne séance`" in a for a in asks)
    assert any("`!temps 1 3h30`" in a for a in asks)

    await bot.handle(message("!avis 1 4 super séance, merci"), "requests")
    assert (await answers(store))[-1] == "Merci pour votre avis sur la demande #1 (4/5)."
    await bot.handle(message("!temps 1 3h30", sender=FACILITATOR), "facilitators")
    assert (await answers(store))[-1] == "Merci, c'est noté : 3h30 passées sur la demande #1."
    stored = {f.author: f for f in await store.feedback.for_request(1)}
    assert (stored[REQUESTER].rating, stored[REQUESTER].comment) == (4, "super séance, merci")
    assert stored[FACILITATOR].minutes_spent == 210
    await bot.handle(message("!avis 1 5"), "requests")  # the last answer wins
    assert await store.feedback.for_requests([1, 2]) == ({1: 5}, {(1, FACILITATOR): 210})


@pytest.mark.parametrize(
    ("text", "sender", "expected"),
    [
        ("!avis 1 7 génial", REQUESTER, "La note doit être un nombre de 1 à 5"),
        ("!avis 1 4 bien", OTHER, "Seule la personne qui a fait la demande #1"),
        ("!temps 1 beaucoup", FACILITATOR, "Je ne comprends pas la durée « beaucoup »"),
        ("!temps 1 3h", OTHER, "Vous ne facilitez pas la demande #1"),
        ("!avis 9 4", REQUESTER, "Je ne trouve pas la demande #9"),
    ],
)
async def test_bad_feedback_is_refused_and_stores_nothing(
    bot, store, clock, config, text, sender, expected
):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    clock.set(utc(2026, 12, 11, 11))  # the day after the mission
    assert await bot.handle(message(text, sender=sender), "requests") == "refused"
    assert expected in (await answers(store))[-1]
    assert await store.feedback.for_request(1) == []


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("3h", 180),
        ("3h30", 210),
        ("1,5h", 90),
        ("45 min", 45),
        ("2", 120),
        ("2 heures", 120),
        ("0", None),
        ("soon", None),
        ("9999h", None),
    ],
)
def test_read_minutes(text, minutes):
    assert read_minutes(text) == minutes


# -- the runner and the registry -------------------------------------------------------------


async def test_a_crash_inside_the_firing_transaction_leaves_the_job_pending_and_nothing_queued(
    store, clock, config
):
    registry = JobKinds()
    calls: list[int] = []

    async def flaky(ctx: JobContext, job: Job) -> None:
        calls.append(job.id)
        await ctx.chat.send(FAC_ROOM, Rendered.text("x"), key=ctx.next_key())
        if len(calls) == 1:
            raise RuntimeError("crash between queueing and marking")

    registry.add("escalation", flaky)
    await store.jobs.create(
        kind="escalation", target="request:1", due_at=clock.now(), at=clock.now()
    )
    runner = JobRunner(config, store, clock, registry)
    assert (await runner.run_due())["failed"] == 1
    assert (await store.jobs.get(1)).state == "pending"
    assert await store.outbox.count() == 0
    assert (await runner.run_due())["sent"] == 1
    assert [m.key for m in await outbox(store)] == ["job:1:0"]


async def test_a_handler_may_skip_and_unknown_kinds_are_skipped(store, clock, config):
    registry = JobKinds()

    async def useless(ctx: JobContext, job: Job) -> None:
        await ctx.chat.send(FAC_ROOM, Rendered.text("x"), key=ctx.next_key())
        raise SkipJob("nothing to say")

    registry.add("escalation", useless, grace=timedelta(hours=1))
    for kind in ("escalation", "mystery"):
        await store.jobs.create(kind=kind, target="request:1", due_at=clock.now(), at=clock.now())
    await store.jobs.create(
        kind="escalation",
        target="request:2",
        due_at=clock.now() - timedelta(hours=2),
        at=clock.now(),
    )
    assert await JobRunner(config, store, clock, registry).run_due() == {
        "sent": 0,
        "skipped": 3,
        "failed": 0,
    }
    notes = [(await store.jobs.get(i)).note for i in (1, 2, 3)]
    assert notes[0] == "nothing to say"
    assert notes[1] == "unknown kind 'mystery'"
    assert notes[2].startswith("too late")
    assert await store.outbox.count() == 0  # a skip rolls back what the handler queued


async def test_scheduler_arms_one_alarm_per_pending_row_and_follows_changes(store, clock):
    fired: list[int] = []

    async def on_due() -> None:
        fired.append(1)

    first = await store.jobs.create(kind="k", target="t", due_at=utc(2030, 1, 1), at=clock.now())
    scheduler = Scheduler(store.jobs, clock, on_due)
    await scheduler.start()
    try:
        assert fired == [1]  # missed jobs are settled at start
        assert set(scheduler.alarms()) == {first}
        second = await store.jobs.create(
            kind="k", target="t", due_at=utc(2031, 1, 1), at=clock.now()
        )
        await store.jobs.move(
            first, due_at=utc(2030, 6, 1), anchor_at=None, expires_at=None, at=clock.now()
        )
        await scheduler.refresh()
        alarms = scheduler.alarms()
        assert set(alarms) == {first, second}
        assert alarms[first] == utc(2030, 6, 1)
        await store.jobs.settle(second, "cancelled", at=clock.now())
        await scheduler.refresh()
        assert set(scheduler.alarms()) == {first}
    finally:
        scheduler.stop()


async def test_a_row_settled_by_a_committed_transaction_is_disarmed_without_reading_it(
    store, clock
):
    async def on_due() -> None:
        pass

    kept = await store.jobs.create(kind="k", target="t", due_at=utc(2030, 1, 1), at=clock.now())
    gone = await store.jobs.create(kind="k", target="t", due_at=utc(2030, 1, 2), at=clock.now())
    scheduler = Scheduler(store.jobs, clock, on_due)
    await scheduler.start()
    read: list[set[int]] = []
    many = store.jobs.many

    async def counted(job_ids: set[int]) -> dict:
        read.append(set(job_ids))
        return await many(job_ids)

    store.jobs.many = counted
    try:
        with pytest.raises(RuntimeError):  # rolled back: still pending, read again
            async with store.db.transaction():
                await store.jobs.settle_later(kept, "sent", at=clock.now())
                await store.jobs.settle(kept, "sent", at=clock.now())
                raise RuntimeError("boom")
        async with store.db.transaction():
            await store.jobs.settle_later(gone, "sent", at=clock.now())
        await scheduler.refresh()
        assert read == [{kept}]
        assert set(scheduler.alarms()) == {kept}
        await store.jobs.settle(kept, "cancelled", at=clock.now())  # alone: committed at once
        await scheduler.refresh()
        assert read == [{kept}] and scheduler.alarms() == {}
    finally:
        scheduler.stop()


async def test_scheduler_arms_only_the_earliest_rows_and_the_next_as_they_settle(store, clock):
    async def on_due() -> None:
        pass

    ids = [
        await store.jobs.create(kind="k", target="t", due_at=utc(2030, 1, day), at=clock.now())
        for day in (5, 1, 4, 2, 3)
    ]
    by_day = dict(zip((5, 1, 4, 2, 3), ids, strict=True))
    scheduler = Scheduler(store.jobs, clock, on_due, armed=2)
    await scheduler.start()
    try:
        assert set(scheduler.alarms()) == {by_day[1], by_day[2]}
        # A new row before the horizon is armed; one after it waits for its turn.
        now = clock.now()
        early = await store.jobs.create(kind="k", target="t", due_at=utc(2029, 12, 1), at=now)
        late = await store.jobs.create(kind="k", target="t", due_at=utc(2031, 1, 1), at=now)
        await scheduler.refresh()
        assert set(scheduler.alarms()) == {early, by_day[1], by_day[2]}
        assert late not in scheduler.alarms()
        # As the armed rows are settled, the next earliest are armed.
        for job_id in (early, by_day[1], by_day[2]):
            await store.jobs.settle(job_id, "sent", at=clock.now())
        await scheduler.refresh()
        assert set(scheduler.alarms()) == {by_day[3], by_day[4]}
        for job_id in (by_day[3], by_day[4], by_day[5]):
            await store.jobs.settle(job_id, "sent", at=clock.now())
        await scheduler.refresh()
        assert set(scheduler.alarms()) == {late}
    finally:
        scheduler.stop()


async def test_migration_creates_the_schedule_tables(store):
    tables = {r[0] for r in await store.db.fetchall("SELECT name FROM sqlite_master")}
    assert {"jobs", "network_events", "event_attendees", "mission_feedback"} <= tables


async def test_after_a_long_outage_only_the_latest_of_each_series_goes_out(store, clock, config):
    registry = JobKinds()

    async def say(ctx: JobContext, job: Job) -> None:
        await ctx.chat.send(FAC_ROOM, Rendered.text(job.target), key=ctx.next_key())

    registry.add("nudge", say, grace=None, supersede=True)
    # More rows than one batch (500), in two series, the latest of each at the end.
    for n in range(260):
        for target in ("event:1", "event:2"):
            await store.jobs.create(
                kind="nudge",
                target=target,
                due_at=clock.now() - timedelta(minutes=300 - n),
                at=clock.now(),
            )
    counts = await JobRunner(config, store, clock, registry).run_due()
    assert counts == {"sent": 2, "skipped": 518, "failed": 0}
    assert sorted(m.content["body"] for m in await outbox(store)) == ["event:1", "event:2"]


@pytest.mark.parametrize(
    ("text", "title", "day", "at", "place"),
    [
        (
            "Plénière des facilitateurs le 7 décembre 14h Bercy",
            "Plénière des facilitateurs",
            "2026-12-07",
            "14:00",
            "Bercy",
        ),
        ("Plénière le 7/12 à 14h30 en visio", "Plénière", "2026-12-07", "14:30", "visio"),
        (
            "Network plenary on December 7 at 2pm at Bercy",
            "Network plenary",
            "2026-12-07",
            "14:00",
            "Bercy",
        ),
        (
            "Café des facilitateurs jeudi prochain à 12h30 au 5e étage",
            "Café des facilitateurs",
            "2026-12-03",
            "12:30",
            "5e étage",
        ),
        ("Plénière demain à 9h", "Plénière", "2026-11-30", "09:00", None),
    ],
)
def test_read_event(text, title, day, at, place):
    draft = read_event(text, datetime(2026, 11, 29).date())
    assert (draft.title, draft.day.isoformat(), draft.at.strftime("%H:%M"), draft.location) == (
        title,
        day,
        at,
        place,
    )


async def test_personal_data_of_the_schedule_is_exported_and_forgotten(
    bot, store, clock, config, runner
):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    await bot.handle(message(PLENARY, sender=COORDINATOR), "requests")
    await bot.handle(message("!participe 1", sender=FACILITATOR), "facilitators")
    clock.set(utc(2026, 12, 11, 11))  # the day after the mission
    await bot.handle(message("!temps 1 2h", sender=FACILITATOR), "facilitators")
    exported = await store.privacy.export(FACILITATOR)
    assert [e["title"] for e in exported["evenements"]] == ["Plénière des facilitateurs"]
    assert exported["avis"][0]["minutes_spent"] == 120
    assert {r["kind"] for r in exported["rappels"]} == {MISSION_REMINDER, FEEDBACK_REQUEST}

    await store.privacy.forget(FACILITATOR)
    mine = [j for j in await jobs(store) if j.recipient in (FACILITATOR, pseudonym(FACILITATOR))]
    assert mine and {j.state for j in mine} == {"cancelled"}
    assert all(j.recipient == pseudonym(FACILITATOR) for j in mine)
    assert [a.user_id for a in await store.network_events.attendees(1)] == [pseudonym(FACILITATOR)]
    assert (await store.privacy.export(FACILITATOR))["avis"] == []


async def test_retention_purges_the_reminders_of_purged_requests(bot, store, clock, config):
    await staffed_request(bot, store, clock, config, FACILITATOR)
    await store.missions.set_request_state(1, "annulee", actor=REQUESTER, at=clock.now())
    await reconcile_request_reminders(Planner(config, store, clock), 1)
    assert await store.jobs.count("cancelled") == 6
    assert await store.privacy.purge_closed(clock.now() + timedelta(days=1)) == 1
    assert await store.jobs.count() == 0


async def test_reconcile_leaves_a_due_unchanged_reminder_to_the_grace_policy(
    bot, store, clock, config, runner
):
    planner = await staffed_request(bot, store, clock, config, FACILITATOR)
    clock.set(utc(2026, 12, 8, 8, 0, 5))  # J-2 due 5 s ago, not fired yet (bot busy or down)
    await reconcile_request_reminders(planner, 1)
    assert (await runner.run_due())["sent"] == 2  # the facilitator's and the requester's J-2
    # Moved to a date whose J-2 is already past: that reminder is dropped, not sent late.
    request = await store.requests.get(1)
    await bot.handle(message("le 9 décembre", thread_root=request.thread_root), "requests")
    states = {(j.recipient, j.offset.days, j.state) for j in await jobs(store, MISSION_REMINDER)}
    assert (FACILITATOR, 2, "sent") in states and (FACILITATOR, 0, "pending") in states
    assert not [
        j
        for j in await jobs(store, MISSION_REMINDER)
        if j.state == "pending" and j.due_at <= clock.now()
    ]


async def test_rung_waits_for_the_jobs_rung_now_to_be_settled(store, clock):
    settled: list[str] = []
    release = asyncio.Event()

    async def on_due() -> None:
        await release.wait()
        settled.append("fired")

    scheduler = Scheduler(store.jobs, clock, on_due)
    await scheduler.rung()  # nothing rung: returns at once
    await store.jobs.create(kind="k", target="t", due_at=clock.now(), at=clock.now())
    await scheduler.refresh()  # due by the bot's clock: rung now
    waiting = asyncio.create_task(scheduler.rung())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    release.set()
    await asyncio.wait_for(waiting, 1)
    assert settled == ["fired"]
    scheduler.stop()


@pytest.mark.parametrize("by_id", [False, True])
async def test_a_job_that_makes_another_due_now_has_it_fired_by_the_alarm_clock(
    store, clock, config, by_id
):
    registry = JobKinds()
    fired: list[str] = []

    async def first(ctx: JobContext, job: Job) -> None:
        fired.append(job.kind)
        await ctx.store.jobs.create(kind="second", target="t", due_at=clock.now(), at=clock.now())

    async def second(ctx: JobContext, job: Job) -> None:
        fired.append(job.kind)

    registry.add("first", first, grace=None, supersede=False)
    registry.add("second", second, grace=None, supersede=False)
    runner = JobRunner(config, store, clock, registry)
    scanned: list[int] = []

    async def run_due() -> None:
        scanned.append(1)
        await runner.run_due()

    scheduler = Scheduler(store.jobs, clock, run_due, fire=runner.fire if by_id else None)
    await store.jobs.create(kind="first", target="t", due_at=clock.now(), at=clock.now())
    await scheduler.refresh()  # the created row is known due now: rung, nothing read
    await scheduler.rung()
    # Fired in one round, the first job made the second due now; the refresh that
    # follows the round sees it written and rings again.
    for _ in range(3):
        await scheduler.rung()
    assert fired == ["first", "second"]
    assert await store.jobs.count("sent") == 2
    # Rows written due now are settled by id: no due rows to look for.
    assert scanned == ([] if by_id else [1, 1])
    scheduler.stop()
