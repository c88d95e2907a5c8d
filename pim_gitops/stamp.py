"""``pim-gitops stamp-starts DIR``: write a ``start:`` beside every ``duration:`` of an
assignment that has neither ``start`` nor ``renew``, so each becomes a one-off grant ending
at start + its duration (docs/policy-reference.md, "When an assignment ends").

Which start: with a tenant view (``--snapshot FILE`` / ``--live``), the held schedule's start
for a grant the tenant holds (same role, principal, scope and kind), so the grant keeps the
end it has; ``now`` for one it does not hold. Without a tenant view every start is ``now``,
and a warning names each stamped assignment: one the tenant holds would be extended to now +
its duration by the next plan.

Only text is inserted, at the positions the loader reads, so comments, key order, quoting
and flow or block style stay as written: in a flow mapping ``start: …, `` goes before
``duration:``; in block style a ``start:`` line goes above it (below it when ``duration`` is
the item's first key, on the ``- `` line)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pim_gitops.compile.types import resolve_role_ref
from pim_gitops.console import Console
from pim_gitops.errors import Location, PolicySchemaError
from pim_gitops.loader import parse_yaml, role_files
from pim_gitops.resolve import Resolver
from pim_gitops.state import Principal, TenantState
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

#: A ``duration`` key to stamp: its line and column (1-based), and whether its assignment
#: is a flow mapping (``{…}``).
Mark = tuple[int, int, bool]


@dataclass(frozen=True)
class Stamped:
    """One start written: where, for whom, and whether it is the tenant's grant's start."""

    path: str
    kind: str
    principal: str
    start: datetime
    held: bool


@dataclass(frozen=True)
class HeldGrants:
    """The grants a tenant holds, looked up as a policy file names them."""

    resolver: Resolver

    def start(self, role: str, kind: str, item: Mapping[str, Any]) -> datetime | None:
        """The held schedule's start of this assignment (``None``: not held, or unknown)."""
        definition = self.resolver.role_of(resolve_role_ref(role))
        principal = self.resolver.principal(str(item.get("principal", "")))
        scope, _ = self.resolver.scope(str(item.get("scope", "/")))
        if definition is None or not isinstance(principal, Principal) or scope is None:
            return None
        key = (definition.id, principal.id, scope, kind)
        assignments = self.resolver.tenant.assignments
        held = [a.start for a in assignments if a.key == key and a.start is not None]
        return min(held) if held else None


def held_grants(tenant: TenantState) -> HeldGrants:
    return HeldGrants(Resolver(tenant))


def _items(data: Any) -> Iterator[tuple[str, int, dict[str, Any]]]:
    assignments = data.get("assignments") if isinstance(data, dict) else None
    if not isinstance(assignments, dict):
        return
    for kind in ("eligible", "active"):
        items = assignments.get(kind)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict):
                yield kind, index, item


def unstamped(text: str, path: str) -> list[Mark]:
    """Each ``duration`` of an assignment with neither ``start`` nor ``renew: true``."""
    return [mark for mark, _, _ in _unstamped_items(text, path)]


def _unstamped_items(text: str, path: str) -> list[tuple[Mark, str, dict[str, Any]]]:
    """``unstamped``, with each mark's kind and item (and, first, the file's ``role:``)."""
    loaded = parse_yaml(text, path)
    lines = text.splitlines()
    marks = []
    for kind, index, item in _items(loaded.data):
        if "duration" not in item or "start" in item or item.get("renew") is True:
            continue
        key = loaded.source.keys.get(("assignments", kind, index, "duration"))
        node = loaded.source.values.get(("assignments", kind, index))
        if key is None or node is None:
            continue
        flow = lines[node[0] - 1][node[1] - 1 : node[1]] == "{"
        marks.append(((key[0], key[1], flow), kind, item))
    return marks


def _role_of(text: str, path: str) -> str:
    data = parse_yaml(text, path).data
    return str(data.get("role", "")) if isinstance(data, dict) else ""


def _insert(lines: list[str], mark: Mark, start: str) -> None:
    line, column, flow = mark
    text = lines[line - 1]
    before = text[: column - 1]
    if flow:
        lines[line - 1] = f"{before}start: {start}, {text[column - 1 :]}"
        return
    at = line - 1 if not before.strip() else line  # below a ``- duration:`` line
    lines.insert(at, f"{' ' * (column - 1)}start: {start}\n")


def stamp_text(
    text: str, path: str, now: datetime, held: HeldGrants | None = None
) -> tuple[str, list[Stamped]]:
    """The file's text with the starts written, and what was written: the held grant's
    start where ``held`` knows the grant, else ``now``."""
    role = _role_of(text, path)
    stamps = []
    for mark, kind, item in _unstamped_items(text, path):
        start = held.start(role, kind, item) if held is not None else None
        principal = str(item.get("principal", ""))
        stamps.append((mark, Stamped(path, kind, principal, start or now, start is not None)))
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for mark, stamp in sorted(stamps, key=lambda s: s[0], reverse=True):
        _insert(lines, mark, format_instant(stamp.start))
    stamped = "".join(lines) if stamps else text
    left = unstamped(stamped, path)
    if left:  # never write a file the loader would read differently
        where = Location(path, left[0][0], left[0][1])
        raise PolicySchemaError(where, "could not write `start:` here; add it by hand")
    return stamped, sorted((s for _, s in stamps), key=lambda s: (s.kind, s.principal))


def stamp_directory(
    directory: str | Path, now: datetime, held: HeldGrants | None = None
) -> list[Stamped]:
    """Stamp every role file of a policy directory; what was written, file by file. Every
    file is stamped in memory before any is written."""
    stamped = []
    for path in role_files(Path(directory)):
        text, stamps = stamp_text(path.read_text(encoding="utf-8"), str(path), now, held)
        if stamps:
            stamped.append((path, text, stamps))
    for path, text, _ in stamped:
        path.write_text(text, encoding="utf-8")
    return [s for _, _, stamps in stamped for s in stamps]


def _written_lines(stamps: list[Stamped], now: datetime, held: bool) -> list[str]:
    if not held:
        counts: dict[str, int] = {}
        for s in stamps:
            counts[s.path] = counts.get(s.path, 0) + 1
        return [
            f"{p}: {plural(n, 'start')} written ({format_instant(now)})" for p, n in counts.items()
        ]
    return [
        f"{s.path}: {s.kind} {s.principal}: start: {format_instant(s.start)} "
        + (
            "(the start of the grant the tenant holds)"
            if s.held
            else "(now: the tenant holds no such grant)"
        )
        for s in stamps
    ]


def unheld_warning(stamp: Stamped) -> str:
    return (
        f"warning: {stamp.path}: {stamp.kind} {stamp.principal}: wrote start: "
        f"{format_instant(stamp.start)} (now) without a tenant view; if the tenant already "
        "holds this grant, the next plan extends it to now + its duration: run "
        "`stamp-starts --snapshot FILE` or `--live` to write the held grant's start"
    )


def stamp_starts(
    console: Console, directory: str, now: datetime, tenant: TenantState | None = None
) -> int:
    """The command: stamp the files (``tenant``: the held grants' starts), say what was
    written; without a tenant, warn about each start written as now; exit 0."""
    held = held_grants(tenant) if tenant is not None else None
    stamps = stamp_directory(directory, now, held)
    for text in _written_lines(stamps, now, held is not None):
        console.data(text + "\n")
    if held is None:
        for stamp in stamps:
            console.message(unheld_warning(stamp))
    if not stamps:
        console.message("every duration has a start or renew: true; nothing written")
    return 0
