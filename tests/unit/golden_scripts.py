"""What each role does with the bot, command by command and outcome by outcome.

Each script plays one person's side against a fresh world (`golden.Session`):
every command they may run, each of its successes and refusals, and what the
others are told. `!stats` is left out: its figures are tested on their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.core.commands import Permission
from handlers.features import COMMANDS
from tests.unit.golden import (
    ALICE,
    CLAIRE,
    KARIM,
    LEA,
    PAUL_D,
    PAUL_M,
    SAM,
    SOPHIE,
    ZOE,
    Session,
)

SEMINAR = "On cherche 2 facilitateurs pour un séminaire le 12 mars 2027 de 9h à 12h30 à Bercy."
WORKSHOP = "Besoin d'une personne pour animer un atelier le 14 janvier 2027 de 14h à 16h à Paris."
VAGUE = "Bonjour, on aurait besoin d'un facilitateur pour un atelier en janvier."


async def _requests(s: Session) -> None:
    """Alice's three requests: #1 a seminar for two, #2 a workshop for one, #3 incomplete."""
    s.quiet()
    await s.say(ALICE, SEMINAR)
    await s.say(ALICE, WORKSHOP)
    await s.say(ALICE, VAGUE)
    s.quiet(False)


async def requester(s: Session) -> None:
    """Alice Bernard asks the network for facilitators (she is not in the directory)."""
    s.section("Aide")
    await s.say(ALICE, "!aide")
    await s.say(ALICE, "!aide tout")
    await s.say(ALICE, "!aide demande")
    await s.say(ALICE, "!help status")
    await s.say(ALICE, "!aide stat")
    await s.say(ALICE, "!aide frobnique")

    s.section("Déposer une demande")
    await s.say(ALICE, SEMINAR)
    await s.say(ALICE, VAGUE)
    await s.say(ALICE, "le 14 janvier 2027 de 14h à 16h à Lyon", thread_of=2)
    await s.say(ALICE, "merci !", thread_of=2)
    await s.say(
        ALICE, "!demande un temps d'échange pour l'équipe RH le 12 février 2027 à 14h à Lyon"
    )
    await s.say(ALICE, "!demande un atelier le 3 novembre 2026 à 14h à Paris")
    await s.say(ALICE, "!demande")

    s.section("Où en sont mes demandes")
    await s.say(ALICE, "!demandes")
    await s.say(ALICE, "!demandes pourvues")
    await s.say(ALICE, "!demandes mars")
    await s.say(ALICE, "!demandes toutes")
    await s.say(ALICE, "!demandes n'importe")
    await s.say(ALICE, "!statut 1")
    await s.say(ALICE, "!statut #99")
    await s.say(ALICE, "!statut quarante")
    await s.say(ALICE, "qui facilite ?", thread_of=1)

    s.section("Des facilitatrices et facilitateurs répondent")
    await s.say(LEA, "!accepte 1")
    await s.say(KARIM, "!accepte 1")
    await s.say(ALICE, "!statut 1")
    await s.say(KARIM, "!desiste 1")
    await s.say(ALICE, "!demandes")

    s.section("Annuler")
    await s.say(ALICE, "je voudrais annuler", thread_of=2)
    await s.say(ALICE, "!annule 2")
    await s.say(ALICE, "!annule 2")
    s.quiet()
    await s.say(ZOE, "!demande un atelier le 20 janvier 2027 de 10h à 12h à Paris")
    s.quiet(False)
    await s.say(ALICE, "!annule 4")
    await s.say(ALICE, "!annule 1")

    s.section("Après la mission")
    await s.say(ALICE, "!avis 3 5 très bien")
    s.quiet()
    await s.say(CLAIRE, "!cloture 3")
    s.quiet(False)
    await s.say(ALICE, "!avis 3 5 très bien")
    await s.say(ALICE, "!avis 2 4")
    await s.say(ALICE, "!avis 5 4")
    await s.say(ALICE, "!avis 4 9 super")

    s.section("Ce qui est réservé à d'autres")
    await _refused(s, ALICE)

    s.section("Mes données")
    await s.say(ALICE, "!mesdonnees")
    await s.say(ALICE, "!oubliemoi")
    await s.say(ALICE, "!oubliemoi non")
    await s.say(ALICE, "!oubliemoi confirmer")


