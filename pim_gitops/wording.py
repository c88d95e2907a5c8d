"""Small helpers for the words of messages: a count with its noun in the right number, and
clauses joined by ``; `` without a full stop before the semicolon."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 file``, ``0 files``, ``2 files`` (``plural_form`` for irregular nouns:
    ``plural(2, "policy", "policies")``)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def clauses(*parts: str) -> str:
    """The non-empty parts joined by ``; ``, each without its own closing full stop (a message
    from Graph ends with one), so no ``.;`` appears."""
    return "; ".join(_unstopped(p) for p in parts if p.strip())


def _unstopped(text: str) -> str:
    text = text.rstrip()
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text
