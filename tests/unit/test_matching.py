"""The pure matching: each hard filter, the score, the tie-breaks, the pairing, the notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from bot.domain.matching import (
    ABSENT,
    BUSY,
    CAPPED,
    FAIRNESS_POINTS,
    FAIRNESS_STEP,
    INACTIVE,
    NO_REMOTE,
    PAIRING_POINTS,
    SAME_DIRECTORATE_POINTS,
    SAME_REGION_POINTS,
    SAME_SITE_POINTS,
    SKILL_POINTS,
    TOO_FAR,
    Workload,
    canonical_city,
    match,
    region_of,
)
from bot.domain.requests import RequestDetails

DAY = date(2027, 3, 12)


@dataclass(frozen=True)
class P:
    """A profile as matching reads it."""

    matrix_id: str
    site: str | None = "Paris"
    region: str | None = "Île-de-France"
    directorate: str | None = None
    cohort: int | None = None
    skills: tuple[str, ...] = ()
    remote_ok: bool = False
    max_missions_per_month: int | None = None
    active: bool = True


def req(**fields: object) -> RequestDetails:
    """A request on DAY, 9h–12h, on site in Paris unless told otherwise."""
    values: dict[str, object] = {
        "event_date": DAY,
        "start_time": time(9),
        "end_time": time(12),
        "modality": "presentiel",
        "location": "Paris",
    }
    values.update(fields)
    return RequestDetails(**values)  # type: ignore[arg-type]


def ranked_ids(result) -> list[str]:
    return [r.matrix_id for r in result.ranked]


def excluded_codes(result) -> dict[str, str]:
    return {e.matrix_id: e.code for e in result.excluded}


# -- hard filters --------------------------------------------------------------------------------


def test_inactive_is_left_out():
    result = match(req(), [P("@a:s", active=False), P("@b:s")])
    assert ranked_ids(result) == ["@b:s"]
    assert excluded_codes(result) == {"@a:s": INACTIVE}
    assert result.excluded[0].reason == "profil inactif"


def test_absent_that_day_is_left_out():
    result = match(req(), [P("@a:s")], {"@a:s": Workload(absent=True)})
    assert excluded_codes(result) == {"@a:s": ABSENT}


@pytest.mark.parametrize(
    ("busy", "is_busy"),
    [
        ((time(10), time(11)), True),  # inside
        ((time(8), time(9, 30)), True),  # overlaps the start
        ((time(12), time(14)), False),  # starts when the request ends
        ((time(7), time(9)), False),  # ends when the request starts
        ((None, None), True),  # mission time unknown: the whole day
        ((time(14), None), False),  # afternoon, end unknown
        ((time(11), None), True),  # starts during the request
    ],
)
def test_an_accepted_mission_overlapping_the_slot_excludes(busy, is_busy):
    result = match(req(), [P("@a:s")], {"@a:s": Workload(busy=(busy,))})
    assert (excluded_codes(result).get("@a:s") == BUSY) is is_busy


def test_unknown_request_time_counts_any_mission_that_day():
    result = match(
        req(start_time=None, end_time=None),
        [P("@a:s")],
        {"@a:s": Workload(busy=((time(16), time(17)),))},
    )
    assert excluded_codes(result) == {"@a:s": BUSY}


def test_monthly_cap_reached_excludes_and_names_the_figures():
    people = [P("@a:s", max_missions_per_month=2), P("@b:s", max_missions_per_month=3)]
    loads = {"@a:s": Workload(missions_this_month=2), "@b:s": Workload(missions_this_month=2)}
    result = match(req(), people, loads)
    assert ranked_ids(result) == ["@b:s"]
    assert excluded_codes(result) == {"@a:s": CAPPED}
    assert "(2/2)" in result.excluded[0].reason


def test_on_site_needs_same_site_or_region():
    people = [
        P("@paris:s"),
        P("@creteil:s", site="Créteil", region=None),  # region found from the city
        P("@lyon:s", site="Lyon", region="Auvergne-Rhône-Alpes", remote_ok=True),
    ]
    result = match(req(), people)
    assert ranked_ids(result) == ["@paris:s", "@creteil:s"]
    assert excluded_codes(result) == {"@lyon:s": TOO_FAR}
    assert result.excluded[0].reason == "trop loin (Lyon) pour du présentiel à Paris"


def test_remote_needs_remote_ok_wherever_people_are():
    people = [P("@paris:s"), P("@lyon:s", site="Lyon", region=None, remote_ok=True)]
    result = match(req(modality="distanciel", location=None), people)
    assert ranked_ids(result) == ["@lyon:s"]
    assert excluded_codes(result) == {"@paris:s": NO_REMOTE}


def test_hybrid_takes_nearby_people_and_remote_ones():
    people = [
        P("@paris:s"),
        P("@lyon-remote:s", site="Lyon", region=None, remote_ok=True),
        P("@lyon:s", site="Lyon", region=None),
    ]
    result = match(req(modality="hybride"), people)
    assert set(ranked_ids(result)) == {"@paris:s", "@lyon-remote:s"}
    assert excluded_codes(result) == {"@lyon:s": TOO_FAR}


def test_no_place_said_lets_anyone_come():
    result = match(req(location=None), [P("@lyon:s", site="Lyon", region=None)])
    assert ranked_ids(result) == ["@lyon:s"]


def test_the_first_failed_filter_is_the_reason():
    person = P("@a:s", active=False, site="Lyon", region=None)
    result = match(req(), [person], {"@a:s": Workload(absent=True)})
    assert excluded_codes(result) == {"@a:s": INACTIVE}


# -- score ---------------------------------------------------------------------------------------


def test_score_adds_skill_place_directorate_and_fairness_with_reasons():
    person = P("@a:s", skills=("atelier",), directorate="DGFiP")
    result = match(req(format="atelier", directorate="dgfip"), [person])
    [top] = result.ranked
    assert top.score == SKILL_POINTS + SAME_SITE_POINTS + SAME_DIRECTORATE_POINTS + FAIRNESS_POINTS
    assert top.reasons == (
        "compétence atelier",
        "sur place (Paris)",
        "même direction (DGFiP)",
        "0 mission en 90 jours",
    )


def test_same_region_scores_less_than_same_site():
    people = [P("@creteil:s", site="Créteil"), P("@paris:s")]
    result = match(req(), people)
    assert ranked_ids(result) == ["@paris:s", "@creteil:s"]
    assert result.ranked[0].score - result.ranked[1].score == SAME_SITE_POINTS - SAME_REGION_POINTS
    assert "même région (Île-de-France)" in result.ranked[1].reasons


def test_remote_request_gives_no_place_points():
    result = match(req(modality="distanciel"), [P("@a:s", remote_ok=True)])
    assert result.ranked[0].score == FAIRNESS_POINTS
    assert not any("sur place" in r for r in result.ranked[0].reasons)


def test_fairness_prefers_fewer_recent_missions():
    people = [P("@busy:s"), P("@fresh:s")]
    loads = {"@busy:s": Workload(missions_last_90_days=2)}
    result = match(req(), people, loads)
    assert ranked_ids(result) == ["@fresh:s", "@busy:s"]
    assert result.ranked[0].score - result.ranked[1].score == 2 * FAIRNESS_STEP
    assert "2 missions en 90 jours" in result.ranked[1].reasons


def test_skill_outweighs_the_place_and_fairness_cannot_go_negative():
    people = [P("@near:s"), P("@skilled:s", site="Créteil", skills=("codeveloppement",))]
    loads = {"@skilled:s": Workload(missions_last_90_days=10)}
    result = match(req(format="codeveloppement"), people, loads)
    assert ranked_ids(result) == ["@skilled:s", "@near:s"]
    assert result.ranked[0].score == SKILL_POINTS + SAME_REGION_POINTS


# -- tie-breaks ----------------------------------------------------------------------------------


def test_equal_scores_go_to_fewer_missions_then_to_the_smaller_id():
    people = [P("@c:s"), P("@a:s"), P("@b:s")]
    result = match(req(), people)
    assert ranked_ids(result) == ["@a:s", "@b:s", "@c:s"]
    # 4 and 5 missions both give 0 fairness points: the one with fewer goes first.
    loads = {"@a:s": Workload(missions_last_90_days=5), "@c:s": Workload(missions_last_90_days=4)}
    result = match(req(), [P("@a:s"), P("@c:s")], loads)
    assert [r.score for r in result.ranked] == [SAME_SITE_POINTS, SAME_SITE_POINTS]
    assert ranked_ids(result) == ["@c:s", "@a:s"]


def test_matching_is_deterministic_whatever_the_input_order():
    people = [P(f"@p{i}:s", skills=("atelier",) if i % 2 else ()) for i in range(20)]
    first = match(req(format="atelier"), people)
    again = match(req(format="atelier"), list(reversed(people)))
    assert first == again


# -- pairing -------------------------------------------------------------------------------------


def test_a_pair_joins_an_experienced_and_a_recent_cohort():
    people = [P("@a-old:s", cohort=1), P("@b-old:s", cohort=2), P("@c-new:s", cohort=12)]
    assert ranked_ids(match(req(), people)) == ["@a-old:s", "@b-old:s", "@c-new:s"]
    paired = match(req(facilitators_needed=2), people)
    assert ranked_ids(paired) == ["@a-old:s", "@c-new:s", "@b-old:s"]
    assert paired.ranked[1].score == SAME_SITE_POINTS + FAIRNESS_POINTS + PAIRING_POINTS
    assert "binôme : promotion récente (P12)" in paired.ranked[1].reasons
    assert paired.pick(2) == ("@a-old:s", "@c-new:s")


def test_pairing_does_not_outweigh_the_skill():
    people = [
        P("@a-old:s", cohort=1, skills=("atelier",)),
        P("@b-old:s", cohort=2, skills=("atelier",)),
        P("@c-new:s", cohort=12),
    ]
    result = match(req(format="atelier", facilitators_needed=2), people)
    assert result.pick(2) == ("@a-old:s", "@b-old:s")


def test_pairing_works_from_a_recent_first_pick_and_uses_the_latest_cohort_given():
    people = [P("@a-new:s", cohort=10), P("@b-new:s", cohort=11), P("@c-old:s", cohort=2)]
    loads = {"@c-old:s": Workload(missions_last_90_days=1)}
    result = match(req(facilitators_needed=2), people, loads, latest_cohort=11)
    assert result.pick(2) == ("@a-new:s", "@c-old:s")
    assert "binôme : promotion expérimentée (P2)" in result.ranked[1].reasons
    # Against cohort 20, everyone here is experienced: no pairing bonus.
    result = match(req(facilitators_needed=2), people, loads, latest_cohort=20)
    assert result.pick(2) == ("@a-new:s", "@b-new:s")


def test_no_pairing_for_one_facilitator_or_unknown_cohorts():
    people = [P("@a:s", cohort=1), P("@b:s", cohort=2), P("@c:s", cohort=12)]
    assert ranked_ids(match(req(), people)) == ["@a:s", "@b:s", "@c:s"]
    unknown = [P("@a:s"), P("@b:s"), P("@c:s", cohort=12)]
    result = match(req(facilitators_needed=2), unknown)
    assert ranked_ids(result) == ["@a:s", "@b:s", "@c:s"]


def test_a_third_place_gets_no_bonus_once_both_kinds_are_in():
    people = [P("@a:s", cohort=1), P("@b:s", cohort=12), P("@c:s", cohort=11), P("@d:s")]
    result = match(req(facilitators_needed=3), people)
    assert ranked_ids(result) == ["@a:s", "@b:s", "@c:s", "@d:s"]
    assert not any(r.startswith("binôme") for r in result.ranked[2].reasons)
    assert result.ranked[2].score == result.ranked[3].score


# -- notes ---------------------------------------------------------------------------------------


def test_notes_say_why_nobody_fits():
    assert match(req(), []).notes == ("personne dans l'annuaire des facilitateurs",)
    away = match(
        req(),
        [P("@a:s"), P("@b:s")],
        {"@a:s": Workload(absent=True), "@b:s": Workload(busy=((None, None),))},
    )
    assert away.notes == ("personne de disponible ce jour-là",)
    far = match(req(location="Lyon"), [P("@a:s")])
    assert far.notes == ("personne à proximité de Lyon",)
    capped = match(
        req(), [P("@a:s", max_missions_per_month=1)], {"@a:s": Workload(missions_this_month=1)}
    )
    assert capped.notes == ("tout le monde a atteint son plafond de missions ce mois-ci",)


def test_note_when_nobody_has_the_skill():
    result = match(req(format="hackathon"), [P("@a:s")])
    assert ranked_ids(result) == ["@a:s"]
    assert result.notes == ("personne avec cette compétence (hackathon)",)


# -- places --------------------------------------------------------------------------------------


def test_cities_and_regions_are_compared_folded():
    assert canonical_city("bercy") == "Paris"
    assert canonical_city("saint etienne") == "Saint-Étienne"
    assert region_of("lyon") == "Auvergne-Rhône-Alpes"
    assert region_of("Cayenne") == "Guyane"
    assert region_of("Atlantis") is None
    result = match(req(location="Bercy"), [P("@a:s", site="PARIS", region=None)])
    assert "sur place (PARIS)" in result.ranked[0].reasons
