"""Self-service profile commands, room members' enrollment and the roster import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.profiles import Facilitator
from bot.domain.roster import parse_roster
from handlers.core.chat import OutboxChat
from handlers.enrollment import enroll_members, import_roster
from tests.unit.conftest import COORDINATOR, FACILITATOR, REQUESTER, answers, message

HEADER = (
    "matrix_id,display_name,site,region,directorate,cohort,skills,languages,remote_ok,"
    "max_missions_per_month\n"
)
SERVER = "agent.finances.tchap.gouv.fr"


async def say(dispatcher, store, body: str, sender: str = FACILITATOR) -> tuple[str, str]:
    """Send one message; return the outcome and the (last) answer."""
    before = len(await answers(store))
    outcome = await dispatcher.handle(message(body, sender=sender), "dm")
    sent = await answers(store)
    assert len(sent) == before + 1, sent[before:]
    return outcome, sent[-1]


async def stored(store) -> Facilitator:
    profile = await store.facilitators.get(FACILITATOR)
    assert profile is not None
    return profile


# -- !profil -------------------------------------------------------------------------------------


async def test_profile_shows_every_field_with_defaults(dispatcher, store, clock):
    await store.facilitators.upsert(
        Facilitator(
            FACILITATOR, display_name="Fanny", site="Lyon", region="Auvergne-Rhône-Alpes", cohort=4
        ),
        at=clock.now(),
    )
    await store.absences.add(FACILITATOR, date(2026, 12, 20), date(2027, 1, 4))
    await store.absences.add(FACILITATOR, date(2026, 1, 1), date(2026, 1, 2))  # over
    outcome, text = await say(dispatcher, store, "!profil")
    assert outcome == "command:profil"
    assert text.startswith("Votre profil (Fanny) :")
    for line in (
        "• site : Lyon",
        "• région : Auvergne-Rhône-Alpes",
        "• direction : non renseigné",
        "• promotion : P4",
        "• compétences : non renseigné",
        "• distanciel : non",
        "• plafond : pas de plafond",
        "• fuseau : Europe/Paris (par défaut)",
        "• état : disponible pour des missions",
        "• absences : du dimanche 20 décembre 2026 au lundi 4 janvier 2027",
    ):
        assert line in text
    assert "2026, 1" not in text and "janvier 2026" not in text


async def test_a_facilitator_without_a_profile_gets_an_empty_one(dispatcher, store):
    _, text = await say(dispatcher, store, "!profile")
    assert "• site : non renseigné" in text
    assert await store.facilitators.get(FACILITATOR) is not None


async def test_someone_outside_the_network_is_refused_and_nothing_is_stored(dispatcher, store):
    outcome, text = await say(dispatcher, store, "!profil site Lyon", sender=REQUESTER)
    assert outcome == "refused"
    assert "réservée aux facilitatrices et facilitateurs" in text
    outcome, text = await say(dispatcher, store, "!profil", sender=COORDINATOR)
    assert outcome == "refused"
    assert "pas dans l'annuaire" in text
    assert await store.facilitators.count() == 0


@pytest.mark.parametrize(
    ("command", "field", "value", "answer"),
    [
        (
            "!profil site lyon",
            "site",
            "Lyon",
            "C'est noté : site : non renseigné → Lyon ; "
            "région : non renseigné → Auvergne-Rhône-Alpes.",
        ),
        ("!profil région Occitanie", "region", "Occitanie", "région : non renseigné → Occitanie"),
        ("!profil direction douane", "directorate", "DGDDI", "direction : non renseigné → DGDDI"),
        (
            "!profil competences atelier, codev",
            "skills",
            ("atelier", "codeveloppement"),
            "compétences : non renseigné → atelier, codéveloppement",
        ),
        ("!profil langues fr, en", "languages", ("fr", "en"), "langues : non renseigné → fr, en"),
        ("!profil distanciel oui", "remote_ok", True, "distanciel : non → oui"),
        ("!profile remote yes", "remote_ok", True, "distanciel : non → oui"),
        (
            "!profil plafond 2",
            "max_missions_per_month",
            2,
            "plafond : pas de plafond → 2 missions par mois au plus",
        ),
        (
            "!profil fuseau America/Cayenne",
            "timezone",
            "America/Cayenne",
            "fuseau : Europe/Paris (par défaut) → America/Cayenne",
        ),
    ],
)
async def test_each_field_change_says_exactly_what_changed(
    dispatcher, store, command, field, value, answer
):
    outcome, text = await say(dispatcher, store, command)
    assert outcome == "command:profil"
    assert answer in text
    assert getattr(await stored(store), field) == value


async def test_the_same_value_again_changes_nothing_and_says_so(dispatcher, store):
    await say(dispatcher, store, "!profil distanciel oui")
    before = await stored(store)
    _, text = await say(dispatcher, store, "!profil distanciel yes")
    assert text == "Rien n'a changé : votre profil l'indiquait déjà (distanciel : oui)."
    assert (await stored(store)).updated_at == before.updated_at


async def test_a_field_can_be_cleared(dispatcher, store):
    await say(dispatcher, store, "!profil plafond 2")
    await say(dispatcher, store, "!profil fuseau America/Cayenne")
    _, text = await say(dispatcher, store, "!profil plafond aucun")
    assert "plafond : 2 missions par mois au plus → pas de plafond" in text
    _, text = await say(dispatcher, store, "!profil fuseau défaut")
    assert "fuseau : America/Cayenne → Europe/Paris (par défaut)" in text
    profile = await stored(store)
    assert profile.max_missions_per_month is None and profile.timezone is None


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("!profil competences atelier, yoga", "Compétence inconnue « yoga »"),
        ("!profil fuseau Mars/Olympus", "Fuseau horaire inconnu « Mars/Olympus »"),
        ("!profil distanciel bof", "« bof » : répondez oui ou non."),
        ("!profil plafond 0", "Plafond « 0 » invalide"),
        ("!profil région Narnia", "Région inconnue « Narnia »"),
        ("!profil couleur bleu", "Je ne connais pas le champ « couleur »"),
        ("!profil site", "Il manque la valeur"),
    ],
)
async def test_bad_values_are_refused_and_change_nothing(dispatcher, store, command, expected):
    await say(dispatcher, store, "!profil site Paris")
    before = await stored(store)
    outcome, text = await say(dispatcher, store, command)
    assert outcome == "refused"
    assert expected in text
    assert "rien n'a changé" in text.lower()
    assert await stored(store) == before


# -- absences, pause -----------------------------------------------------------------------------


async def test_absent_then_present(dispatcher, store):
    outcome, text = await say(dispatcher, store, "!absent du 20/12 au 04/01")
    assert outcome == "command:absent"
    assert text.startswith(
        "C'est noté : absence du dimanche 20 décembre 2026 au lundi 4 janvier 2027."
    )
    assert await store.absences.of(FACILITATOR) == [(date(2026, 12, 20), date(2027, 1, 4))]
    _, text = await say(dispatcher, store, "!away from 20/12 to 04/01")
    assert "était déjà enregistrée : rien n'a changé" in text
    await say(dispatcher, store, "!absent le 24/02")
    _, text = await say(dispatcher, store, "!present")
    assert text.startswith(
        "C'est noté : j'ai retiré votre absence du dimanche 20 décembre 2026 au lundi "
        "4 janvier 2027 et votre absence le mercredi 24 février 2027."
    )
    assert await store.absences.of(FACILITATOR) == []
    _, text = await say(dispatcher, store, "!back")
    assert text == "Vous n'aviez aucune absence en cours ou à venir : rien n'a changé."


async def test_present_keeps_absences_already_over(dispatcher, store, clock):
    await store.facilitators.enroll(FACILITATOR, "", at=clock.now())
    await store.absences.add(FACILITATOR, date(2026, 11, 1), date(2026, 11, 2))
    await store.absences.add(FACILITATOR, date(2026, 11, 28), date(2026, 11, 30))
    _, text = await say(dispatcher, store, "!présent")
    assert "du samedi 28 novembre 2026 au lundi 30 novembre 2026" in text
    assert await store.absences.of(FACILITATOR) == [(date(2026, 11, 1), date(2026, 11, 2))]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("!absent du 10/12 au 05/12", "La fin (05/12/2026) est avant le début (10/12/2026)."),
        ("!absent du 01/11/2026 au 05/11/2026", "Cette période est déjà passée"),
        ("!absent demain", "Je n'ai pas compris les dates"),
        ("!absent du 31/02 au 03/03", "« 31/02 » n'est pas une date"),
        ("!absent", "Il manque : période."),
    ],
)
async def test_bad_absences_are_refused(dispatcher, store, command, expected):
    outcome, text = await say(dispatcher, store, command)
    assert outcome == "refused"
    assert expected in text
    assert await store.absences.of(FACILITATOR) == []


async def test_absence_dates_are_read_in_the_facilitators_time_zone(dispatcher, store, clock):
    # 29 Nov 2026 00:30 UTC is still 28 Nov in Cayenne (UTC-3).
    clock.set(clock.now().replace(hour=0, minute=30))
    await store.facilitators.enroll(FACILITATOR, "", at=clock.now())
    await store.facilitators.update(FACILITATOR, timezone="America/Cayenne", at=clock.now())
    _, text = await say(dispatcher, store, "!absent le 28/11")
    assert "samedi 28 novembre 2026" in text


async def test_pause_and_resume(dispatcher, store):
    outcome, text = await say(dispatcher, store, "!pause")
    assert outcome == "command:pause"
    assert text.startswith("C'est noté : vous êtes en pause")
    assert not (await stored(store)).active
    _, text = await say(dispatcher, store, "!suspend")
    assert text.startswith("Vous étiez déjà en pause : rien n'a changé.")
    _, text = await say(dispatcher, store, "!reprise")
    assert text == "C'est noté : vous êtes de nouveau disponible pour des missions."
    assert (await stored(store)).active
    _, text = await say(dispatcher, store, "!resume")
    assert text == "Vous étiez déjà disponible pour des missions : rien n'a changé."


# -- members of the facilitators room ------------------------------------------------------------


async def test_members_without_a_profile_are_enrolled_and_invited_once(store, clock):
    await store.facilitators.upsert(Facilitator(f"@known:{SERVER}", site="Paris"), at=clock.now())
    members = {f"@known:{SERVER}": "Known", f"@new:{SERVER}": "Nina Dupont [Finances]"}
    chat = OutboxChat(store.outbox, clock)
    assert await enroll_members(store, chat, clock, members, prefix="!") == [f"@new:{SERVER}"]
    assert await enroll_members(store, chat, clock, members, prefix="!") == []
    [invitation] = await store.outbox.pending()
    assert invitation.dm_user == f"@new:{SERVER}"
    assert invitation.key == f"profile-invite:@new:{SERVER}"
    assert invitation.content["msgtype"] == "m.text"
    assert invitation.content["body"].startswith(
        "Bonjour Nina Dupont ! Vous faites partie du réseau"
    )
    assert "`!profil site Lyon`" in invitation.content["body"]
    profile = await store.facilitators.get(f"@new:{SERVER}")
    assert profile is not None and profile.display_name == "Nina Dupont" and profile.site is None


# -- roster import -------------------------------------------------------------------------------


ROSTER = HEADER + (
    f"@claire:{SERVER},Claire Martin,Lyon,,DGFiP,3,atelier;codev,fr;en,yes,2\n"
    f"@bob:{SERVER},Bob,Paris,,,12,seminaire,fr,no,\n"
    "not-an-id,X,,,,,,,,\n"
)


async def test_import_adds_then_changes_nothing_then_updates(store, clock):
    first = await import_roster(store, parse_roster(ROSTER), at=clock.now())
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    assert first.rejected == (
        "ligne 4 : « not-an-id » n'est pas un identifiant Matrix (attendu : "
        "@prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr).",
    )
    assert (
        first.summary() == "Import terminé : 2 ajouté(s), 0 mis à jour, 1 rejeté(s), 0 inchangé(s)."
    )
    claire = await store.facilitators.get(f"@claire:{SERVER}")
    assert claire is not None
    assert claire.skills == ("atelier", "codeveloppement") and claire.remote_ok
    assert claire.region == "Auvergne-Rhône-Alpes"
    again = await import_roster(store, parse_roster(ROSTER), at=clock.now() + timedelta(hours=1))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert await store.facilitators.get(f"@claire:{SERVER}") == claire
    moved = ROSTER.replace("Claire Martin,Lyon", "Claire Martin,Lille")
    third = await import_roster(store, parse_roster(moved), at=clock.now())
    assert (third.added, third.updated, third.unchanged) == (0, 1, 1)
    claire = await store.facilitators.get(f"@claire:{SERVER}")
    assert claire is not None and claire.site == "Lille" and claire.region == "Hauts-de-France"


async def test_reimport_keeps_profile_edits_the_roster_did_not_change(dispatcher, store, clock):
    roster = HEADER + f"{FACILITATOR},Fanny,Paris,,,,atelier,,no,\n"
    await import_roster(store, parse_roster(roster), at=clock.now())
    await say(dispatcher, store, "!profil distanciel oui")
    await say(dispatcher, store, "!profil competences atelier, hackathon")
    await store.facilitators.set_active(FACILITATOR, False, at=clock.now())
    report = await import_roster(store, parse_roster(roster), at=clock.now())
    assert report.unchanged == 1
    profile = await stored(store)
    assert profile.remote_ok and profile.skills == ("atelier", "hackathon") and not profile.active
    # A coordinator's new value for a column wins.
    changed = roster.replace(",atelier,", ",codev,")
    report = await import_roster(store, parse_roster(changed), at=clock.now())
    assert report.updated == 1
    profile = await stored(store)
    assert profile.skills == ("codeveloppement",) and profile.remote_ok


async def test_first_import_fills_an_enrolled_profile_without_blanking_it(dispatcher, store, clock):
    await say(dispatcher, store, "!profil competences hackathon")
    roster = HEADER + f"{FACILITATOR},Fanny,Lyon,,,,,,,\n"
    report = await import_roster(store, parse_roster(roster), at=clock.now())
    assert report.updated == 1
    profile = await stored(store)
    assert profile.site == "Lyon" and profile.display_name == "Fanny"
    assert profile.skills == ("hackathon",)  # an empty cell says nothing


async def test_a_cell_emptied_by_the_coordinator_clears_the_field(store, clock):
    full = HEADER + f"@bob:{SERVER},Bob,Paris,,,,,,,3\n"
    await import_roster(store, parse_roster(full), at=clock.now())
    await import_roster(store, parse_roster(full.replace(",3\n", ",\n")), at=clock.now())
    bob = await store.facilitators.get(f"@bob:{SERVER}")
    assert bob is not None and bob.max_missions_per_month is None


async def test_help_lists_the_directory_commands(dispatcher, store):
    _, everything = await say(dispatcher, store, "!aide tout")
    for usage in ("!profil [champ valeur]", "!absent <période>", "!present", "!pause", "!reprise"):
        assert f"`{usage}`" in everything
    assert "!candidats" not in everything
    _, one = await say(dispatcher, store, "!aide profile")
    assert one.startswith("`!profil [champ valeur]` — votre profil, ou changer un champ")
    assert "Exemple : `!profil competences atelier, codev`" in one
    _, coordinator = await say(dispatcher, store, "!aide", sender=COORDINATOR)
    assert "`!candidats <numéro>` — les facilitatrices et facilitateurs classés" in coordinator
