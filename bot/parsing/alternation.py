"""Long alternations of cues, tried only where they can match.

Python's regex engine tries the alternatives of `a|b|c` one after the other at every
position it reaches, whatever the character there: a cue list of eighty alternatives
costs eighty attempts at each word of a message. `by_first_char` builds the same
alternation grouped by the characters each alternative can begin with, so that at a
position only the alternatives that can start with its character are tried, still in
their written order. It matches exactly what the plain alternation matches (same start,
same end, same alternative chosen, same backtracking), because an alternative that
cannot begin with the character at a position fails there anyway; where that cannot be
proven (an alternative that may match nothing, a capturing group, inline flags), or
where it would not pay (alternatives that open with a plain character, which the engine
skips at once), the plain alternation is kept.
"""

from __future__ import annotations

import re
from re import _constants as sre  # the parser's own view of a pattern (Python >= 3.11)
from re import _parser as sre_parse

__all__ = ["branches", "by_first_char", "join"]

# More distinct characters than this in a range, and an alternative may start anywhere.
_WIDE = 256
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def join(fragments: list[str]) -> str:
    """The alternation of `fragments` (each a pattern), grouped by first character."""
    return by_first_char([branch for fragment in fragments for branch in branches(fragment)])


def branches(pattern: str) -> list[str]:
    """Split a pattern at its top-level `|` (not inside a group or a character class)."""
    out: list[str] = []
    start, i = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
        elif ch == "[":
            i = _class_end(pattern, i)
        elif ch == "(":
            i = _group_end(pattern, i)
        else:
            if ch == "|":
                out.append(pattern[start:i])
                start = i + 1
            i += 1
    out.append(pattern[start:])
    return out


def by_first_char(alternatives: list[str], *, always: bool = False) -> str:
    """`a|b|c...` as a pattern that tries, at a position, only the alternatives that can
    begin with the character there, in their order; the plain alternation when that
    cannot be proven to match the same, or (unless `always`) would not be quicker."""
    plain = "|".join(f"(?:{a})" for a in alternatives)
    firsts = []
    slow = 0
    for alternative in alternatives:
        read = _read(alternative)
        if read is None:
            return plain
        chars, quick = read
        firsts.append(chars)
        slow += not quick
    keys = sorted(set().union(*(chars for chars in firsts if chars is not None)))
    # The engine itself skips at once an alternative that opens with a character or a
    # class that does not match, for about a tenth of what trying one that opens
    # otherwise costs, or of a group's test of its first character.
    if not keys or (not always and slow * 10 + len(alternatives) - slow <= len(keys) * 10):
        return plain
    groups = []
    for key in keys:
        chosen = [
            a
            for a, chars in zip(alternatives, firsts, strict=True)
            if chars is None or key in chars
        ]
        groups.append(f"(?={re.escape(key)})(?:{'|'.join(f'(?:{a})' for a in chosen)})")
    anywhere = [a for a, chars in zip(alternatives, firsts, strict=True) if chars is None]
    if anywhere:
        listed = "".join(re.escape(key) for key in keys)
        groups.append(f"(?![{listed}])(?:{'|'.join(f'(?:{a})' for a in anywhere)})")
    return "|".join(groups)


def _read(alternative: str) -> tuple[set[str] | None, bool] | None:
    """The characters a match of `alternative` can begin with (None: any character), and
    whether it opens with a character or a class; None when grouping it is not safe (it
    may match nothing, captures, or sets flags)."""
    try:
        parsed = sre_parse.parse(alternative)
    except re.error:
        return None
    if parsed.state.groups > 1 or parsed.state.flags & ~(re.UNICODE | re.DEBUG):
        return None
    items = list(parsed)
    try:
        chars, empty = _first(items)
    except _Unsafe:
        return None
    if empty:
        return None
    while items and items[0][0] is sre.SUBPATTERN and items[0][1][0] is None:
        items = list(items[0][1][3])  # a non-capturing group is compiled inline
    return chars, bool(items) and items[0][0] in (sre.LITERAL, sre.IN)


class _Unsafe(Exception):
    """Flags set inside a group: its characters are not those written."""


def _first(items: list) -> tuple[set[str] | None, bool]:
    """The first characters of a sequence of parsed items, and whether it may be empty."""
    out: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            out.add(chr(av))
            return out, False
        if op is sre.IN:
            chars = _class(av)
            return (None if chars is None else out | chars), False
        if op is sre.SUBPATTERN:
            if av[1] or av[2]:
                raise _Unsafe
            subs, may_skip = [av[3]], False
        elif op is sre.ATOMIC_GROUP:
            subs, may_skip = [av], False
        elif op is sre.BRANCH:
            subs, may_skip = av[1], False
        elif op in _REPEATS:
            subs, may_skip = [av[2]], av[0] == 0
        else:  # any character, a negated literal, a back reference...
            return None, False
        empty = may_skip
        for sub in subs:
            chars, sub_empty = _first(list(sub))
            if chars is None:
                return None, False
            out |= chars
            empty = empty or sub_empty
        if not empty:
            return out, False
    return out, True


def _class(members: list) -> set[str] | None:
    """The characters of a class like `[a-z']`; None for a negated or category class."""
    chars: set[str] = set()
    for op, av in members:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _WIDE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return chars


def _class_end(pattern: str, i: int) -> int:
    """The index just past the character class opening at `i`."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):  # a "]" first in a class is a literal
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _group_end(pattern: str, i: int) -> int:
    """The index just past the group opening at `i`."""
    depth, j = 0, i
    while j < len(pattern):
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _class_end(pattern, j)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise re.error("missing ), unterminated subpattern", pattern, i)