async def facilitator(s: Session) -> None:
    """Léa Dubois, facilitator in Paris (seminars, workshops)."""
    await _requests(s)
    s.quiet()
    await s.say(CLAIRE, "!evenement Plénière des facilitateurs le 7 décembre 2026 à 14h à Bercy")
    s.quiet(False)

    s.section("Aide")
    await s.say(LEA, "!aide")
    await s.say(LEA, "bonjour", where="dm")
    await s.say(LEA, "dispo !", where="dm")

    s.section("La bourse aux missions")
    await s.say(LEA, "!demandes")
    await s.say(LEA, "!demandes pourvues")
    await s.say(LEA, "!statut 1")

    s.section("Accepter, décliner, se désister")
    await s.say(LEA, "!accepte 1")
    await s.say(LEA, "!accepte 1")
    await s.say(LEA, "!refuse 1")
    await s.say(LEA, "!desiste 1")
    await s.say(LEA, "!desiste 1")
    await s.say(LEA, "!refuse 2")
    await s.say(LEA, "!refuse 2")
    await s.say(LEA, "!accepte 99")
    await s.say(LEA, "!accepte 3")
    await s.say(KARIM, "!accepte 2")
    await s.say(LEA, "!accepte 2")

    s.section("Absences")
    await s.say(LEA, "!absent du 10/03/2027 au 15/03/2027")
    await s.say(LEA, "!absent du 10/03/2027 au 15/03/2027")
    await s.say(LEA, "!accepte 1")
    await s.say(LEA, "!present")
    await s.say(LEA, "!present")
    await s.say(LEA, "!absent hier")
    await s.say(LEA, "!absent quand ça me chante")
    await s.say(LEA, "!accepte 1")

    s.section("Mes missions")
    await s.say(LEA, "!missions")
    await s.say(LEA, "!missions passées")
    await s.say(LEA, "!missions demain")

    s.section("Mon profil")
    await s.say(LEA, "!profil")
    await s.say(LEA, "!profil site Lyon")
    await s.say(LEA, "!profil site Lyon")
    await s.say(LEA, "!profil couleur bleu")
    await s.say(LEA, "!profil plafond")
    await s.say(LEA, "!profil distanciel peut-être")
    await s.say(LEA, "!pause")
    await s.say(LEA, "!pause")
    await s.say(LEA, "!reprise")
    await s.say(LEA, "!reprise")

    s.section("Événements du réseau")
    await s.say(LEA, "!participe 1")
    await s.say(LEA, "!participe 1")
    await s.say(LEA, "!participe 9")
    await s.say(LEA, "!participe abc")

    s.section("Après la mission")
    await s.say(LEA, "!temps 1 3h30")
    await s.say(LEA, "!temps 2 3h")
    await s.say(LEA, "!temps 1 longtemps")
    await s.say(LEA, "!avis 1 4")
    await s.say(LEA, "!annule 1")
    s.advance(days=120)
    await s.say(LEA, "!temps 1 3h30")
    await s.say(LEA, "!missions")
    await s.say(LEA, "!missions past")
    await s.say(ALICE, "!avis 1 5 très bonne séance")
    await s.say(CLAIRE, "!cloture 1")

    s.section("Ce qui est réservé à d'autres")
    await _refused(s, LEA)

    s.section("Mes données")
    await s.say(LEA, "!mesdonnees", where="dm")
    await s.say(LEA, "!oubliemoi confirmer")


