"""``validate --show ROLE``: one compiled role, every setting path with its value in policy
words and where that value came from (a file position and layer, or Entra's default)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from pim_gitops.compile import (
    ENTRA_DEFAULT,
    SETTING_PATHS,
    CompiledRole,
    DeclaredAssignment,
    DesiredState,
    settings_to_dict,
)
from pim_gitops.errors import Location, UnresolvedReferenceError
from pim_gitops.wire import format_duration, format_instant


@dataclass(frozen=True, slots=True)
class SettingLine:
    """One setting of a compiled role: path, value in policy words, where it came from."""

    path: str
    value: str
    source: str


def _words(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_words(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _flatten(tree: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in tree.items():
        here = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from _flatten(value, here)
        else:
            yield here, value


def _effective_values(role: CompiledRole) -> dict[str, object]:
    """Every setting path → the value in effect (approvers are empty while approval is off,
    an assignment maximum is null while permanence is allowed)."""
    values: dict[str, object] = dict.fromkeys(SETTING_PATHS)
    values["activation.approval.approvers"] = []
    values.update(_flatten(settings_to_dict(role.settings)))
    values["activation.approval.reviewed"] = role.approvers_reviewed
    return values


def _why(role: CompiledRole, path: str, value: object) -> str:
    """Why a value differs from what its source wrote, where it does."""
    if path.endswith("_assignment.max_duration") and value is None:
        return " (permanent allowed)"
    if path == "activation.approval.approvers" and not role.settings.activation.approval_required:
        return " (approval off)"
    return ""


def _source(role: CompiledRole, path: str) -> str:
    """Where a value came from, and the inherited list it replaced when it dropped items."""
    source = role.sources.get(path, ENTRA_DEFAULT)
    replaced = [r for r in role.replaced_lists if r.path == path and r.by == source]
    if not replaced:
        return str(source)
    item = replaced[-1]
    return f"{source}; replaces {item.replaced}, dropping {', '.join(item.dropped)}"


def setting_lines(role: CompiledRole) -> list[SettingLine]:
    """The role's settings, sorted by path."""
    values = _effective_values(role)
    return [
        SettingLine(
            path, _words(values[path]) + _why(role, path, values[path]), _source(role, path)
        )
        for path in sorted(values)
    ]


def describe_sources(role: CompiledRole) -> list[dict[str, str]]:
    """``setting_lines`` as JSON-ready rows (``path``, ``value``, ``source``)."""
    return [{"path": s.path, "value": s.value, "source": s.source} for s in setting_lines(role)]


def _assignment_line(item: DeclaredAssignment) -> tuple[str, str, str]:
    if item.permanent:
        until = "permanent"
    elif item.end is not None:
        until = f"until {format_instant(item.end)}"
    else:
        until = f"for {format_duration(item.duration or 0)}"
    scope = "" if item.scope == "/" else f" at {item.scope}"
    return f"{item.kind} {item.principal}{scope}", until, str(item.location)


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    first = max((len(r[0]) for r in rows), default=0)
    second = max((len(r[1]) for r in rows), default=0)
    return [f"  {a:<{first}}  {b:<{second}}  {c}".rstrip() for a, b, c in rows]


def render_role_sources(role: CompiledRole) -> str:
    """One role as text: a header, its settings and its assignments, each with its source."""
    ident = f" ({role.ref.id})" if role.ref.id else " (resolved against the tenant at plan time)"
    chain = " → ".join(role.template_chain) or "none"
    lines = [
        f"{role.ref.label}{ident}",
        f"  file: {role.location}",
        f"  templates: {chain}",
        "settings:",
        *_table([(s.path, s.value, s.source) for s in setting_lines(role)]),
        "assignments:" if role.assignments else "assignments: none",
        *_table(sorted(_assignment_line(a) for a in role.assignments)),
    ]
    return "\n".join(lines) + "\n"


def describe_role_sources(role: CompiledRole) -> dict[str, object]:
    """``validate --show ROLE --format json``: the role and its ``describe_sources`` rows."""
    return {
        "role": role.ref.label,
        "role_id": role.ref.id,
        "file": role.file,
        "template_chain": list(role.template_chain),
        "settings": describe_sources(role),
    }


def _by_file(desired: DesiredState, written: str) -> CompiledRole | None:
    """The role whose file is ``written``: its path, name or stem (``global-administrator``)."""
    for role in desired.roles:
        path = PurePath(role.file)
        if written in (role.file, path.name, path.stem):
            return role
    return None


def find_shown_role(desired: DesiredState, role: str) -> CompiledRole:
    """The managed role ``--show`` names (display name in any case, id, or its file).

    Raises ``UnresolvedReferenceError`` naming the closest managed role when none matches.
    """
    found = desired.find_role(role) or _by_file(desired, role)
    if found is not None:
        return found
    names = sorted({r.ref.label for r in desired.roles}, key=str.casefold)
    close = difflib.get_close_matches(role, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"managed roles: {', '.join(names)}"
    raise UnresolvedReferenceError(Location("--show"), f"no managed role {role!r}; {hint}")


def render_sources(desired: DesiredState, role: str | None = None) -> str:
    """``validate --show [ROLE]``: the named role (display name or id), or every role."""
    if role is None:
        return "\n".join(render_role_sources(r) for r in desired.roles)
    return render_role_sources(find_shown_role(desired, role))
