"""Reading Matrix events and building message contents."""

from __future__ import annotations

import pytest

from bot.domain.content import Rendered, edit_content, message_content, pill
from bot.matrix.events import incoming_from_source


def _source(content: dict, **extra: object) -> dict:
    return {
        "type": "m.room.message",
        "event_id": "$e",
        "sender": "@a:x",
        "origin_server_ts": 5,
        "content": content,
        **extra,
    }


def test_thread_message_and_mentions_are_read():
    incoming = incoming_from_source(
        _source(
            {
                "msgtype": "m.text",
                "body": "!assigne 3 Bob",
                "m.mentions": {"user_ids": ["@bob:x"]},
                "m.relates_to": {"rel_type": "m.thread", "event_id": "$root"},
            }
        ),
        "!r",
    )
    assert incoming.thread_root == "$root" and incoming.conversation_root == "$root"
    assert incoming.mentions == ("@bob:x",)


def test_edit_reaction_and_junk():
    edit = incoming_from_source(
        _source(
            {
                "msgtype": "m.text",
                "body": "* new",
                "m.new_content": {"msgtype": "m.text", "body": "new"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": "$old"},
            }
        ),
        "!r",
    )
    assert (edit.kind, edit.body, edit.relates_to) == ("edit", "new", "$old")
    reaction = incoming_from_source(
        {
            "type": "m.reaction",
            "event_id": "$r",
            "sender": "@a:x",
            "content": {
                "m.relates_to": {"rel_type": "m.annotation", "event_id": "$p", "key": "✅"}
            },
        },
        "!r",
    )
    assert (reaction.kind, reaction.reaction_key, reaction.relates_to) == ("reaction", "✅", "$p")
    assert incoming_from_source(_source({"body": 3}), "!r") is None
    assert incoming_from_source({"type": "m.room.message"}, "!r") is None
    assert incoming_from_source(_source("nope"), "!r") is None
    marked = incoming_from_source(
        _source({"msgtype": "m.text", "body": "x", "org.facilibot.bot": True}), "!r"
    )
    assert marked.from_bot


def test_answers_are_notices_with_escaped_html_in_the_thread():
    content = message_content(
        Rendered.text("Demande `#1` <script>"), thread_root="$root", reply_to="$q"
    )
    assert content["msgtype"] == "m.notice"
    assert content["formatted_body"] == "Demande <code>#1</code> &lt;script&gt;"
    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$q"},
    }
    assert "m.mentions" not in content


def test_pings_are_text_with_intentional_mentions():
    who = pill("@bob:x", "Bob <b>")
    content = message_content(Rendered.text("Bonjour ") + who, notice=False, mentions=("@bob:x",))
    assert content["msgtype"] == "m.text"
    assert content["m.mentions"] == {"user_ids": ["@bob:x"]}
    assert 'href="https://matrix.to/#/@bob:x">Bob &lt;b&gt;</a>' in content["formatted_body"]


def test_edit_content_replaces_without_notifying():
    original = message_content(Rendered.text("nouveau"), notice=True)
    edit = edit_content(original, "$card")
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$card"}
    assert edit["m.new_content"]["body"] == "nouveau"
    assert edit["body"] == "* nouveau"
    assert edit["m.mentions"] == {}


def test_pacer_lets_a_burst_through_then_spaces_sends():
    from bot.matrix.backoff import Pacer

    now = [100.0]
    pacer = Pacer(rate=2, burst=3, now=lambda: now[0])
    assert [pacer.delay() for _ in range(3)] == [0, 0, 0]
    assert pacer.delay() == 0.5
    assert pacer.delay() == 1.0
    now[0] += 10  # a quiet while refills the bucket, never above the burst
    assert [pacer.delay() for _ in range(3)] == [0, 0, 0]
    assert pacer.delay() == 0.5


def test_fan_out_leaves_the_pacers_reserve_to_answers():
    from bot.matrix.backoff import Pacer

    now = [100.0]
    pacer = Pacer(rate=10, burst=20, now=lambda: now[0])
    assert pacer.reserve == 4
    assert [pacer.spare() for _ in range(16)] == [0] * 16
    assert pacer.spare() == pytest.approx(0.1)  # 4 left: kept for answers, nothing taken
    assert pacer.spare() == pytest.approx(0.1)
    assert [pacer.delay() for _ in range(4)] == [0] * 4  # answers still go at once
    assert pacer.spare() == pytest.approx(0.5)
    now[0] += 0.5
    assert pacer.spare() == 0
