"""`!stats`: what the network did in a month or a year, in figures and a chart (coordinators)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta

from bot.domain.content import Rendered
from bot.domain.reports import PeriodStats, monthly, months_ending, period_stats
from bot.domain.requests import FORMAT_LABELS
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.missions.listing import parse_month
from storage.outbox import Attachment

log = logging.getLogger(__name__)
commands = CommandSet()


STATS_TITLE = "Statistiques de {title} :"

STATS_REQUESTS = "• Demandes reçues en {period} : {count} (dont {cancelled} annulée(s))"

STATS_STAFFED = "• Pourvues : {staffed} sur {considered} ({rate} %), délai médian {delay}"

STATS_NO_STAFFING = "• Pourvues : aucune demande à pourvoir parmi celles reçues en {period}"

STATS_MISSIONS = "• Missions datées de {period} : {missions} ({places} place(s) tenue(s) par {people} personne(s), {hours} de facilitation)"

STATS_BUSIEST = "• Les plus présentes : {busiest}"

STATS_RATING = "• Note moyenne des équipes : {rating} / 5 ({count} note(s))"

STATS_NO_RATING = "• Note moyenne des équipes : pas encore de note"

STATS_FORMATS = "• Formats demandés : {formats}"

STATS_CHART = (
    "Le graphique suit : demandes par mois, taux et délai, missions par format et par direction."
)

STATS_BAD_PERIOD = "« {value} » n'est ni un mois ni une année. Exemples : `{prefix}stats novembre`, `{prefix}stats 2026`."

CHART_TITLE = "{network} — {title}"

UNKNOWN_FORMAT = "format non précisé"
UNKNOWN_DIRECTORATE = "direction non précisée"


@commands.command(
    "stats",
    aliases=("statistics",),
    who=Permission.COORDINATOR,
    summary="les chiffres du mois, d'un autre mois ou d'une année, avec un graphique",
    example="stats novembre",
    params=(Param("periode", Kind.WORD, "mois ou année", optional=True),),
)
async def stats(ctx: Context, periode: str | None = None) -> None:
    """`!stats [mois|année]`: requests, staffing rate and time, missions, rating, formats; a chart."""
    tz = ctx.config.bot.tz
    today = ctx.clock.now().astimezone(tz).date()
    first, following, title, period = _period(ctx, periode, today)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(following, datetime.min.time(), tzinfo=tz)
    last_month = following - timedelta(days=1)
    months = months_ending(last_month.year, last_month.month)
    window_start = datetime.combine(date(*months[0], 1), datetime.min.time(), tzinfo=tz)
    window = await ctx.store.reports.requests_created(window_start, end)
    requests = [r for r in window if start <= r.created_at < end]
    missions = await ctx.store.reports.missions_between(first, last_month)
    figures = period_stats(requests, missions)
    names = await ctx.store.facilitators.names([who for who, _ in figures.busiest])
    text = render_stats(title, period, figures, names)
    await ctx.chat.reply(ctx.event, Rendered.join([text, Rendered.text(STATS_CHART)]))

    from bot.domain.charts import stats_chart

    chart = await asyncio.to_thread(
        stats_chart,
        CHART_TITLE.format(network=ctx.config.network.name, title=title),
        monthly(window, months, tz),
        [(_format(name), n) for name, n in figures.mission_formats],
        [(_directorate(name), n) for name, n in figures.mission_directorates],
    )
    event = ctx.event
    threaded = not event.is_dm or event.thread_root is not None
    await ctx.chat.image(
        Attachment(chart.data, f"statistiques-{first.isoformat()[:7]}.png", "image/png"),
        (chart.width, chart.height),
        key=f"stats-chart:{event.event_id}",
        room_id=event.room_id,
        thread_root=event.conversation_root if threaded else None,
    )


def _period(ctx: Context, word: str | None, today: date) -> tuple[date, date, str, str]:
    """First day, first day after, title (« novembre 2026 ») and how a sentence names it."""
    if word is not None and word.isascii() and word.isdigit() and len(word) == 4:
        year = int(word)
        if not 2000 <= year <= today.year + 1:
            raise UserError(STATS_BAD_PERIOD.format(value=word, prefix=ctx.prefix))
        return date(year, 1, 1), date(year + 1, 1, 1), f"l'année {year}", str(year)
    year, month = today.year, today.month
    if word is not None:
        found = parse_month(word, today)
        if found is None:
            raise UserError(STATS_BAD_PERIOD.format(value=word[:40], prefix=ctx.prefix))
        year, month = found
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    name = f"{wording.MONTHS[month - 1]} {year}"
    return first, following, name, name


def render_stats(title: str, period: str, s: PeriodStats, names: dict[str, str]) -> Rendered:
    """The `!stats` answer, one line per figure."""
    lines = [STATS_TITLE.format(title=title)]
    lines.append(STATS_REQUESTS.format(period=period, count=s.requests, cancelled=s.cancelled))
    if s.staffing_rate is None:
        lines.append(STATS_NO_STAFFING.format(period=period))
    else:
        delay = format_delay(s.median_time_to_staff) if s.median_time_to_staff is not None else "—"
        lines.append(
            STATS_STAFFED.format(
                staffed=s.staffed,
                considered=s.requests - s.cancelled,
                rate=round(100 * s.staffing_rate),
                delay=delay,
            )
        )
    lines.append(
        STATS_MISSIONS.format(
            period=period,
            missions=s.missions,
            places=s.places,
            people=s.facilitators,
            hours=format_hours(s.minutes),
        )
    )
    if s.busiest:
        busiest = ", ".join(f"{names.get(who, who)} ({count})" for who, count in s.busiest)
        lines.append(STATS_BUSIEST.format(busiest=busiest))
    if s.mean_rating is None:
        lines.append(STATS_NO_RATING)
    else:
        rating = f"{s.mean_rating:.1f}".replace(".", ",")
        lines.append(STATS_RATING.format(rating=rating, count=s.ratings))
    formats = ", ".join(f"{_format(name)} {count}" for name, count in s.formats)
    lines.append(STATS_FORMATS.format(formats=formats or "—"))
    return Rendered.text("\n".join(lines))


def _format(name: str) -> str:
    return FORMAT_LABELS.get(name, UNKNOWN_FORMAT if name == "inconnu" else name)


def _directorate(name: str) -> str:
    return UNKNOWN_DIRECTORATE if name == "inconnue" else name


def format_hours(minutes: int) -> str:
    """« 12 h », « 3 h 30 »."""
    whole, rest = divmod(minutes, 60)
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def format_delay(delay: timedelta) -> str:
    """« 3 j 4 h », « 5 h 20 min », « 12 min »."""
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
