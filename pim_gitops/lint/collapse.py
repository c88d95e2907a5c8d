"""A finding that one shared line causes for several roles (a value of ``defaults`` or of a
template) is reported once at that line, naming the roles it affects: a fresh repository
with 31 roles on the same defaults gets one finding, not 31."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pim_gitops.wording import plural

if TYPE_CHECKING:
    from pim_gitops.lint.engine import Finding


def _key(f: Finding) -> tuple[Any, ...] | None:
    """Findings with the same key are one problem at one line; ``None``: never merged (no
    line of policy says it, or the message is not about one role's setting)."""
    if f.detail is None or f.role is None or not f.line:
        return None
    return (
        f.view,
        f.rule,
        f.severity,
        f.file,
        f.line,
        f.column,
        f.detail,
        f.principal,
        f.controls,
        f.waived,
    )


def collapse(findings: Iterable[Finding]) -> list[Finding]:
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        key = _key(f)
        if key is None:
            out.append(f)
        else:
            groups.setdefault(key, []).append(f)
    for same in groups.values():
        roles = sorted({f.role for f in same if f.role}, key=str.casefold)
        if len(roles) == 1:
            out.extend(same)
            continue
        first = same[0]
        message = f"{first.detail} ({plural(len(roles), 'role')}: {', '.join(roles)})"
        out.append(replace(first, message=message, role=None, roles=tuple(roles)))
    return out
