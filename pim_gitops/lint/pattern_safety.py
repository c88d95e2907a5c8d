"""Whether a lint pattern can backtrack exponentially. A pattern option (HIS001's
``ticket_pattern``) is matched against text anyone who may activate writes (the request's
``ticketInfo.ticketNumber``), and Python's ``re`` backtracks: a repeat inside a repeat
(``^(CHG[0-9]+)+$``, ``(\\w+\\s?)*``) can take exponential time on a crafted ticket and stall
lint. Such patterns (star height above 1) are refused where the option is written; a repeat
of at most one (``(…)?``), a possessive repeat and an atomic group do not count."""

from __future__ import annotations

import importlib
from typing import Any

#: The standard library's regular-expression parser (typeshed has no stubs for it).
_PARSER: Any = importlib.import_module("re._parser")
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT"}


def _height(items: Any) -> int:
    """The deepest nesting of unbounded repeats in a parsed pattern."""
    deepest = 0
    for op, value in items:
        name = str(op)
        if name in _REPEATS:
            low, high, inner = value
            del low
            deepest = max(deepest, (1 if high > 1 else 0) + _height(inner))
        elif name == "SUBPATTERN":
            deepest = max(deepest, _height(value[-1]))
        elif name == "BRANCH":
            deepest = max([deepest, *(_height(b) for b in value[1])])
        elif name in ("ASSERT", "ASSERT_NOT"):
            deepest = max(deepest, _height(value[1]))
        elif name == "GROUPREF_EXISTS":
            deepest = max([deepest, *(_height(b) for b in value[1:] if b is not None)])
    return deepest


def nested_repeat(pattern: str) -> bool:
    """Does ``pattern`` (already known to compile) repeat a part that itself repeats?"""
    return _height(_PARSER.parse(pattern)) > 1
