"""Telling a sender, once, that the bot could not read their encrypted messages."""

from __future__ import annotations

import logging

from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.matrix.decryption import Notice
from handlers.core.chat import OutboxChat
from storage.store import Store

log = logging.getLogger(__name__)


UNDECRYPTABLE = (
    "Je n'arrive pas à lire votre message : il est chiffré et sa clé ne m'est pas parvenue. "
    "Pouvez-vous l'envoyer à nouveau ? Si cela se reproduit, vérifiez dans Tchap "
    "(Paramètres › Sécurité) que l'appareil de Facilibot n'est pas bloqué."
)

UNDECRYPTABLE_MANY = (
    "Je n'arrive pas à lire vos {count} derniers messages : ils sont chiffrés et leur clé ne "
    "m'est pas parvenue. Pouvez-vous les envoyer à nouveau ? Si cela se reproduit, vérifiez "
    "dans Tchap (Paramètres › Sécurité) que l'appareil de Facilibot n'est pas bloqué."
)


async def tell_sender(store: Store, clock: Clock, notice: Notice) -> None:
    """Queue the polite notice and mark its events told, in one transaction."""
    count = len(notice.event_ids)
    text = UNDECRYPTABLE if count == 1 else UNDECRYPTABLE_MANY
    async with store.db.transaction():
        chat = OutboxChat(store.outbox, clock)
        in_dm = notice.room_kind == "dm"
        await chat.send(
            notice.room_id,
            Rendered.text(text.format(count=count)),
            # Its own key: the real answer, if the key comes later, is still sent.
            key=f"undecryptable:{notice.first}",
            thread_root=notice.thread_root or (None if in_dm else notice.first),
            reply_to=notice.first,
        )
        await store.undecryptable.mark_notified(notice.event_ids, clock.now())
    log.info("told %s about %d undecryptable event(s) in %s", notice.sender, count, notice.room_id)
