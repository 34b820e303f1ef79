"""The charts of `!stats` and of the yearly report, as PNG (matplotlib, imported when drawing).

matplotlib is imported inside the functions that draw: the bot starts and
answers every other command without loading it. Figures are drawn on the
Agg canvas directly (no pyplot, no global state), so drawing in a worker
thread is safe.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.domain.reports import MonthFigures

SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
# Sober colours, readable in grey when printed.
_DARK = "#2f4b7c"
_LIGHT = "#9fb3d1"
_ACCENT = "#c05a28"
_DPI = 100


@dataclass(frozen=True)
class Chart:
    """A PNG image and its size in pixels (for `m.image`'s `info`)."""

    data: bytes
    width: int
    height: int


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> Chart:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, facecolor="white")
    width, height = (round(v) for v in figure.get_size_inches() * _DPI)
    return Chart(out.getvalue(), width, height)


def _month_label(figures: MonthFigures, with_year: bool) -> str:
    label = SHORT_MONTHS[figures.month - 1]
    return f"{label}\n{figures.year}" if with_year else label


def _requests_axis(axis, months: list[MonthFigures]) -> None:  # type: ignore[no-untyped-def]
    positions = range(len(months))
    years = {m.year for m in months}
    labels = [
        _month_label(m, len(years) > 1 and (i == 0 or m.month == 1)) for i, m in enumerate(months)
    ]
    axis.bar(positions, [m.requests for m in months], color=_LIGHT, label="reçues")
    axis.bar(positions, [m.staffed for m in months], color=_DARK, width=0.5, label="pourvues")
    axis.set_xticks(list(positions), labels, fontsize=8)
    axis.set_title("Demandes reçues par mois", fontsize=11)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.legend(fontsize=8, frameon=False, loc="upper left")
    axis.spines[["top", "right"]].set_visible(False)


def _staffing_axis(axis, months: list[MonthFigures]) -> None:  # type: ignore[no-untyped-def]
    positions = list(range(len(months)))
    rates = [None if m.staffing_rate is None else 100 * m.staffing_rate for m in months]
    axis.plot(
        [p for p, r in zip(positions, rates, strict=True) if r is not None],
        [r for r in rates if r is not None],
        color=_DARK,
        marker="o",
        label="taux (%)",
    )
    axis.set_ylim(0, 105)
    axis.set_ylabel("taux de demandes pourvues (%)", fontsize=8)
    twin = axis.twinx()
    delays = [
        None if m.median_time_to_staff is None else m.median_time_to_staff.total_seconds() / 3600
        for m in months
    ]
    twin.bar(
        [p for p, d in zip(positions, delays, strict=True) if d is not None],
        [d for d in delays if d is not None],
        color=_ACCENT,
        alpha=0.35,
        width=0.4,
    )
    twin.set_ylabel("délai médian (heures, barres)", fontsize=8)
    axis.set_zorder(twin.get_zorder() + 1)
    axis.patch.set_visible(False)
    axis.set_xticks(positions, [SHORT_MONTHS[m.month - 1] for m in months], fontsize=8)
    axis.set_title("Taux de demandes pourvues et délai médian", fontsize=11)


def _bars_axis(axis, title: str, items: list[tuple[str, int]], color: str) -> None:  # type: ignore[no-untyped-def]
    shown = list(reversed(items[:8]))
    if not shown:
        axis.text(0.5, 0.5, "aucune mission", ha="center", va="center", fontsize=10, color="grey")
        axis.set_axis_off()
    else:
        axis.barh([label for label, _ in shown], [count for _, count in shown], color=color)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.tick_params(axis="y", labelsize=8)
        axis.spines[["top", "right"]].set_visible(False)
    axis.set_title(title, fontsize=11)


def stats_chart(
    title: str,
    months: list[MonthFigures],
    formats: list[tuple[str, int]],
    directorates: list[tuple[str, int]],
) -> Chart:
    """Four panels: requests per month, staffing rate and median time, missions by format and
    by directorate."""
    figure = _figure(11, 7.5)
    figure.suptitle(title, fontsize=13, fontweight="bold")
    grid = figure.subplots(2, 2)
    _requests_axis(grid[0][0], months)
    _staffing_axis(grid[0][1], months)
    _bars_axis(grid[1][0], "Missions par format", formats, _DARK)
    _bars_axis(grid[1][1], "Missions par direction demandeuse", directorates, _LIGHT)
    return _png(figure)


def bars_chart(title: str, items: list[tuple[str, int]], *, width: float = 8) -> Chart:
    """One horizontal bar chart (cohorts, regions) for the yearly report."""
    figure = _figure(width, 0.6 + 0.4 * max(3, min(len(items), 8)))
    _bars_axis(figure.subplots(), title, items, _DARK)
    return _png(figure)