async def coordinator(s: Session) -> None:
    """Claire Morel, coordinator of the network (not in the directory)."""
    await _requests(s)

    s.section("Aide")
    await s.say(CLAIRE, "!aide")
    await s.say(CLAIRE, "!aide tout")
    await s.say(CLAIRE, "!aide assign")

    s.section("Voir les demandes")
    await s.say(CLAIRE, "!demandes")
    await s.say(CLAIRE, "!demandes toutes")
    await s.say(CLAIRE, "!demandes annulées")
    await s.say(CLAIRE, "!statut 1")
    await s.say(CLAIRE, "!candidats 1")
    await s.say(CLAIRE, "!candidats 3")
    await s.say(CLAIRE, "!candidats 99")

    s.section("Affecter et retirer")
    await s.say(CLAIRE, f"!assigne 1 {LEA}")
    await s.say(CLAIRE, f"!assigne 1 {LEA}")
    await s.say(CLAIRE, "!assigne 1 Karim Benali", mentions=(KARIM,))
    await s.say(CLAIRE, f"!assigne 1 {PAUL_M}")
    await s.say(CLAIRE, "!assigne 2 Paul")
    await s.say(CLAIRE, "!assigne 2 Durand")
    await s.say(CLAIRE, "!assigne 2 Personne")
    await s.say(CLAIRE, f"!assigne 2 {ZOE}")
    await s.say(CLAIRE, f"!retire 1 {LEA}")
    await s.say(CLAIRE, f"!retire 1 {LEA}")
    await s.say(CLAIRE, "!retire 1 Karim")
    await s.say(CLAIRE, "!retire 1")

    s.section("Clore et annuler")
    await s.say(CLAIRE, "!cloture 2")
    await s.say(CLAIRE, "!cloture 2")
    await s.say(CLAIRE, "!cloture 3")
    await s.say(CLAIRE, "!demandes toutes")
    await s.say(CLAIRE, "!assigne 1 Sophie Leroy")
    await s.say(CLAIRE, "!assigne 1 lea")
    await s.say(CLAIRE, "!annule 1")
    await s.say(CLAIRE, "!annule 1")
    await s.say(CLAIRE, "!accepte 1")

    s.section("Événements du réseau")
    await s.say(CLAIRE, "!evenement Plénière des facilitateurs le 7 décembre 2026 à 14h à Bercy")
    await s.say(CLAIRE, "!evenement Plénière des facilitateurs à Bercy")
    await s.say(CLAIRE, "!evenement Plénière le 3 novembre 2026 à 14h")
    await s.say(LEA, "!participe 1")
    await s.say(CLAIRE, "!evenements")
    await s.say(CLAIRE, "!evenement annule 1")
    await s.say(CLAIRE, "!evenement annule 1")
    await s.say(CLAIRE, "!evenements")

    s.section("Quelqu'un veut rejoindre le réseau")
    await s.say(ZOE, "Bonjour, comment rejoindre le réseau des facilitateurs ?", where="dm")

    s.section("Ses propres données")
    await s.say(CLAIRE, "!mesdonnees")


async def outsider(s: Session) -> None:
    """Zoé Petit: not in the directory, no request of her own. (No referent role exists yet.)"""
    await _requests(s)

    s.section("Aide")
    await s.say(ZOE, "!aide")
    await s.say(ZOE, "bonjour", where="dm")
    await s.say(ZOE, "Je voudrais rejoindre le réseau des facilitateurs", where="dm")
    await s.say(ZOE, "aide")

    s.section("Les demandes des autres")
    await s.say(ZOE, "!demandes")
    await s.say(ZOE, "!statut 1")
    await s.say(ZOE, "!annule 1")
    await s.say(ZOE, "!avis 1 5")
    await s.say(ZOE, "je peux venir aussi", thread_of=1)

    s.section("Ce qui est réservé à d'autres")
    await _refused(s, ZOE)

    s.section("Chaque commande et chaque alias, sans argument")
    for command in COMMANDS:
        if command.name == "stats":
            continue
        for name in (command.name, *command.aliases):
            await s.say(ZOE, f"!{name}")

    s.section("Mes données")
    await s.say(ZOE, "!mesdonnees", where="dm")
    await s.say(ZOE, "!oubliemoi confirmer")


