"""`facilibot demo`: a real conversation on a real throwaway homeserver, printed."""

from __future__ import annotations

import io

from bot.sandbox.demo import run_demo


async def test_demo_prints_the_whole_staffing_conversation():
    out = io.StringIO()
    assert await run_demo(out) == 0
    text = out.getvalue()
    assert "↳ (fil) Facilibot : Demande #1 — séminaire, vendredi 12 mars 2027" in text
    assert "[message privé → Karim Benali] Facilibot : Bonjour ! Une demande cherche" in text
    assert "[message privé → Karim Benali] Facilibot : 📎 demande-1.ics" in text
    assert "Léa Dubois : ✅ (réaction à la sollicitation)" in text
    assert "La demande #1 est pourvue" in text
    assert "État : pourvue." in text
    room = "[salle « Mission #1 — séminaire du vendredi 12 mars 2027 »] "
    assert room + "Facilibot : Bienvenue dans la salle de la mission #1" in text
    assert room + "Facilibot : Cadrage de la mission #1 prévu le lundi 1er mars 2027" in text
    assert room + "Facilibot : Les étapes de la mission #1" in text
    assert text.rstrip().endswith("fichiers temporaires supprimés.")
