"""Folded text: the normalised form keeps the way back to what was typed."""

from bot.parsing.normalize import fold


def test_the_rest_of_a_folded_text_still_points_into_what_was_typed():
    folded = fold("Merci pour l'atelier ! Un deuxième à Draguignan…")
    start = folded.text.index("un deuxieme")
    rest = folded.after(start)
    assert rest.text == folded.text[start:]
    assert rest.original == "Un deuxième à Draguignan…"
    end = rest.text.index("draguignan") + len("draguignan")
    assert rest.source(rest.text.index("draguignan"), end) == "Draguignan"
    assert folded.after(len(folded.text)).text == ""
