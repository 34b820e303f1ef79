"""The attestation as a sober A4 PDF (fpdf2, imported only when one is drawn)."""

from __future__ import annotations

import unicodedata

from bot.domain.craft import Attestation

# Sober and printable: black text, one grey for rules and the table's head.
_GREY = (110, 110, 110)
_LIGHT = (235, 235, 235)
_MARGIN = 20
# The table's columns (mm): date, format, requesting directorate, duration; 170 mm in all.
_COLUMNS = (("Date", 28), ("Format", 52), ("Direction demandeuse", 62), ("Durée", 28))
_ENCODING = "windows-1252"
# Letters that carry no separable accent, so NFKD does not reduce them.
_PLAIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i"})


def printable(text: str) -> str:
    """Text the PDF's standard font can show (« », œ, € included; others lose their accent)."""
    out = []
    for char in text.translate(_PLAIN):
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            bare = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(bare or "?")
    return "".join(out)


def attestation_pdf(doc: Attestation) -> bytes:
    """Lay out the attestation on A4 pages and return the PDF."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.set_title(printable(f"{doc.title} — {doc.holder}"))
    pdf.set_author(printable(doc.network))
    pdf.set_creator("Facilibot")
    footer = printable(doc.footer)

    def page_footer() -> None:
        pdf.set_y(-18)
        pdf.set_font("Helvetica", size=8)
        pdf.set_text_color(*_GREY)
        pdf.cell(0, 4, footer, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.cell(0, 4, f"Page {pdf.page_no()}", align="C")
        pdf.set_text_color(0, 0, 0)

    pdf.footer = page_footer  # type: ignore[method-assign]
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN

    pdf.set_font("Helvetica", size=10)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 5, printable(doc.network), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(14)
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, printable(doc.title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=11)
    pdf.cell(
        0, 6, printable(doc.period.capitalize()), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(4)
    pdf.set_draw_color(*_GREY)
    pdf.line(_MARGIN + 50, pdf.get_y(), pdf.w - _MARGIN - 50, pdf.get_y())
    pdf.ln(10)

    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(width, 6, printable(doc.intro), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)

    pdf.set_font("Helvetica", size=10)
    with pdf.table(
        col_widths=tuple(w for _, w in _COLUMNS),
        width=width,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=6.5,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=_LIGHT),
        first_row_as_headings=True,
    ) as table:
        head = table.row()
        for name, _ in _COLUMNS:
            head.cell(name)
        for line in doc.lines:
            row = table.row()
            for value in (line.day, line.format, line.directorate, line.duration):
                row.cell(printable(value))
    pdf.ln(6)

    pdf.set_font("Helvetica", "B", 11)
    for total in doc.totals:
        pdf.cell(0, 6.5, printable(total), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(12)

    # The signature block stays whole: on the next page if it does not fit.
    if pdf.get_y() + 12 + 6 * len(doc.signatory) > pdf.h - 30:
        pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    left = pdf.w - _MARGIN - 80
    pdf.set_x(left)
    pdf.cell(80, 6, printable(doc.place_date), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(4)
    for number, line in enumerate(doc.signatory):
        pdf.set_x(left)
        pdf.set_font("Helvetica", "B" if number == 0 else "", 11)
        pdf.cell(80, 6, printable(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    return bytes(pdf.output())
