"""What the bot receives from Matrix, reduced to the plain facts handlers need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Bots that announce themselves with this key in their content are ignored.
BOT_MARKERS = ("fr.gouv.tchap.bot", "org.facilibot.bot")


@dataclass(frozen=True)
class Incoming:
    """One message, edit or reaction the bot may act on."""

    event_id: str
    room_id: str
    sender: str
    kind: str  # "message", "edit", "reaction"
    body: str = ""
    msgtype: str = "m.text"
    thread_root: str | None = None
    reply_to: str | None = None
    relates_to: str | None = None  # the edited or reacted-to event
    reaction_key: str | None = None
    timestamp_ms: int = 0
    is_dm: bool = False
    from_bot: bool = False
    mentions: tuple[str, ...] = ()

    @property
    def conversation_root(self) -> str:
        """The thread this event belongs to, or the event itself if it starts one."""
        return self.thread_root or self.event_id


def incoming_from_source(source: dict[str, Any], room_id: str) -> Incoming | None:
    """Read a (decrypted) room event; return None for events the bot never acts on."""
    event_type = source.get("type")
    content = source.get("content")
    event_id = source.get("event_id")
    sender = source.get("sender")
    if not isinstance(content, dict) or not isinstance(event_id, str):
        return None
    if not isinstance(sender, str):
        return None
    relates = content.get("m.relates_to") if isinstance(content.get("m.relates_to"), dict) else {}
    timestamp = source.get("origin_server_ts")
    timestamp_ms = timestamp if isinstance(timestamp, int) else 0
    from_bot = any(marker in content for marker in BOT_MARKERS)
    if event_type == "m.reaction":
        key = relates.get("key")
        target = relates.get("event_id")
        if relates.get("rel_type") != "m.annotation" or not isinstance(target, str):
            return None
        return Incoming(
            event_id=event_id,
            room_id=room_id,
            sender=sender,
            kind="reaction",
            relates_to=target,
            reaction_key=key if isinstance(key, str) else None,
            timestamp_ms=timestamp_ms,
            from_bot=from_bot,
        )
    if event_type != "m.room.message":
        return None
    msgtype = content.get("msgtype")
    body = content.get("body")
    if not isinstance(msgtype, str) or not isinstance(body, str):
        return None
    if relates.get("rel_type") == "m.replace":
        new = content.get("m.new_content")
        target = relates.get("event_id")
        if not isinstance(new, dict) or not isinstance(new.get("body"), str):
            return None
        if not isinstance(target, str):
            return None
        return Incoming(
            event_id=event_id,
            room_id=room_id,
            sender=sender,
            kind="edit",
            body=new["body"],
            msgtype=str(new.get("msgtype", msgtype)),
            relates_to=target,
            timestamp_ms=timestamp_ms,
            from_bot=from_bot,
        )
    mentioned = content.get("m.mentions", {})
    user_ids = mentioned.get("user_ids", []) if isinstance(mentioned, dict) else []
    mentions = tuple(u for u in user_ids if isinstance(u, str))
    thread_root = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
    in_reply = relates.get("m.in_reply_to")
    reply_to = in_reply.get("event_id") if isinstance(in_reply, dict) else None
    return Incoming(
        event_id=event_id,
        room_id=room_id,
        sender=sender,
        kind="message",
        body=body,
        msgtype=msgtype,
        thread_root=thread_root if isinstance(thread_root, str) else None,
        reply_to=reply_to if isinstance(reply_to, str) else None,
        timestamp_ms=timestamp_ms,
        from_bot=from_bot,
        mentions=mentions,
    )
