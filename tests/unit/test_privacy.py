"""`!mesdonnees`, `!oubliemoi` and retention, on a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.profiles import Facilitator
from handlers.privacy import apply_retention
from storage.privacy import pseudonym
from tests.unit.conftest import PEOPLE, REQUESTER, answers, message, new_request

FAC = PEOPLE[0]


async def test_my_data_goes_to_a_dm_with_a_json_file(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=FAC), "dm")
    assert await missions.handle(message("!mesdonnees", sender=FAC), "requests") == (
        "command:mesdonnees"
    )
    assert (await answers(staffed_store))[-1] == "Je vous ai envoyé vos données en message privé."
    pending = await staffed_store.outbox.pending(limit=1000)
    [summary] = [m for m in pending if m.key.startswith("mydata:") and m.key.endswith(":text")]
    assert summary.dm_user == FAC
    assert "1 réponse(s) à des demandes" in summary.content["body"]
    assert "profil de facilitateur : oui" in summary.content["body"]
    [file] = [m for m in pending if m.key.startswith("mydata:") and m.attachment]
    data = json.loads(file.attachment.data)
    assert data["utilisateur"] == FAC
    assert data["profil"][0]["site"] == "Paris"
    assert [m["request_id"] for m in data["missions"]] == [1]
    assert data["historique"][0]["to_state"] == "acceptee"


async def test_forget_me_asks_first_then_pseudonymizes(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=FAC), "dm")
    await missions.handle(message("!oubliemoi", sender=FAC), "dm")
    assert "Pour confirmer : `!oubliemoi confirmer`" in (await answers(staffed_store))[-1]
    assert await staffed_store.facilitators.get(FAC) is not None

    assert await missions.handle(message("!oubliemoi oui", sender=FAC), "dm") == "refused"
    # Still on an upcoming mission: withdraw first.
    assert await missions.handle(message("!oubliemoi confirmer", sender=FAC), "dm") == "refused"
    assert "désistez-vous d'abord" in (await answers(staffed_store))[-1]

    await missions.handle(message("!desiste 1", sender=FAC), "dm")
    assert await missions.handle(message("!oubliemoi confirmer", sender=FAC), "dm") == (
        "command:oubliemoi"
    )
    assert await staffed_store.facilitators.get(FAC) is None
    assert await staffed_store.missions.get(1, FAC) is None
    alias = pseudonym(FAC)
    assert (await staffed_store.missions.get(1, alias)).state == "desistee"
    assert all(FAC not in (t.facilitator, t.actor) for t in await staffed_store.missions.history(1))
    export = await staffed_store.privacy.export(FAC)
    assert all(not rows for name, rows in export.items() if name != "utilisateur")


async def test_a_requester_can_be_forgotten_too(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!oubliemoi confirmer"), "requests")
    request = await staffed_store.requests.get(1)
    assert request.requester == pseudonym(REQUESTER)


async def test_retention_purges_only_old_closed_requests(missions, staffed_store, clock):
    await new_request(missions)
    await new_request(
        missions, "Un facilitateur pour un atelier le 5 mars 2027 de 14h à 16h à Bercy."
    )
    await missions.handle(message("!annule 1"), "requests")
    now = clock.now()
    assert await apply_retention(staffed_store, 24, now) == 0
    assert await apply_retention(staffed_store, 0, now + timedelta(days=10_000)) == 0
    assert await apply_retention(staffed_store, 24, now + timedelta(days=30 * 24 + 1)) == 1
    assert await staffed_store.requests.get(1) is None
    assert await staffed_store.missions.pings(1) == []
    assert await staffed_store.requests.get(2) is not None


async def test_forget_leaves_other_people_alone(staffed_store):
    at = datetime(2026, 11, 1, tzinfo=UTC)
    await staffed_store.facilitators.upsert(Facilitator("@z:x.fr", "Z"), at=at)
    await staffed_store.privacy.forget(FAC)
    assert await staffed_store.facilitators.get("@z:x.fr") is not None
    assert await staffed_store.facilitators.get(PEOPLE[1]) is not None


async def test_a_forgotten_member_of_the_facilitators_room_is_not_enrolled_again(
    staffed_store, clock
):
    from handlers.core.chat import OutboxChat
    from handlers.enrollment import enroll_members

    await staffed_store.privacy.forget(FAC)
    chat = OutboxChat(staffed_store.outbox, clock)
    members = {FAC: "Fac 0", "@new:agent.finances.tchap.gouv.fr": "Nouvelle"}
    assert await enroll_members(staffed_store, chat, clock, members, prefix="!") == [
        "@new:agent.finances.tchap.gouv.fr"
    ]
    assert await staffed_store.facilitators.get(FAC) is None


async def test_retention_runs_once_a_day_on_the_schedule(missions, staffed_store, clock):
    from handlers.core.jobs import JobRunner
    from handlers.features import JOB_KINDS
    from handlers.privacy import plan_retention
    from tests.unit.conftest import make_config

    await new_request(missions)
    await missions.handle(message("!annule 1"), "requests")
    await plan_retention(staffed_store, clock.now())
    await plan_retention(staffed_store, clock.now())  # at every start: still one planned
    assert [j.state for j in await staffed_store.jobs.for_target("retention")] == ["pending"]
    runner = JobRunner(make_config(), staffed_store, clock, JOB_KINDS)
    clock.advance(timedelta(days=1, seconds=1))
    assert (await runner.run_due())["sent"] == 1
    assert await staffed_store.requests.get(1) is not None  # 24 months not reached
    clock.advance(timedelta(days=30 * 24))
    assert (await runner.run_due())["sent"] == 1
    assert await staffed_store.requests.get(1) is None
    states = [j.state for j in await staffed_store.jobs.for_target("retention")]
    assert states == ["sent", "sent", "pending"]
