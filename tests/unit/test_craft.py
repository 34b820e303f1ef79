"""`!parcours` and `!attestation`: figures checked one by one against a built history."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from bot.domain.attestation_pdf import attestation_pdf
from bot.domain.clock import FrozenClock
from bot.domain.craft import (
    CraftMission,
    attestation,
    attestation_period,
    attestation_reference,
    hours,
    parcours,
)
from handlers.core.dispatch import Dispatcher
from handlers.features import build_dispatcher
from storage.store import Store
from tests.unit.conftest import COORDINATOR, answers, make_config, message, queued
from tests.unit.craft_world import ANA, BEN, DORA, build_network

TODAY = date(2026, 11, 29)


@pytest.fixture
async def network(store: Store) -> Store:
    await build_network(store)
    return store


@pytest.fixture
def bot(network: Store, clock: FrozenClock) -> Dispatcher:
    async def is_facilitator(user_id: str) -> bool:
        return await network.facilitators.get(user_id) is not None

    config = make_config(
        network={"name": "Réseau des facilitateurs de Bercy", "signatory": "Camille Martin\nCheffe"}
    )
    return build_dispatcher(config, network, clock, is_facilitator)


def dm(body: str, sender: str):
    return message(body, sender=sender, room_id="!dm:agent.finances.tchap.gouv.fr", is_dm=True)


# -- pure ---------------------------------------------------------------------------------------


def test_parcours_splits_done_and_upcoming_and_sums():
    missions = [
        CraftMission(1, date(2026, 3, 12), "seminaire", "DGFiP", 210, 300, partners=1, rating=5),
        CraftMission(2, date(2026, 5, 4), "codeveloppement", "DG Trésor", 120, rating=4),
        CraftMission(3, date(2026, 12, 10), "atelier", "DGFiP", 120),
        CraftMission(4, date(2025, 12, 10), "atelier", "DGFiP", 120),
    ]
    record = parcours(missions, year=2026, today=TODAY, cohort=3)
    assert [m.request_id for m in record.missions] == [1, 2]
    assert record.upcoming == 1
    assert (record.minutes, record.preparation_minutes, record.in_pair) == (330, 90, 1)
    assert record.mean_rating == 4.5 and record.ratings == 2
    assert record.formats == (("codeveloppement", 1), ("seminaire", 1))


def test_wording_helpers():
    assert hours(330) == "5 h 30" and hours(120) == "2 h" and hours(0) == "0 h"
    assert attestation_period(2025, TODAY) == "du 1er janvier au 31 décembre 2025"
    assert attestation_period(2026, TODAY) == "du 1er janvier au 29 novembre 2026"
    first = attestation_reference(7, 2026, ANA, "2026-11-29T09:00:00+00:00")
    assert first.startswith("ATT-2026-0007-") and len(first) == len("ATT-2026-0007-3FA2")
    assert first != attestation_reference(7, 2026, BEN, "2026-11-29T09:00:00+00:00")


# -- !parcours against the database ------------------------------------------------------------


async def test_parcours_figure_by_figure(bot, network):
    assert await bot.handle(dm("!parcours", ANA), "dm") == "command:parcours"
    text = (await answers(network))[-1]
    lines = text.splitlines()
    assert lines[0] == "Votre parcours 2026"
    # #7 (cancelled), #9 (withdrawn), #4 (December: to come) and #10 (2025) are not among them.
    assert lines[1] == "Missions facilitées : 3, dont 2 en binôme ou en équipe :"
    assert lines[2] == "• 12/03/2026 — séminaire, DGFiP (en binôme)"
    assert lines[3] == "• 04/05/2026 — codéveloppement, DG Trésor"
    assert lines[4] == "• 20/09/2026 — world café, Secrétariat général (à 3)"
    # 3 h 30 + 2 h (the world café has no time); preparation: 5 h − 3 h 30 on #1, 1 h on #3.
    assert lines[5] == "Heures de facilitation : 5 h 30 ; heures de préparation déclarées : 2 h 30"
    assert lines[6] == "Formats pratiqués : codéveloppement (1), séminaire (1), world café (1)"
    assert lines[7] == "Directions accompagnées : DG Trésor (1), DGFiP (1), Secrétariat général (1)"
    assert lines[8] == "Note moyenne des équipes : 4,5 / 5 (2 note(s))"
    assert lines[9] == "Promotion : 7"
    assert lines[10].startswith("À venir d'ici la fin de 2026 : 1 mission(s)")
    assert lines[11] == "Pour l'attestation en PDF : `!attestation 2026`."


async def test_parcours_of_another_year_and_of_nobody_yet(bot, network):
    await bot.handle(dm("!parcours 2025", ANA), "dm")
    text = (await answers(network))[-1]
    assert "Missions facilitées : 1, dont 0 en binôme ou en équipe :" in text
    assert "• 10/10/2025 — atelier, DGFiP" in text
    assert "Heures de facilitation : 1 h 30 ;" in text
    await bot.handle(dm("!parcours", DORA), "dm")
    text = (await answers(network))[-1]
    assert "Aucune mission facilitée en 2026 pour l'instant." in text
    assert "Promotion : 9" in text


async def test_a_person_sees_only_their_own_record(bot, network):
    before = len(await queued(network))
    assert await bot.handle(dm(f"!parcours {ANA}", BEN), "dm") == "refused"
    assert "que votre propre parcours" in (await answers(network))[-1]
    assert await bot.handle(dm(f"!attestation {ANA} 2026", BEN), "dm") == "refused"
    assert len(await queued(network)) == before + 2  # the two refusals, nothing else
    assert await bot.handle(dm("!parcours 1999", ANA), "dm") == "refused"
    assert "n'est pas une année" in (await answers(network))[-1]
    assert await bot.handle(dm("!parcours bientot", ANA), "dm") == "refused"


async def test_coordinators_see_everyones_record(bot, network):
    await bot.handle(dm(f"!parcours {BEN} 2026", COORDINATOR), "dm")
    text = (await answers(network))[-1]
    assert text.startswith("Parcours 2026 de Ben Martin")
    # #1 (pair), #3 (three), #9 (alone: Ana withdrew); 3 h 30 + 1 h.
    assert "Missions facilitées : 3, dont 2 en binôme ou en équipe :" in text
    assert "Heures de facilitation : 4 h 30 ; heures de préparation déclarées : 0 h" in text
    assert "Note moyenne des équipes : 5,0 / 5 (1 note(s))" in text
    # A mention pill: the body shows the name, the id is in m.mentions.
    pill = message("!parcours Ben Martin", sender=COORDINATOR, mentions=(BEN,), is_dm=True)
    assert await bot.handle(pill, "dm") == "command:parcours"


async def test_parcours_asked_in_a_room_goes_to_the_dm(bot, network):
    await bot.handle(message("!parcours", sender=ANA), "requests")
    assert (await answers(network))[-1] == "Je vous ai répondu en message privé."
    sent = [m for m in await queued(network) if m.dm_user == ANA]
    assert sent and sent[-1].content["body"].startswith("Votre parcours 2026")


# -- !attestation ------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_attestation_pdf_reads_back_and_verifies(bot, network):
    assert await bot.handle(dm("!attestation", ANA), "dm") == "command:attestation"
    sent = await queued(network)
    note, file = sent[-2], sent[-1]
    assert file.content["msgtype"] == "m.file"
    assert file.attachment is not None and file.attachment.mimetype == "application/pdf"
    reference = file.attachment.name.removeprefix("attestation-2026-").removesuffix(".pdf")
    assert reference.startswith("ATT-2026-0001-")
    assert note.content["body"] == (
        f"Voici l'attestation 2026 de Ana Lopez (référence {reference}) : 3 mission(s), "
        "5 h 30 de facilitation. Gardez cette référence : l'équipe de coordination peut la "
        "vérifier."
    )
    data = file.attachment.data
    text = _pdf_text(data)
    for expected in (
        "Réseau des facilitateurs de Bercy",
        "Attestation de facilitation",
        "Ana Lopez, DGFiP,",
        "Du 1er janvier au 29 novembre 2026",
        "12/03/2026 Séminaire DGFiP 3 h 30",
        "04/05/2026 Codéveloppement DG Trésor 2 h",
        "20/09/2026 World café Secrétariat général —",
        "Missions facilitées : 3, dont 2 en binôme ou en équipe",
        "Heures de facilitation : 5 h 30",
        "Heures de préparation déclarées : 2 h 30",
        "Fait le 29 novembre 2026",
        "Camille Martin",
        f"Référence {reference}",
    ):
        assert expected in text, expected
    assert "10/12/2026" not in text and "25/11/2026" not in text  # to come; cancelled
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    assert round(page.get_width()) == 595 and round(page.get_height()) == 842  # A4
    image = page.render(scale=1.5).to_pil()
    assert image.size == (893, 1263)
    # Ink on the page, not a blank render.
    assert image.convert("L").getextrema()[0] < 80
    image.save(Path("/tmp") / "attestation.png")

    await bot.handle(dm(f"!attestation verifie {reference.lower()}", COORDINATOR), "dm")
    check = (await answers(network))[-1]
    assert check == (
        f"L'attestation {reference} a bien été émise le 29 novembre 2026 pour Ana Lopez "
        "(DGFiP) : année 2026, 3 mission(s), 5 h 30 de facilitation."
    )
    assert await bot.handle(dm("!attestation verifie ATT-2026-0009-ABCD", COORDINATOR), "dm") == (
        "refused"
    )
    assert "Aucune attestation" in (await answers(network))[-1]
    assert await bot.handle(dm(f"!attestation verifie {reference}", BEN), "dm") == "refused"


async def test_coordinators_issue_for_anyone_and_nothing_to_attest(bot, network):
    assert await bot.handle(dm(f"!attestation {BEN} 2026", COORDINATOR), "dm") == (
        "command:attestation"
    )
    file = (await queued(network))[-1]
    assert file.attachment is not None
    assert "Ben Martin, DGDDI," in _pdf_text(file.attachment.data)
    assert await bot.handle(dm("!attestation", DORA), "dm") == "refused"
    assert (await answers(network))[-1].startswith("Aucune mission facilitée n'est enregistrée")


async def test_forgotten_holder_leaves_a_reference_without_a_name(bot, network):
    await bot.handle(dm("!attestation 2025", ANA), "dm")
    reference = (await queued(network))[-1].attachment.name[len("attestation-2025-") : -4]
    await network.db.execute("UPDATE requests SET state = 'annulee' WHERE id = 4")
    assert await bot.handle(dm("!oubliemoi confirmer", ANA), "dm") == "command:oubliemoi"
    row = await network.db.fetchone("SELECT * FROM attestations")
    assert row["holder"] != ANA and row["holder_name"] is None and row["directorate"] is None
    await bot.handle(dm(f"!attestation verifie {reference}", COORDINATOR), "dm")
    check = (await answers(network))[-1]
    assert check.startswith(f"L'attestation {reference} a bien été émise le 29 novembre 2026")
    assert "son nom n'est plus conservé" in check and "Ana" not in check


def test_attestation_layout_keeps_the_signature_whole_on_a_long_year():
    missions = [
        CraftMission(n, date(2026, 1 + n % 11, 1 + n % 27), "atelier", "DGFiP", 120)
        for n in range(60)
    ]
    record = parcours(missions, year=2026, today=TODAY, cohort=None)
    doc = attestation(
        record, network="Réseau", holder="Zoé Ł", directorate=None, signatory="A\nB",
        today=TODAY, reference="ATT-2026-0001-0000",
    )  # fmt: skip
    data = attestation_pdf(doc)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    assert "Missions facilitées : 60" in _pdf_text(data)
    assert "Zoé L" in _pdf_text(data)  # a letter the standard font lacks loses its accent


def test_the_running_bot_loads_no_drawing_library():
    """matplotlib and fpdf2 are imported only when a chart or a PDF is drawn."""
    code = (
        "import sys, bot.app, handlers.features; "
        "print(sorted(m for m in ('matplotlib', 'fpdf', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


async def test_digits_that_are_not_ascii_are_no_year(bot, network):
    assert await bot.handle(dm("!parcours ²", ANA), "dm") == "refused"
    assert await bot.handle(dm("!stats ²²²²", COORDINATOR), "dm") == "refused"
    assert await bot.handle(dm("!stats 1999", COORDINATOR), "dm") == "refused"
