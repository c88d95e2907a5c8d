"""The mutation score per module from mutmut's results in ``mutants/`` (after ``make mutate``).

Killed = a test failed (or timed out) with the mutant active; survived = every test mapped to
the mutated function passed. The score is killed / (killed + survived); mutants no test
reaches ("no tests") and unchecked ones are counted apart, not in the score.
Usage: ``python bench/mutation_scores.py [mutants-dir]``; prints a Markdown table."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}


def module_name(meta: Path, root: Path) -> str:
    relative = meta.relative_to(root / "pim_gitops").as_posix().removesuffix(".py.meta")
    if relative.startswith("lint/rules/"):
        return "lint/rules/*"
    return relative


def scores(root: Path) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for meta in sorted((root / "pim_gitops").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        if not codes:
            continue
        counts = out.setdefault(module_name(meta, root), Counter())
        for code in codes.values():
            if code in KILLED:
                counts["killed"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
            elif code in NO_TESTS:
                counts["no tests"] += 1
            else:
                counts["other"] += 1
    return out


def table(found: dict[str, Counter[str]]) -> str:
    lines = [
        "| module | killed | survived | score | no tests | not checked |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, c in sorted(found.items()):
        tried = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / tried:.0f} %" if tried else "–"
        lines.append(
            f"| `{name}` | {c['killed']} | {c['survived']} | {score} | {c['no tests']} "
            f"| {c['other']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(scores(Path(sys.argv[1] if len(sys.argv) > 1 else "mutants"))))