async def _refused(s: Session, who: str) -> None:
    """The commands of the roles `who` does not have, with their example."""
    may_facilitate = who in (LEA, KARIM, PAUL_M, PAUL_D, SOPHIE, CLAIRE)
    for command in COMMANDS:
        if command.name == "stats":
            continue
        if command.permission is Permission.FACILITATOR and may_facilitate:
            continue
        if command.permission is Permission.COORDINATOR and who == CLAIRE:
            continue
        if command.permission is Permission.ANYONE:
            continue
        await s.say(who, "!" + command.example)


async def english_speaker(s: Session) -> None:
    """Sam Taylor writes in English, from the first request to its cancellation."""
    s.section("Help")
    await s.say(SAM, "hello, how do I ask for a facilitator?", where="dm")
    await s.say(SAM, "!help")

    s.section("A request")
    await s.say(
        SAM,
        "Hi all, we're looking for two facilitators for a seminar on 12 March 2027, "
        "9am to 12:30pm at Bercy, about 30 people.",
    )
    await s.say(SAM, "Hello, we'd need someone for a workshop in January")
    await s.say(SAM, "on 14 January 2027 from 2pm to 4pm in Paris", thread_of=2)
    await s.say(SAM, "actually we'll be 25", thread_of=1)
    await s.say(SAM, "the room is 3034, second floor", thread_of=1)
    await s.say(SAM, "thanks!", thread_of=1)

    s.section("Where it stands")
    await s.say(SAM, "!status 1")
    await s.say(SAM, "!requests")
    await s.say(SAM, "who is facilitating?", thread_of=1)
    await s.say(LEA, "!accepte 1")
    await s.say(KARIM, "!accepte 1")
    await s.say(KARIM, "!desiste 1")
    await s.say(SAM, "!stauts 1")

    s.section("Cancelling")
    await s.say(SAM, "we have to cancel this one, sorry", thread_of=2)
    await s.say(SAM, "no, keep it", thread_of=2)
    await s.say(SAM, "we have to cancel after all", thread_of=2)
    await s.say(SAM, "yes", thread_of=2)
    await s.say(SAM, "!cancel 99")

    s.section("Language")
    await s.say(SAM, "!langue")
    await s.say(SAM, "!langue fr")
    await s.say(SAM, "!statut 1")
    await s.say(SAM, "!language english")


async def referent(s: Session) -> None:
    """Sophie Leroy is the referent of Île-de-France: its requests come to her first."""
    s.section("Une demande de sa région arrive")
    await s.say(ALICE, SEMINAR)
    await s.say(ALICE, WORKSHOP)
    await s.say(ALICE, "!statut 1")

    s.section("Qualifier, orienter")
    await s.say(SOPHIE, "!aide")
    await s.say(KARIM, "!qualifie 1")
    await s.say(SOPHIE, "!qualifie 99")
    await s.say(SOPHIE, "!qualifie 1 atelier 1")
    await s.say(SOPHIE, "!qualifie 1")
    await s.say(
        SOPHIE,
        "!oriente 2 un accompagnement en coaching d'équipe conviendra mieux : je vous appelle",
        where="dm",
    )
    await s.say(SOPHIE, "!oriente 2 autre chose")

    s.section("La coordination suit")
    await s.say(
        ALICE, "Besoin d'une facilitation pour une réunion le 20 janvier 2027 à 10h à Paris."
    )
    await s.say(CLAIRE, "!demandes à qualifier")
    await s.say(CLAIRE, "!statut 3")
    s.advance(days=3)
    await s.say(CLAIRE, "!demandes à qualifier")


# More configuration for a role's world.
CONFIGS: dict[str, dict[str, dict]] = {
    "referent": {
        "workflow": {"qualification": "referents"},
        "referents": {"Île-de-France": [SOPHIE]},
    },
}

SCRIPTS: dict[str, Callable[[Session], Awaitable[None]]] = {
    "demandeur": requester,
    "facilitateur": facilitator,
    "coordination": coordinator,
    "hors_reseau": outsider,
    "anglophone": english_speaker,
    "referent": referent,
}
