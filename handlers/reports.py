"""`!stats`: what the network did this month (coordinators)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.domain.content import Rendered
from bot.domain.reports import PeriodStats, period_stats
from bot.domain.requests import FORMAT_LABELS
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.missions.listing import parse_month

commands = CommandSet()


STATS_TITLE = "Statistiques de {title} :"

STATS_REQUESTS = "• Demandes reçues : {count} (dont {cancelled} annulée(s))"

STATS_STAFFED = "• Pourvues : {staffed} sur {considered} ({rate} %), en {delay} (médiane)"

STATS_NO_STAFFING = "• Pourvues : aucune demande à pourvoir ce mois-ci"

STATS_MISSIONS = (
    "• Missions : {missions}, par {people} personne(s) ; les plus présentes : {busiest}"
)

STATS_RATING = "• Note moyenne des demandeurs : {rating} / 5"

STATS_NO_RATING = "• Note moyenne des demandeurs : pas encore de note"

STATS_FORMATS = "• Formats demandés : {formats}"

STATS_BAD_MONTH = "« {value} » n'est pas un mois. Exemple : `{prefix}stats novembre`."


@commands.command(
    "stats",
    aliases=("statistics",),
    who=Permission.COORDINATOR,
    summary="les chiffres du mois (ou d'un autre mois) : demandes, taux et délai, missions",
    example="stats novembre",
    params=(Param("mois", Kind.WORD, "mois", optional=True),),
)
async def stats(ctx: Context, mois: str | None = None) -> None:
    """`!stats [mois]`: requests, staffing rate and time, missions, rating, formats."""
    tz = ctx.config.bot.tz
    today = ctx.clock.now().astimezone(tz).date()
    year, month = today.year, today.month
    if mois is not None:
        found = parse_month(mois, today)
        if found is None:
            prefix = ctx.config.bot.command_prefix
            raise UserError(STATS_BAD_MONTH.format(value=mois[:40], prefix=prefix))
        year, month = found
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(following, datetime.min.time(), tzinfo=tz)
    requests = await ctx.store.reports.requests_created(start, end)
    missions = await ctx.store.reports.missions_between(first, following - timedelta(days=1))
    figures = period_stats(requests, missions)
    title = f"{wording.MONTHS[month - 1]} {year}"
    await ctx.chat.reply(ctx.event, render_stats(title, figures))


def render_stats(title: str, s: PeriodStats) -> Rendered:
    """The `!stats` answer, one line per figure."""
    lines = [STATS_TITLE.format(title=title)]
    lines.append(STATS_REQUESTS.format(count=s.requests, cancelled=s.cancelled))
    if s.staffing_rate is None:
        lines.append(STATS_NO_STAFFING)
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
    busiest = ", ".join(f"{who} ({count})" for who, count in s.busiest) or "—"
    lines.append(STATS_MISSIONS.format(missions=s.missions, people=s.facilitators, busiest=busiest))
    rating = (
        STATS_RATING.format(rating=f"{s.mean_rating:.1f}".replace(".", ","))
        if s.mean_rating is not None
        else STATS_NO_RATING
    )
    lines.append(rating)
    formats = ", ".join(f"{FORMAT_LABELS.get(name, name)} {count}" for name, count in s.formats)
    lines.append(STATS_FORMATS.format(formats=formats or "—"))
    return Rendered.text("\n".join(lines))


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
