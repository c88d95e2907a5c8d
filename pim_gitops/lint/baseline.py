"""The baseline: ``lint --baseline FILE`` writes today's findings as waivers, each with a
reason and an expiry to fill in, so a repository adopted from a tenant starts quiet and every
accepted problem stays on record; ``lint.baseline: FILE`` in ``pim.yaml`` reads it back. The
waivers rules keep it honest: GEN005 reports a waiver whose finding is gone, GEN004 one past
its expiry."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from pim_gitops.compile import DesiredState
from pim_gitops.errors import LintConfigError, PolicyError, PolicyErrors
from pim_gitops.lint.engine import Finding
from pim_gitops.lint.registry import catalogue
from pim_gitops.lint.waivers import PLACEHOLDER, BaselineWaiver
from pim_gitops.loader import parse_yaml
from pim_gitops.model import Strict, Waiver
from pim_gitops.schema_positions import validate_file
from pim_gitops.wording import plural

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


Key = tuple[str, str, str, str]


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar: a JSON string is one, with every control character (a
    newline in a tenant's display name) escaped, so no text of the tenant can end it."""
    return json.dumps(text, ensure_ascii=False)


def _key(rule: str, role: str | None, principal: str | None, finding: str | None) -> Key:
    """What a waiver is matched by: rule, role and principal in any case, and the finding."""
    return (rule, (role or "").casefold(), (principal or "").casefold(), finding or "")


def _entries(findings: Iterable[Finding]) -> dict[Key, tuple[str, str, str, str]]:
    """One waiver per unwaived finding and role (a waiver names one role; a finding reported
    once for several roles gives one per role), keyed like ``_key``: (rule, role,
    principal, the finding's message without the role's name)."""
    about_waivers = {r.code for r in catalogue() if r.phase == "waivers"}
    found: dict[Key, tuple[str, str, str, str]] = {}
    for f in findings:
        if f.waived is not None or f.rule in about_waivers:
            continue
        text = f.detail or f.message
        for role in f.roles or (f.role,):
            key = _key(f.rule, role, f.principal, text)
            found.setdefault(key, (f.rule, role or "", f.principal or "", text))
    return dict(sorted(found.items()))


def baseline_yaml(
    findings: Iterable[Finding], now: datetime, existing: Iterable[Waiver] = ()
) -> tuple[str, int, int]:
    """The baseline file for these findings, one waiver each (``finding:`` names exactly the
    finding it covers); a waiver of ``existing`` (the file as it was) that still covers a
    finding keeps its reason and expiry. Returns the text, how many waivers it holds and how
    many of them are new."""
    expires = (now + timedelta(days=BASELINE_DAYS)).date().isoformat()
    kept = {_key(w.rule, w.role, w.principal, w.finding): w for w in existing}
    entries = _entries(findings)
    lines = [
        "# Lint baseline written by `pim-gitops lint --baseline`: findings accepted for now.",
        f"# For each waiver, replace the {PLACEHOLDER!r} reason with why it is accepted (or",
        "# fix the problem and delete the waiver) and check the expiry: a TODO reason quiets",
        "# warnings only, errors stay open until a reason is written. Read it from pim.yaml",
        "# with `lint: {baseline: <this file>}`, a path relative to the directory of pim.yaml.",
        "# Running --baseline again keeps what you wrote.",
        "waivers:" if entries else "waivers: []",
    ]
    new = 0
    for key, (rule_code, role, principal, text) in entries.items():
        old = kept.get(key)
        new += old is None
        lines.append(f"  - rule: {rule_code}")
        if role:
            lines.append(f"    role: {_quoted(role)}")
        if principal:
            lines.append(f"    principal: {_quoted(principal)}")
        lines.append(f"    finding: {_quoted(text)}")
        reason = old.reason if old is not None else f"{PLACEHOLDER} (baseline of {now:%Y-%m-%d})"
        lines.append(f"    reason: {_quoted(reason)}")
        lines.append(f"    expires: {old.expires if old is not None else expires}")
    return "\n".join(lines) + "\n", len(entries), new


def baseline_written(out: Path, directory: str | Path, count: int, new: int) -> str:
    """What ``lint --baseline`` says once it wrote ``out``: what to do with the waivers, and
    the ``lint: {baseline: ...}`` line that reads the file back (relative to the policy
    directory, as ``baseline_path`` reads it, not to the current directory)."""
    shown = Path(os.path.relpath(out.resolve(), Path(directory).resolve())).as_posix()
    return (
        f"wrote {plural(count, 'waiver')} to {out} ({new} new, {count - new} "
        "kept as they were); replace each new waiver's TODO reason with why it is accepted "
        "(a TODO reason quiets warnings only: errors stay open until a reason is written), "
        f"and read the file with `lint: {{baseline: {shown}}}` in pim.yaml (the path is "
        "relative to the policy directory)"
    )
