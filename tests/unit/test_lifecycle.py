"""The mission state machine: every legal move, every illegal one refused with a sentence."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.lifecycle import (
    ASSIGNMENT_TRANSITIONS,
    Action,
    AssignmentState,
    IllegalTransition,
    RequestState,
    check_request_open_for,
    next_assignment_state,
    next_request_state,
    staffing_state,
)

A = AssignmentState
LEGAL = {
    (None, Action.ACCEPT): A.ACCEPTED,
    (A.PROPOSED, Action.ACCEPT): A.ACCEPTED,
    (A.DECLINED, Action.ACCEPT): A.ACCEPTED,
    (A.WITHDRAWN, Action.ACCEPT): A.ACCEPTED,
    (None, Action.DECLINE): A.DECLINED,
    (A.PROPOSED, Action.DECLINE): A.DECLINED,
    (A.ACCEPTED, Action.WITHDRAW): A.WITHDRAWN,
    (None, Action.ASSIGN): A.ACCEPTED,
    (A.PROPOSED, Action.ASSIGN): A.ACCEPTED,
    (A.DECLINED, Action.ASSIGN): A.ACCEPTED,
    (A.WITHDRAWN, Action.ASSIGN): A.ACCEPTED,
    (A.REMOVED, Action.ASSIGN): A.ACCEPTED,
    (A.ACCEPTED, Action.REMOVE): A.REMOVED,
}
ALL_PAIRS = list(itertools.product([None, *AssignmentState], Action))


def test_the_table_is_exactly_the_legal_moves():
    assert ASSIGNMENT_TRANSITIONS == LEGAL


@pytest.mark.parametrize(("current", "action"), list(LEGAL))
def test_legal_assignment_moves(current, action):
    assert next_assignment_state(current, action, request_id=7) is LEGAL[(current, action)]


@pytest.mark.parametrize(("current", "action"), [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_illegal_assignment_moves_are_refused_with_a_french_sentence(current, action):
    with pytest.raises(IllegalTransition) as refused:
        next_assignment_state(current, action, request_id=7, who="@bob:x.fr")
    text = str(refused.value)
    assert "#7" in text
    assert text.endswith(".")
    assert "{" not in text


def test_refusals_say_what_to_do():
    with pytest.raises(IllegalTransition, match="déjà accepté"):
        next_assignment_state(A.ACCEPTED, Action.ACCEPT, request_id=3)
    with pytest.raises(IllegalTransition, match="!desiste 3") as refused:
        next_assignment_state(A.ACCEPTED, Action.DECLINE, request_id=3)
    assert "`?desiste 3`" in refused.value.sentence("?")
    with pytest.raises(IllegalTransition, match="rien à rendre"):
        next_assignment_state(None, Action.WITHDRAW, request_id=3)
    with pytest.raises(IllegalTransition, match=r"@bob:x\.fr n'est pas sur la demande #3"):
        next_assignment_state(None, Action.REMOVE, request_id=3, who="@bob:x.fr")
    with pytest.raises(IllegalTransition, match="retiré"):
        next_assignment_state(A.REMOVED, Action.ACCEPT, request_id=3)


@pytest.mark.parametrize(
    ("accepted", "needed", "state"),
    [
        (0, 1, RequestState.OPEN),
        (0, 3, RequestState.OPEN),
        (1, 3, RequestState.PARTIAL),
        (2, 3, RequestState.PARTIAL),
        (3, 3, RequestState.STAFFED),
        (1, 1, RequestState.STAFFED),
    ],
)
def test_staffing_state(accepted, needed, state):
    assert staffing_state(accepted, needed) is state


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", [RequestState.OPEN, RequestState.PARTIAL])
def test_an_open_request_takes_every_action(state, action):
    check_request_open_for(state, action, 5)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize(
    ("state", "why"), [(RequestState.CANCELLED, "annulée"), (RequestState.DONE, "close")]
)
def test_a_finished_request_takes_none(state, why, action):
    with pytest.raises(IllegalTransition, match=why):
        check_request_open_for(state, action, 5)


def test_a_staffed_request_refuses_new_people_but_lets_them_go():
    for action in (Action.ACCEPT, Action.ASSIGN):
        with pytest.raises(IllegalTransition, match="complète"):
            check_request_open_for(RequestState.STAFFED, action, 5)
    for action in (Action.WITHDRAW, Action.REMOVE, Action.DECLINE):
        check_request_open_for(RequestState.STAFFED, action, 5)


@pytest.mark.parametrize("state", [RequestState.OPEN, RequestState.PARTIAL, RequestState.STAFFED])
def test_active_requests_can_be_cancelled_or_closed(state):
    assert next_request_state(state, "cancel", 1) is RequestState.CANCELLED
    assert next_request_state(state, "close", 1) is RequestState.DONE


@pytest.mark.parametrize("state", [RequestState.CANCELLED, RequestState.DONE])
@pytest.mark.parametrize("action", ["cancel", "close"])
def test_finished_requests_cannot_change_again(state, action):
    with pytest.raises(IllegalTransition, match="déjà"):
        next_request_state(state, action, 1)
