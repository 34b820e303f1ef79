"""Building Matrix message contents: plain body plus escaped HTML, threads, mentions."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from bot.domain.profiles import name_from_id

BOT_MARKER = "org.facilibot.bot"
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


@dataclass(frozen=True)
class Rendered:
    """A message in its two forms: the plain `body` and the HTML `formatted_body`."""

    body: str
    html: str

    @classmethod
    def text(cls, text: str) -> Rendered:
        """Render trusted bot text with `code` and **bold** spans; escape the rest."""
        escaped = html.escape(text, quote=False)
        marked = _BOLD.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", escaped))
        plain = _BOLD.sub(r"\1", text)
        return cls(body=plain, html=marked.replace("\n", "<br>"))

    def __add__(self, other: Rendered) -> Rendered:
        return Rendered(body=self.body + other.body, html=self.html + other.html)

    @classmethod
    def join(cls, parts: list[Rendered], separator: str = "\n") -> Rendered:
        """Join renders with a line break (or another separator)."""
        sep_html = "<br>" if separator == "\n" else html.escape(separator)
        return cls(
            body=separator.join(p.body for p in parts),
            html=sep_html.join(p.html for p in parts),
        )


def escape(text: str) -> str:
    """Escape user-supplied text for HTML."""
    return html.escape(text, quote=True)


def pill(user_id: str, name: str | None = None) -> Rendered:
    """A mention of a user: a matrix.to link in HTML, the name in plain text (read from
    the id when not given, never the raw id)."""
    label = name or name_from_id(user_id)
    return Rendered(
        body=label,
        html=f'<a href="https://matrix.to/#/{escape(user_id)}">{escape(label)}</a>',
    )


def message_content(
    rendered: Rendered,
    *,
    notice: bool = True,
    mentions: tuple[str, ...] = (),
    room_mention: bool = False,
    thread_root: str | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """Build an `m.room.message` content.

    Answers are `m.notice`; messages that must notify someone are `m.text`
    with intentional mentions, since `.m.rule.suppress_notices` silences
    notices before any mention rule is read.
    """
    content: dict[str, Any] = {
        "msgtype": "m.notice" if notice else "m.text",
        "body": rendered.body,
        "format": "org.matrix.custom.html",
        "formatted_body": rendered.html,
        BOT_MARKER: True,
    }
    if not notice or mentions or room_mention:
        content["m.mentions"] = {}
        if mentions:
            content["m.mentions"]["user_ids"] = sorted(set(mentions))
        if room_mention:
            content["m.mentions"]["room"] = True
    if thread_root:
        content["m.relates_to"] = thread_relation(thread_root, reply_to)
    elif reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content


def thread_relation(thread_root: str, reply_to: str | None = None) -> dict[str, Any]:
    """The `m.relates_to` that puts a message in a thread (replying to `reply_to` if given)."""
    return {
        "rel_type": "m.thread",
        "event_id": thread_root,
        "is_falling_back": reply_to is None,
        "m.in_reply_to": {"event_id": reply_to or thread_root},
    }


def file_content(name: str, mimetype: str, size: int) -> dict[str, Any]:
    """An `m.file` content without its address (added once the file is uploaded)."""
    return {
        "msgtype": "m.file",
        "body": name,
        "filename": name,
        "info": {"mimetype": mimetype, "size": size},
        BOT_MARKER: True,
    }


def image_content(name: str, mimetype: str, size: int, width: int, height: int) -> dict[str, Any]:
    """An `m.image` content without its address (added once the image is uploaded)."""
    return {
        "msgtype": "m.image",
        "body": name,
        "filename": name,
        "info": {"mimetype": mimetype, "size": size, "w": width, "h": height},
        BOT_MARKER: True,
    }


def edit_content(original: dict[str, Any], replaced_event_id: str) -> dict[str, Any]:
    """Build an `m.replace` edit of a message the bot sent, from its new content."""
    new_content = {
        key: value for key, value in original.items() if key not in ("m.relates_to", "m.mentions")
    }
    new_content["m.mentions"] = {}
    return {
        **new_content,
        "body": "* " + original["body"],
        "formatted_body": "* " + original.get("formatted_body", escape(original["body"])),
        "m.new_content": new_content,
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": replaced_event_id},
    }
