"""``pim-gitops stamp-starts DIR``: write ``start: <now>`` beside every ``duration:`` of an
assignment that has neither ``start`` nor ``renew``, so each becomes a one-off grant ending
at now + its duration (docs/policy-reference.md, "When an assignment ends").

Only text is inserted, at the positions the loader reads, so comments, key order, quoting
and flow or block style stay as written: in a flow mapping ``start: …, `` goes before
``duration:``; in block style a ``start:`` line goes above it (below it when ``duration`` is
the item's first key, on the ``- `` line)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pim_gitops.console import Console
from pim_gitops.errors import Location, PolicySchemaError
from pim_gitops.loader import parse_yaml, role_files
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

#: A ``duration`` key to stamp: its line and column (1-based), and whether its assignment
#: is a flow mapping (``{…}``).
Mark = tuple[int, int, bool]


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
        marks.append((key[0], key[1], flow))
    return marks


def _insert(lines: list[str], mark: Mark, start: str) -> None:
    line, column, flow = mark
    text = lines[line - 1]
    before = text[: column - 1]
    if flow:
        lines[line - 1] = f"{before}start: {start}, {text[column - 1 :]}"
        return
    at = line - 1 if not before.strip() else line  # below a ``- duration:`` line
    lines.insert(at, f"{' ' * (column - 1)}start: {start}\n")


def stamp_text(text: str, path: str, now: datetime) -> tuple[str, int]:
    """The file's text with the starts written, and how many."""
    marks = sorted(unstamped(text, path), reverse=True)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for mark in marks:
        _insert(lines, mark, format_instant(now))
    stamped = "".join(lines) if marks else text
    left = unstamped(stamped, path)
    if left:  # never write a file the loader would read differently
        where = Location(path, left[0][0], left[0][1])
        raise PolicySchemaError(where, "could not write `start:` here; add it by hand")
    return stamped, len(marks)


def stamp_directory(directory: str | Path, now: datetime) -> list[tuple[str, int]]:
    """Stamp every role file of a policy directory; (file, starts written) of each changed.
    Every file is stamped in memory before any is written."""
    stamped = []
    for path in role_files(Path(directory)):
        text, count = stamp_text(path.read_text(encoding="utf-8"), str(path), now)
        if count:
            stamped.append((path, text, count))
    for path, text, _ in stamped:
        path.write_text(text, encoding="utf-8")
    return [(str(path), count) for path, _, count in stamped]


def stamp_starts(console: Console, directory: str, now: datetime) -> int:
    """The command: stamp the files, say which changed; exit 0."""
    changed = stamp_directory(directory, now)
    for path, count in changed:
        console.data(f"{path}: {plural(count, 'start')} written ({format_instant(now)})\n")
    if not changed:
        console.message("every duration has a start or renew: true; nothing written")
    return 0
