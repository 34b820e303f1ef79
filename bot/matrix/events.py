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


@dataclass(frozen=True)
class _Envelope:
    """What every event the bot reads carries."""

    event_id: str
    room_id: str
    sender: str
    content: dict[str, Any]
    relates: dict[str, Any]
    timestamp_ms: int
    from_bot: bool

    def incoming(self, kind: str, **facts: Any) -> Incoming:
        return Incoming(
            event_id=self.event_id,
            room_id=self.room_id,
            sender=self.sender,
            kind=kind,
            timestamp_ms=self.timestamp_ms,
            from_bot=self.from_bot,
            **facts,
        )


def incoming_from_source(source: dict[str, Any], room_id: str) -> Incoming | None:
    """Read a (decrypted) room event; return None for events the bot never acts on."""
    content = source.get("content")
    event_id = source.get("event_id")
    sender = source.get("sender")
    if not isinstance(content, dict) or not isinstance(event_id, str):
        return None
    if not isinstance(sender, str):
        return None
    relates = content.get("m.relates_to")
    timestamp = source.get("origin_server_ts")
    envelope = _Envelope(
        event_id=event_id,
        room_id=room_id,
        sender=sender,
        content=content,
        relates=relates if isinstance(relates, dict) else {},
        timestamp_ms=timestamp if isinstance(timestamp, int) else 0,
        from_bot=any(marker in content for marker in BOT_MARKERS),
    )
    event_type = source.get("type")
    if event_type == "m.reaction":
        return _reaction(envelope)
    if event_type != "m.room.message":
        return None
    msgtype = content.get("msgtype")
    if not isinstance(msgtype, str) or not isinstance(content.get("body"), str):
        return None
    if envelope.relates.get("rel_type") == "m.replace":
        return _edit(envelope, msgtype)
    return _message(envelope, msgtype)


def _reaction(envelope: _Envelope) -> Incoming | None:
    relates = envelope.relates
    key = relates.get("key")
    target = relates.get("event_id")
    if relates.get("rel_type") != "m.annotation" or not isinstance(target, str):
        return None
    return envelope.incoming(
        "reaction", relates_to=target, reaction_key=key if isinstance(key, str) else None
    )


def _edit(envelope: _Envelope, msgtype: str) -> Incoming | None:
    new = envelope.content.get("m.new_content")
    target = envelope.relates.get("event_id")
    if not isinstance(new, dict) or not isinstance(new.get("body"), str):
        return None
    if not isinstance(target, str):
        return None
    return envelope.incoming(
        "edit", body=new["body"], msgtype=str(new.get("msgtype", msgtype)), relates_to=target
    )


def _message(envelope: _Envelope, msgtype: str) -> Incoming:
    content, relates = envelope.content, envelope.relates
    mentioned = content.get("m.mentions", {})
    user_ids = mentioned.get("user_ids", []) if isinstance(mentioned, dict) else []
    thread_root = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
    in_reply = relates.get("m.in_reply_to")
    reply_to = in_reply.get("event_id") if isinstance(in_reply, dict) else None
    return envelope.incoming(
        "message",
        body=content["body"],
        msgtype=msgtype,
        thread_root=thread_root if isinstance(thread_root, str) else None,
        reply_to=reply_to if isinstance(reply_to, str) else None,
        mentions=tuple(u for u in user_ids if isinstance(u, str)),
    )
