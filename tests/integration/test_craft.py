"""The craft made visible against a real Synapse: `!stats` answers with a chart (an encrypted
`m.image`), `!attestation` arrives as a PDF in an encrypted DM that decrypts and reads back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pypdf
from nio.crypto.attachments import decrypt_attachment

from bot.domain.profiles import Facilitator
from bot.matrix.decryption import thread_of
from bot.sandbox.people import Person, body_of, until
from tests.unit.craft_world import add_request

REQUEST = "Un facilitateur pour un atelier le 12 mars 2027 de 14h à 16h30 à Bercy."


async def _download(homeserver: str, person: Person, content: dict[str, Any]) -> bytes:
    """Fetch an encrypted attachment as the person's client would, and decrypt it."""
    file = content["file"]
    server, media = file["url"].removeprefix("mxc://").split("/", 1)
    url = f"{homeserver}/_matrix/client/v1/media/download/{server}/{media}"
    headers = {"Authorization": f"Bearer {person.client.access_token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        ciphertext = await response.read()
    return decrypt_attachment(ciphertext, file["key"]["k"], file["hashes"]["sha256"], file["iv"])


async def test_stats_answers_with_an_encrypted_chart(world):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    bot = await world.bot_account()
    room_id = await alice.create_room(
        "Demandes", invite=[bot.user_id, coordinator.user_id], encrypted=True
    )
    config = await world.config(
        rooms={"requests": [room_id]}, bot={"coordinators": [coordinator.user_id]}
    )
    await world.start_bot(config)
    await coordinator.wait_joined(room_id)
    asked = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot.user_id
    )

    stats = await coordinator.send(room_id, "!stats")
    answer = await coordinator.wait_for_message(
        lambda m: thread_of(m) == stats and m["content"].get("msgtype") == "m.notice",
        room_id=room_id,
        sender=bot.user_id,
    )
    assert "• Demandes reçues en " in body_of(answer) and ": 1 (dont 0 annulée(s))" in body_of(
        answer
    )
    image = await coordinator.wait_for_message(
        lambda m: thread_of(m) == stats and m["content"].get("msgtype") == "m.image",
        room_id=room_id,
        sender=bot.user_id,
        timeout=60,
    )
    content = image["content"]
    assert coordinator.was_encrypted(image)
    assert "file" in content and "url" not in content  # the image itself is encrypted
    assert content["info"]["mimetype"] == "image/png" and content["info"]["w"] > 0
    png = await _download(world.synapse.url, coordinator, content)
    assert png.startswith(b"\x89PNG") and len(png) == content["info"]["size"]


async def test_attestation_arrives_as_a_pdf_in_an_encrypted_dm(world):
    facilitator = await world.person("Facilitatrice")
    bot = await world.bot_account()
    config = await world.config(
        network={"name": "Réseau des facilitateurs de Bercy", "signatory": "Camille Martin"}
    )
    app = await world.start_bot(config)
    # A mission done earlier this year (the bot's clock is the real one).
    day = datetime.now(UTC).date() - timedelta(days=1)
    if day.year != datetime.now(UTC).year:
        day = date(day.year, 12, 30)
    await app.store.facilitators.upsert(
        Facilitator(facilitator.user_id, "Inès Garnier", directorate="DGFiP"),
        at=datetime.now(UTC),
    )
    await add_request(
        app.store, 1, created=f"{day.isoformat()}T06:00:00+00:00", day=day.isoformat(),
        fmt="codeveloppement", directorate="DG Trésor", start="09:00", end="11:00",
        state="realisee", facilitators=(facilitator.user_id,),
    )  # fmt: skip
    dm = await facilitator.create_room("", invite=[bot.user_id], direct=True, encrypted=True)
    await until(
        lambda: dm in facilitator.client.rooms and len(facilitator.client.rooms[dm].users) == 2
    )

    await facilitator.send(dm, f"!attestation {day.year}")
    note = await facilitator.wait_for_message(
        lambda m: body_of(m).startswith("Voici l'attestation"), room_id=dm, sender=bot.user_id
    )
    assert f"Voici l'attestation {day.year} de Inès Garnier (référence ATT-{day.year}-0001-" in (
        body_of(note)
    )
    pdf = await facilitator.wait_for_message(
        lambda m: m["content"].get("msgtype") == "m.file",
        room_id=dm,
        sender=bot.user_id,
        timeout=60,
    )
    content = pdf["content"]
    assert facilitator.was_encrypted(pdf) and "file" in content and "url" not in content
    assert content["info"]["mimetype"] == "application/pdf"
    data = await _download(world.synapse.url, facilitator, content)
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Attestation de facilitation" in text and "Inès Garnier, DGFiP," in text
    assert f"{day.strftime('%d/%m/%Y')} Codéveloppement DG Trésor 2 h" in text
    assert facilitator.undecryptable == []
