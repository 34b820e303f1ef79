"""The lifecycle of requests and assignments, as an explicit state machine (pure)."""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    """Where a request stands."""

    OPEN = "ouverte"
    PARTIAL = "partiellement pourvue"
    STAFFED = "pourvue"
    DONE = "realisee"
    NOT_HELD = "non tenue"  # closed with nobody on it: no mission took place
    CANCELLED = "annulee"


class AssignmentState(StrEnum):
    """Where one facilitator stands on one request."""

    PROPOSED = "proposee"
    ACCEPTED = "acceptee"
    DECLINED = "refusee"
    WITHDRAWN = "desistee"
    REMOVED = "retiree"


class Action(StrEnum):
    """What someone does to an assignment."""

    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    ASSIGN = "assign"
    REMOVE = "remove"


class IllegalTransition(Exception):
    """The action is not possible from the current state; the sentence says why, in French."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(prefix="!", **values))
        self.template = template
        self.values = values

    def sentence(self, prefix: str) -> str:
        """The sentence, with commands written with the configured prefix."""
        return self.template.format(prefix=prefix, **self.values)


_A = AssignmentState
# (current state or None when the facilitator has no assignment yet, action) -> new state
ASSIGNMENT_TRANSITIONS: dict[tuple[AssignmentState | None, Action], AssignmentState] = {
    (None, Action.ACCEPT): _A.ACCEPTED,
    (_A.PROPOSED, Action.ACCEPT): _A.ACCEPTED,
    (_A.DECLINED, Action.ACCEPT): _A.ACCEPTED,
    (_A.WITHDRAWN, Action.ACCEPT): _A.ACCEPTED,
    (None, Action.DECLINE): _A.DECLINED,
    (_A.PROPOSED, Action.DECLINE): _A.DECLINED,
    (_A.ACCEPTED, Action.WITHDRAW): _A.WITHDRAWN,
    (None, Action.ASSIGN): _A.ACCEPTED,
    (_A.PROPOSED, Action.ASSIGN): _A.ACCEPTED,
    (_A.DECLINED, Action.ASSIGN): _A.ACCEPTED,
    (_A.WITHDRAWN, Action.ASSIGN): _A.ACCEPTED,
    (_A.REMOVED, Action.ASSIGN): _A.ACCEPTED,
    (_A.ACCEPTED, Action.REMOVE): _A.REMOVED,
}

_REFUSALS: dict[tuple[AssignmentState | None, Action], str] = {
    (_A.ACCEPTED, Action.ACCEPT): "Vous avez déjà accepté la demande #{id}.",
    (_A.REMOVED, Action.ACCEPT): (
        "La coordination vous a retiré la place sur la demande #{id} : "
        "voyez avec elle pour revenir."
    ),
    (_A.ACCEPTED, Action.DECLINE): (
        "Vous avez accepté la demande #{id} : pour vous retirer, tapez `{prefix}desiste {id}`."
    ),
    (_A.DECLINED, Action.DECLINE): "Vous avez déjà décliné la demande #{id}.",
    (_A.WITHDRAWN, Action.DECLINE): "Vous avez déjà rendu votre place sur la demande #{id}.",
    (_A.REMOVED, Action.DECLINE): "Vous n'êtes plus sur la demande #{id}.",
    (_A.ACCEPTED, Action.ASSIGN): "{who} est déjà sur la demande #{id}.",
    (None, Action.REMOVE): "{who} n'est pas sur la demande #{id}.",
}


def next_assignment_state(
    current: AssignmentState | None, action: Action, *, request_id: int, who: str = ""
) -> AssignmentState:
    """Apply an action to an assignment.

    Raises:
        IllegalTransition: with the sentence to say to the user.
    """
    new = ASSIGNMENT_TRANSITIONS.get((current, action))
    if new is not None:
        return new
    text = _REFUSALS.get((current, action))
    if text is None and action is Action.WITHDRAW:
        text = "Vous n'avez pas de place sur la demande #{id} : il n'y a rien à rendre."
    if text is None and action is Action.REMOVE:
        text = "{who} n'est pas sur la demande #{id}."
    if text is None:
        text = "Ce n'est pas possible sur la demande #{id} dans son état actuel."
    raise IllegalTransition(text, id=request_id, who=who)


ACTIVE_REQUEST_STATES = (RequestState.OPEN, RequestState.PARTIAL, RequestState.STAFFED)
FINAL_REQUEST_STATES = (RequestState.DONE, RequestState.NOT_HELD, RequestState.CANCELLED)
# States whose accepted assignments are no mission (for workloads, reports, exports).
NO_MISSION_STATES = (RequestState.CANCELLED, RequestState.NOT_HELD)


def staffing_state(accepted: int, needed: int) -> RequestState:
    """The state of an active request from how many accepted out of how many needed."""
    if accepted <= 0:
        return RequestState.OPEN
    if accepted < needed:
        return RequestState.PARTIAL
    return RequestState.STAFFED


def check_request_open_for(state: RequestState, action: Action, request_id: int) -> None:
    """Refuse changes of staffing on a cancelled or finished request.

    Raises:
        IllegalTransition: the request is closed or cancelled.
    """
    if state is RequestState.CANCELLED:
        raise IllegalTransition(f"La demande #{request_id} a été annulée.")
    if state is RequestState.DONE:
        raise IllegalTransition(f"La demande #{request_id} est close (réalisée).")
    if state is RequestState.NOT_HELD:
        raise IllegalTransition(f"La demande #{request_id} est close : elle n'a pas eu lieu.")
    if state is RequestState.STAFFED and action in (Action.ACCEPT, Action.ASSIGN):
        raise IllegalTransition(f"La demande #{request_id} est complète.")


def next_request_state(
    state: RequestState, action: str, request_id: int, *, held: bool = True
) -> RequestState:
    """Cancel (`cancel`) or close (`close`) a request; closed, it was held (realisee) if
    someone facilitated it, else not held (no mission anywhere).

    Raises:
        IllegalTransition: the request is already cancelled or closed.
    """
    if state in FINAL_REQUEST_STATES:
        label = "annulée" if state is RequestState.CANCELLED else "close"
        raise IllegalTransition(f"La demande #{request_id} est déjà {label}.")
    if action == "cancel":
        return RequestState.CANCELLED
    if action == "close":
        return RequestState.DONE if held else RequestState.NOT_HELD
    raise ValueError(action)
