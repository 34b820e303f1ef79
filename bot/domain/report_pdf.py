"""The network's year as a PDF: key figures, the charts, cohorts, regions, feedback (fpdf2)."""

from __future__ import annotations

import io

from bot.domain.attestation_pdf import printable
from bot.domain.charts import bars_chart, stats_chart
from bot.domain.craft import hours
from bot.domain.network_year import YearReport
from bot.domain.requests import FORMAT_LABELS

_MARGIN = 18
_GREY = (110, 110, 110)

TITLE = "{network} — l'année {year} en chiffres"
SUBTITLE = "Rapport établi le {day} par Facilibot"
KEY_FIGURES = "Chiffres clés"
FIGURES = (
    "Demandes reçues : {requests} (dont {cancelled} annulée(s))",
    "Demandes pourvues : {staffed} sur {considered} ({rate}), délai médian {delay}",
    "Missions datées de l'année : {missions}, soit {places} place(s) tenue(s)",
    "Heures de facilitation données par le réseau : {hours}",
    "Temps déclaré par les facilitatrices et facilitateurs (préparation comprise) : {declared}",
    "Personnes actives : {active} sur {members} dans l'annuaire ({share})",
)
CHARTS = "Demandes, délais et missions"
COHORTS = "La part de chaque promotion"
COHORT_HEAD = ("Promotion", "Dans l'annuaire", "Actives", "Places tenues", "Part")
REGIONS = "Régions couvertes (lieu des missions)"
FEEDBACK = "Retours des équipes"
FEEDBACK_LINES = (
    "Note moyenne : {mean} ({count} note(s))",
    "Répartition des notes : {spread}",
    "Commentaires laissés : {comments}",
)
NO_RATING = "pas encore de note"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


def report_pdf(report: YearReport, *, network: str, made_on: str, delay: str) -> bytes:
    """Lay out the yearly report on A4 pages and return the PDF."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import XPos, YPos

    s = report.stats
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(printable(TITLE.format(network=network, year=report.year)))
    pdf.set_creator("Facilibot")
    width = pdf.w - 2 * _MARGIN

    def heading(text: str) -> None:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 8, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", size=10.5)

    def line(text: str) -> None:
        pdf.cell(0, 6, printable(f"•  {text}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def picture(title: str, png: bytes, ratio: float) -> None:
        # The heading stays with its picture: both on the next page if they do not fit.
        if pdf.get_y() + 14 + width * ratio > pdf.h - 20:
            pdf.add_page()
        heading(title)
        pdf.image(io.BytesIO(png), x=_MARGIN, w=width)

    pdf.add_page()
    pdf.set_font("Helvetica", "B", 17)
    pdf.multi_cell(
        width, 9, printable(TITLE.format(network=network, year=report.year)), align="L",
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )  # fmt: skip
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 5, printable(SUBTITLE.format(day=made_on)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)

    heading(KEY_FIGURES)
    values = {
        "requests": s.requests,
        "cancelled": s.cancelled,
        "staffed": s.staffed,
        "considered": s.requests - s.cancelled,
        "rate": _percent(s.staffing_rate),
        "delay": delay,
        "missions": s.missions,
        "places": s.places,
        "hours": hours(s.minutes),
        "declared": hours(report.declared_minutes),
        "active": report.active,
        "members": report.members,
        "share": _percent(report.active_share),
    }
    for text in FIGURES:
        line(text.format(**values))

    chart = stats_chart(
        f"Année {report.year}",
        list(report.months),
        [
            (FORMAT_LABELS.get(n, "non précisé" if n == "inconnu" else n), c)
            for n, c in s.mission_formats
        ],
        [("non précisée" if n == "inconnue" else n, c) for n, c in s.mission_directorates],
    )
    picture(CHARTS, chart.data, chart.height / chart.width)

    heading(COHORTS)
    with pdf.table(
        width=width,
        col_widths=(30, 35, 25, 35, 25),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=6,
    ) as table:
        head = table.row()
        for name in COHORT_HEAD:
            head.cell(printable(name))
        for part in report.cohorts:
            row = table.row()
            for value in (
                part.cohort,
                str(part.members),
                str(part.active),
                str(part.places),
                _percent(part.share),
            ):
                row.cell(printable(value))

    regions = bars_chart("", list(report.regions), width=9)
    picture(REGIONS, regions.data, regions.height / regions.width)

    heading(FEEDBACK)
    mean = f"{s.mean_rating:.1f}".replace(".", ",") + " / 5" if s.mean_rating else NO_RATING
    spread = ", ".join(f"{n} : {count}" for n, count in enumerate(report.ratings, start=1))
    line(FEEDBACK_LINES[0].format(mean=mean, count=s.ratings))
    line(FEEDBACK_LINES[1].format(spread=spread))
    line(FEEDBACK_LINES[2].format(comments=report.comments))
    return bytes(pdf.output())
