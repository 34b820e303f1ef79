"""A request's conversation against a real Synapse: replies, thanks, notes, typos, mentions."""

from __future__ import annotations

import asyncio

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of


async def test_a_conversation_in_the_thread_and_around_it(world):
    alice = await world.person("Alice Martin")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    config = await world.config(rooms={"requests": [room_id]})
    bot_id = config.matrix.user_id
    await world.start_bot(config)

    def from_bot(predicate):
        return alice.wait_for_message(predicate, room_id=room_id, sender=bot_id)

    request = await alice.send(
        room_id, "Bonjour, on voudrait un atelier de co-construction à Lyon."
    )
    card = await from_bot(lambda m: thread_of(m) == request)
    assert "il me manque la date et l'heure de début" in body_of(card)

    # Element's « Répondre » on the card, outside the thread: it belongs to the request.
    await alice.send(room_id, "le 3 février de 14h à 17h", reply_to=card["event_id"])
    updated = await from_bot(lambda m: "est à jour" in body_of(m))
    assert thread_of(updated) == request
    assert "date : à préciser → mercredi 3 février 2027" in body_of(updated)

    await alice.send(room_id, "merci beaucoup !", thread_root=request)
    thanks = await from_bot(lambda m: body_of(m).startswith("Avec plaisir"))
    assert thread_of(thanks) == request

    await alice.send(room_id, "c'est en salle 3034, badge à l'accueil", thread_root=request)
    await from_bot(lambda m: body_of(m).startswith("C'est noté : je le transmets"))

    typo = await alice.send(room_id, "!statuts 1")
    suggestion = await from_bot(lambda m: thread_of(m) == typo)
    assert body_of(suggestion).endswith("Vouliez-vous dire `!statut 1` ?")

    asked = await alice.send(room_id, "Facilibot tu peux m'aider ?", mentions=[bot_id])
    pitch = await from_bot(lambda m: thread_of(m) == asked)
    assert "Décrivez votre besoin" in body_of(pitch)


async def test_an_english_requester_and_facilitators_answering_in_their_own_words(world):
    """English from the card to the notices; a facilitator's « dispo ! » confirmed by « oui »,
    ❌ on a ping declines, a mistyped command gets the intended one."""
    from tests.integration.test_missions import _directory

    alice = await world.person("Alice Smith")
    coordinator = await world.person("Coordination")
    first, second = [await world.person(f"Facilitatrice {n}") for n in (1, 2)]
    bot = await world.bot_account()
    room_id = await alice.create_room("Requests", invite=[bot.user_id])
    config = await world.config(
        rooms={"requests": [room_id]},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 2, "ping_in": "dm"},
    )
    await _directory(config, [(p, "Paris", ("seminaire",)) for p in (first, second)])
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id

    def from_bot(person, predicate, **where):
        return person.wait_for_message(predicate, sender=bot_id, timeout=30, **where)

    request = await alice.send(
        room_id,
        "Hi! We're looking for a facilitator for a seminar on 12 March 2027 from 9am to 12pm "
        "at Bercy, about 25 people.",
    )
    card = await from_bot(alice, lambda m: thread_of(m) == request, room_id=room_id)
    assert body_of(card).startswith("Request #1 — seminar, Friday 12 March 2027, 9:00–12:00")
    pings = {
        p.user_id: await from_bot(p, lambda m: "!accepte 1" in body_of(m)) for p in (first, second)
    }

    dm_second = await app.store.state.dm_room(second.user_id)
    await second.react(dm_second, pings[second.user_id]["event_id"], "❌")
    await from_bot(second, lambda m: "vous ne prenez pas la demande #1" in body_of(m))

    dm_first = await app.store.state.dm_room(first.user_id)
    await first.send(dm_first, "dispo !")
    await from_bot(first, lambda m: body_of(m).startswith("Vous prenez la demande #1 ?"))
    await first.send(dm_first, "oui")
    await from_bot(first, lambda m: "vous facilitez la demande #1" in body_of(m))
    staffed = await from_bot(alice, lambda m: "fully staffed" in body_of(m), room_id=room_id)
    assert body_of(staffed).endswith("Request #1 is fully staffed: Facilitatrice 1.")
    assert thread_of(staffed) == request

    await alice.send(room_id, "who is facilitating?", thread_root=request)
    await from_bot(alice, lambda m: body_of(m) == "Request #1: Facilitatrice 1 (1/1).")
    await alice.send(room_id, "great, thanks a lot!", thread_root=request)
    await from_bot(alice, lambda m: body_of(m) == "You're welcome!")

    typo = await first.send(dm_first, "!acepte 1")
    answer = await from_bot(first, lambda m: thread_of(m) == typo or "Vouliez-vous" in body_of(m))
    assert body_of(answer).endswith("Vouliez-vous dire `!accepte 1` ?")
    assert await app.store.missions.accepted(1) == [first.user_id]


