"""`!mesdonnees` and `!oubliemoi`: a user's own data, under the RGPD."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from bot.domain.content import Rendered
from bot.domain.schedule import Job
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.jobs import JobContext, JobKinds
from handlers.core.language import Say
from storage.outbox import Attachment
from storage.store import Store

log = logging.getLogger(__name__)
commands = CommandSet()
jobs = JobKinds()


MY_DATA_SUMMARY = "Voici tout ce que Facilibot conserve sur vous : {requests} demande(s), {missions} réponse(s) à des demandes (acceptées, déclinées ou rendues), {pings} sollicitation(s), profil de facilitateur : {profile}. Le détail est dans le fichier joint (JSON)."

MY_DATA_SENT = "Je vous ai envoyé vos données en message privé."

FORGET_ASK = "`{prefix}oubliemoi` efface votre profil de facilitateur et vos absences, et remplace votre identifiant par un pseudonyme dans l'historique des demandes et des missions. C'est définitif. Pour confirmer : `{prefix}oubliemoi confirmer`."

FORGET_BAD_WORD = (
    "Pour confirmer, tapez exactement `{prefix}oubliemoi confirmer` (et non « {word} »)."
)

FORGET_HAS_MISSIONS = "Vous avez encore {count} mission(s) à venir : désistez-vous d'abord (`{prefix}missions` pour les voir), puis recommencez."

FORGOTTEN = "C'est fait : votre profil est effacé et votre historique est pseudonymisé. Merci pour votre engagement dans le réseau."

FORGOTTEN_REQUESTER = "C'est fait : votre identifiant est remplacé par un pseudonyme dans l'historique de vos demandes."

FORGET_ASK_REQUESTER = "`{prefix}oubliemoi` remplace votre identifiant par un pseudonyme dans l'historique de vos demandes. C'est définitif. Pour confirmer : `{prefix}oubliemoi confirmer`."


CONFIRM_WORD = "confirmer"


@commands.command(
    "mesdonnees",
    aliases=("mydata",),
    summary=Say(
        "recevoir en message privé tout ce que le bot conserve sur vous",
        "receive in a private message everything the bot keeps about you",
    ),
    example="mesdonnees",
)
async def my_data(ctx: Context) -> None:
    """`!mesdonnees`: everything stored about the sender, as a JSON file in their DM."""
    data = await ctx.store.privacy.export(ctx.sender)
    counts = {name: len(rows) for name, rows in data.items() if isinstance(rows, list)}
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    key = f"mydata:{ctx.event.event_id}"
    summary = MY_DATA_SUMMARY.format(
        requests=counts["demandes"],
        missions=counts["missions"],
        pings=counts["sollicitations"],
        profile="oui" if counts["profil"] else "non",
    )
    await ctx.chat.dm(ctx.sender, Rendered.text(summary), key=f"{key}:text", notice=True)
    await ctx.chat.file(
        Attachment(payload, "mes-donnees-facilibot.json", "application/json"),
        key=f"{key}:file",
        dm_user=ctx.sender,
    )
    if not ctx.event.is_dm:
        await ctx.chat.reply(ctx.event, Rendered.text(MY_DATA_SENT))


@commands.command(
    "oubliemoi",
    aliases=("forgetme",),
    summary=Say(
        "effacer votre profil et pseudonymiser votre historique (avec confirmation)",
        "erase your profile and pseudonymise your history (with confirmation)",
    ),
    example="oubliemoi confirmer",
    params=(Param("confirmation", Kind.WORD, "confirmer", optional=True),),
)
async def forget_me(ctx: Context, confirmation: str | None = None) -> None:
    """`!oubliemoi confirmer`: erase the profile, pseudonymize the history."""
    prefix = ctx.config.bot.command_prefix
    in_network = await ctx.store.facilitators.get(ctx.sender) is not None
    if confirmation is None:
        ask = FORGET_ASK if in_network else FORGET_ASK_REQUESTER
        await ctx.chat.reply(ctx.event, Rendered.text(ask.format(prefix=prefix)))
        return
    if confirmation.lower() != CONFIRM_WORD:
        raise UserError(FORGET_BAD_WORD.format(word=confirmation[:40], prefix=prefix))
    accepted = await ctx.store.missions.count_open_of(ctx.sender)
    if accepted:
        raise UserError(FORGET_HAS_MISSIONS.format(count=accepted, prefix=prefix))
    await ctx.store.forget(ctx.sender)
    done = FORGOTTEN if in_network else FORGOTTEN_REQUESTER
    await ctx.chat.reply(ctx.event, Rendered.text(done))


async def apply_retention(store: Store, months: int, now: datetime) -> int:
    """Purge closed requests older than `months` (a month counted as 30 days)."""
    if months <= 0:
        return 0
    return await store.privacy.purge_closed(now - timedelta(days=30 * months))


# -- retention, once a day on the persistent schedule ---------------------------------------------

RETENTION = "retention"
RETENTION_EVERY = timedelta(days=1)


async def plan_retention(store: Store, now: datetime) -> None:
    """Make sure tomorrow's purge is planned (once: a pending one is kept)."""
    planned = await store.jobs.for_target(RETENTION, (RETENTION,))
    if not any(job.state == "pending" for job in planned):
        await store.jobs.create(
            kind=RETENTION, target=RETENTION, due_at=now + RETENTION_EVERY, at=now
        )


async def fire_retention(ctx: JobContext, job: Job) -> None:
    """The daily purge of old closed requests; it plans the next one."""
    now = ctx.clock.now()
    await apply_retention(ctx.store, ctx.config.storage.retention_months, now)
    # This job is being settled: the next one goes beside it.
    await ctx.store.jobs.create(
        kind=RETENTION, target=RETENTION, due_at=now + RETENTION_EVERY, at=now
    )


jobs.add(RETENTION, fire_retention, grace=None, supersede=True)
