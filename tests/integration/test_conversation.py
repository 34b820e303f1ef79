"""A request's conversation against a real Synapse: replies, thanks, notes, typos, mentions."""

from __future__ import annotations

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
