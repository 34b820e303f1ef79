"""Exceptions of the Matrix adapter (re-exported by `bot.matrix.client`)."""

from __future__ import annotations

from typing import Any

from nio import ErrorResponse

# Errors that will not go away by sending again.
PERMANENT_ERRORS = frozenset(
    {"M_FORBIDDEN", "M_NOT_FOUND", "M_BAD_JSON", "M_NOT_JSON", "M_TOO_LARGE", "M_INVALID_PARAM"}
)


class CryptoStoreError(Exception):
    """The end-to-end encryption store is lost or broken and the bot cannot recover alone."""


class MatrixError(Exception):
    """The homeserver refused a call; `code` is the Matrix errcode when there is one."""

    def __init__(self, what: str, code: str | None, message: str) -> None:
        super().__init__(f"{what}: {code or 'error'} {message}")
        self.code = code

    @property
    def permanent(self) -> bool:
        """Whether retrying the same call cannot succeed."""
        return self.code in PERMANENT_ERRORS


def check(what: str, response: Any, expected: type) -> Any:
    """Return `response` if it is what was expected; raise `MatrixError` otherwise."""
    if isinstance(response, expected):
        return response
    if isinstance(response, ErrorResponse):
        raise MatrixError(what, response.status_code, response.message or "")
    raise MatrixError(what, None, repr(response)[:200])
