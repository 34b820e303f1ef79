"""`!langue en|fr`: the language the bot writes to a person in, for good."""

from __future__ import annotations

from bot.domain.content import Rendered
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.language import LANGUAGES, Say

commands = CommandSet()

# Both languages in one line, whatever the reader's: they may not read the other one.
SET = {
    "fr": "Désormais, je vous écris en français. (To switch back to English: `{prefix}langue en`.)",
    "en": "From now on, I will write to you in English. (Pour revenir au français : `{prefix}langue fr`.)",
}

CURRENT = Say(
    "Je vous écris en français. Pour passer à l'anglais : `{prefix}langue en`.",
    "I write to you in English. To switch to French: `{prefix}langue fr`.",
)

UNKNOWN_LANGUAGE = Say(
    "Je parle français et anglais : tapez `{prefix}langue fr` ou `{prefix}langue en`.",
    "I speak French and English: type `{prefix}langue en` or `{prefix}langue fr`.",
)

# What people type for each language.
_NAMES = {
    "fr": "fr",
    "francais": "fr",
    "français": "fr",
    "french": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
    "gb": "en",
    "uk": "en",
}


@commands.command(
    "langue",
    aliases=("language", "lang"),
    summary=Say("la langue dans laquelle je vous écris", "the language I write to you in"),
    example="langue en",
    params=(Param("langue", Kind.WORD, "fr ou en", optional=True),),
)
async def set_language_command(ctx: Context, langue: str | None) -> None:
    """`!langue en`: write to this person in English from now on (`!langue` alone: which)."""
    if langue is None:
        await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(CURRENT, prefix=ctx.prefix)))
        return
    lang = _NAMES.get(langue.lower())
    if lang is None:
        raise UserError(UNKNOWN_LANGUAGE, prefix=ctx.prefix)
    await set_language(ctx, lang)


async def set_language(ctx: Context, lang: str) -> None:
    """Keep `lang` as the person's chosen language, and say so in it."""
    assert lang in LANGUAGES
    await ctx.store.languages.set(ctx.sender, lang, chosen=True, at=ctx.clock.now())
    ctx.lang = lang
    await ctx.chat.reply(ctx.event, Rendered.text(SET[lang].format(prefix=ctx.prefix)))
