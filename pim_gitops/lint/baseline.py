"""The baseline: ``lint --baseline FILE`` writes today's findings as waivers, each with a
reason and an expiry to fill in, so a repository adopted from a tenant starts quiet and every
accepted problem stays on record; ``lint.baseline: FILE`` in ``pim.yaml`` reads it back. The
waivers rules keep it honest: GEN005 reports a waiver whose finding is gone, GEN004 one past
its expiry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from pim_gitops.compile import DesiredState
from pim_gitops.errors import LintConfigError, PolicyError, PolicyErrors
from pim_gitops.lint.engine import Finding
from pim_gitops.lint.waivers import BaselineWaiver
from pim_gitops.loader import parse_yaml
from pim_gitops.model import Strict, Waiver
from pim_gitops.schema_positions import validate_file

#: How long a baseline waiver lasts unless edited: one quarter, the review cycle of APR003.
BASELINE_DAYS = 90


class BaselineFile(Strict):
    """A baseline written by ``lint --baseline``."""

    waivers: tuple[Waiver, ...] = ()


def baseline_path(directory: str | Path, desired: DesiredState) -> Path | None:
    """The baseline file ``pim.yaml`` names (relative to the policy directory)."""
    name = desired.lint.baseline
    return None if name is None else Path(directory) / name


def read_baseline(path: Path, shown: str) -> tuple[BaselineWaiver, ...]:
    """The baseline's waivers with where each is written; a missing or invalid file is an
    error (``file:line:col``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LintConfigError(f"{shown}: cannot read the lint baseline: {exc.strerror}") from exc
    loaded = parse_yaml(text, shown)
    try:
        model = validate_file(loaded, BaselineFile)
    except PolicyErrors as exc:
        raise LintConfigError("\n".join(str(e) for e in exc.errors)) from exc
    except PolicyError as exc:
        raise LintConfigError(str(exc)) from exc
    return tuple(
        BaselineWaiver(w, loaded.source.value(("waivers", i))) for i, w in enumerate(model.waivers)
    )


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _entries(findings: Iterable[Finding]) -> dict[tuple[str, str, str], list[str]]:
    """(rule, role, principal) → the messages of the unwaived findings it covers (a waiver
    matches by those three, so one waiver per triple; a finding reported once for several
    roles gives one per role), sorted."""
    found: dict[tuple[str, str, str], set[str]] = {}
    for f in findings:
        if f.waived is not None or f.rule in ("GEN004", "GEN005"):
            continue
        for role in f.roles or (f.role,):
            found.setdefault((f.rule, role or "", f.principal or ""), set()).add(f.message)
    return {key: sorted(found[key]) for key in sorted(found)}


def baseline_yaml(findings: Iterable[Finding], now: datetime) -> str:
    """The baseline file for these findings: one waiver each, under a comment with the
    finding's message."""
    expires = (now + timedelta(days=BASELINE_DAYS)).date().isoformat()
    entries = _entries(findings)
    lines = [
        f"# Lint baseline written by `pim-gitops lint --baseline` on {now:%Y-%m-%d}: the",
        "# findings of that day, accepted for now. For each waiver, write why it is accepted",
        "# (or fix the problem and delete the waiver) and set an expiry; read it from pim.yaml",
        "# with `lint: {baseline: <this file>}`. Unused waivers are reported (GEN005).",
        "waivers:" if entries else "waivers: []",
    ]
    for (rule_code, role, principal), messages in entries.items():
        lines += [f"  # {message}" for message in messages]
        lines.append(f"  - rule: {rule_code}")
        if role:
            lines.append(f"    role: {_quoted(role)}")
        if principal:
            lines.append(f"    principal: {_quoted(principal)}")
        lines.append(f"    reason: {_quoted('baseline ' + f'{now:%Y-%m-%d}' + ': say why')}")
        lines.append(f"    expires: {expires}")
    return "\n".join(lines) + "\n"