async def test_corrections_in_context_and_a_cancellation_confirmed_across_a_restart(world):
    """A request written again completes the first; « le 22 » is read in the request's
    month and the facilitator is told the change; a cancellation asked, the bot restarted,
    then confirmed: cancelled once, the facilitator told once."""
    from tests.integration.test_missions import _directory

    alice = await world.person("Alice Martin")
    lea = await world.person("Léa Dubois")
    coordinator = await world.person("Coordination")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room("Réseau", invite=[bot.user_id, lea.user_id])
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 1, "ping_in": "room"},
    )
    await _directory(config, [(lea, "Lyon", ("seminaire",))])
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id

    def from_bot(person, predicate, **where):
        return person.wait_for_message(predicate, sender=bot_id, timeout=30, **where)

    first = await alice.send(room_id, "Bonjour, on voudrait un séminaire à Lyon pour l'équipe.")
    await from_bot(alice, lambda m: thread_of(m) == first, room_id=room_id)
    await alice.send(room_id, "Re : le séminaire à Lyon, ce serait le 14 janvier 2027 de 9h à 12h")
    restated = await from_bot(alice, lambda m: "J'ai complété la demande #1" in body_of(m))
    assert thread_of(restated) == first
    assert await app.store.requests.count() == 1

    await from_bot(lea, lambda m: "!accepte 1" in body_of(m), room_id=network)
    await lea.send(network, "!accepte 1")
    await from_bot(alice, lambda m: "La demande #1 est pourvue : Léa Dubois." in body_of(m))

    await alice.send(room_id, "finalement ce sera le 22", thread_root=first)
    updated = await from_bot(alice, lambda m: "est à jour" in body_of(m))
    assert "date : jeudi 14 janvier 2027 → vendredi 22 janvier 2027" in body_of(updated)
    told = await from_bot(lea, lambda m: "a changé" in body_of(m))
    assert "• date : jeudi 14 janvier 2027 → vendredi 22 janvier 2027" in body_of(told)

    await alice.send(room_id, "ah et on sera plutôt 35", thread_root=first)
    await from_bot(alice, lambda m: "participants : non précisé → 35" in body_of(m))

    await alice.send(room_id, "finalement on annule, désolée", thread_root=first)
    await from_bot(alice, lambda m: body_of(m).startswith("Vous voulez annuler la demande #1 ?"))
    assert (await app.store.requests.get(1)).state == "pourvue"

    await world.stop_bot(app)
    app = await world.start_bot(config)
    await alice.send(room_id, "oui", thread_root=first)
    await from_bot(alice, lambda m: "La demande #1 est annulée." in body_of(m))
    await from_bot(lea, lambda m: "a été annulée" in body_of(m))
    assert (await app.store.requests.get(1)).state == "annulee"
    await asyncio.sleep(1)  # anything sent twice would be there by now
    # In the requests room (the mission's room says it too, in its own words).
    cancelled = [m for m in alice.messages(room_id, bot_id) if "est annulée" in body_of(m)]
    assert len(cancelled) == 1
    assert len([m for m in lea.messages(sender=bot_id) if "a été annulée" in body_of(m)]) == 1
