"""A finding that one shared line causes for several roles (a value of ``defaults`` or of a
template) is reported once at that line, naming the roles it affects: a fresh repository
with 31 roles on the same defaults gets one finding, not 31. So is a finding about a setting
that no file declares (each role has Entra's default): once, at the tenant file, where a
``defaults`` value would fix it for all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pim_gitops.errors import Location
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


def _unset_key(f: Finding) -> tuple[Any, ...]:
    """The key of a finding about an undeclared setting: the same problem in several roles,
    wherever their files are."""
    return (f.view, f.rule, f.severity, f.detail, f.principal, f.controls, f.waived)


def collapse(findings: Iterable[Finding], tenant_file: str) -> list[Finding]:
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        key = _key(f)
        if key is None:
            out.append(f)
        else:
            groups.setdefault(("unset", *_unset_key(f)) if f.unset else key, []).append(f)
    for same in groups.values():
        roles = sorted({f.role for f in same if f.role}, key=str.casefold)
        if len(roles) == 1:
            out.extend(same)
            continue
        first = same[0]
        names = f"{plural(len(roles), 'role')}: {', '.join(roles)}"
        if first.unset:
            at = Location(tenant_file, 1, 1)
            message = f"{first.detail} (no file sets it, so Entra's default applies; {names})"
            first = replace(first, file=at.path, line=at.line, column=at.col)
        else:
            message = f"{first.detail} ({names})"
        out.append(replace(first, message=message, role=None, roles=tuple(roles)))
    return out


def _same_problem(posture: Finding, policy: Finding) -> bool:
    if (posture.rule, (posture.principal or "").casefold(), posture.severity) != (
        policy.rule,
        (policy.principal or "").casefold(),
        policy.severity,
    ):
        return False
    roles = {r.casefold() for r in (policy.role, *policy.roles) if r}
    if (posture.role or "").casefold() not in roles:
        return False
    if posture.detail is None and posture.principal is not None:
        # About one holder: the same rule, role and principal is the same problem, though
        # the declared and the live assignment may measure it differently (an exported
        # expiry counted from today, the live one from its start).
        return True
    return (posture.detail or posture.message) == (policy.detail or policy.message)


def fold_posture(findings: list[Finding]) -> tuple[list[Finding], tuple[Finding, ...], int]:
    """With both views shown, a posture finding that the policy view also makes (the same
    rule, role, principal and problem: the repository keeps it) is shown once, in the policy
    view, at its line; the rest of the posture is what apply would change and what the
    repository does not manage. Returns the findings shown, the posture findings folded, and
    how many policy findings they fold into."""
    policy = [f for f in findings if f.view == "policy"]
    by_rule: dict[str, list[Finding]] = {}
    for f in policy:
        by_rule.setdefault(f.rule, []).append(f)
    kept: list[Finding] = []
    folded: list[Finding] = []
    into: set[Finding] = set()
    for f in findings:
        match = next(
            (p for p in by_rule.get(f.rule, ()) if f.view == "posture" and _same_problem(f, p)),
            None,
        )
        if match is None:
            kept.append(f)
        else:
            folded.append(f)
            into.add(match)
    return kept, tuple(folded), len(into)
