"""Lint output: text, JSON, SARIF 2.1.0, GitHub workflow annotations, and the rule docs."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from pim_gitops import __version__
from pim_gitops.lint.engine import LintResult, Rule, catalogue
from pim_gitops.lint.report import lint_report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_text(result: LintResult) -> str:
    lines: list[str] = []
    for file, findings in groupby(result.findings, key=lambda f: f.file):
        lines.append(file)
        for f in findings:
            waived = f" (waived: {f.waived})" if f.waived else ""
            controls = f" [{', '.join(f.controls)}]" if f.controls else ""
            lines.append(
                f"  {f.file}:{f.line}: {f.rule} {f.severity}: {f.message}{controls}{waived}"
            )
        lines.append("")
    if result.skipped:
        lines.append(
            f"skipped (need a tenant view: --snapshot or --live): {', '.join(result.skipped)}"
        )
    s = result.summary()
    lines.append(
        f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info, "
        f"{s['waived']} waived (preset {result.preset})."
    )
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    """``lint --format json``: the ``LintReport`` model (``schemas/lint-result.schema.json``)."""
    data = lint_report(result).model_dump(mode="json")
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _rule_help(rule: Rule) -> str:
    return (
        f"{rule.title}\n\n{rule.rationale}\n\nFix: {rule.fix}\n\n"
        f"Violation:\n{rule.bad}\n\nFixed:\n{rule.good}\n\n"
        f"Controls: {', '.join(rule.controls) or 'best practice'}"
    )


def render_sarif(result: LintResult) -> str:
    rules = catalogue()
    index = {r.code: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        item: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
                    }
                }
            ],
            "properties": {"controls": list(f.controls), "role": f.role, "principal": f.principal},
        }
        if f.waived:
            item["suppressions"] = [{"kind": "inSource", "justification": f.waived}]
        results.append(item)
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pim-gitops",
                        "version": __version__,
                        "informationUri": "https://pim-gitops.dev",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.title},
                                "fullDescription": {"text": r.rationale},
                                "help": {"text": _rule_help(r), "markdown": rule_markdown(r)},
                                "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
                                "properties": {"tags": ["security", *r.controls]},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, sort_keys=True) + "\n"


def render_github(result: LintResult) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in result.findings:
        if f.waived:
            continue
        message = f.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        lines.append(
            f"::{level[f.severity]} file={f.file},line={f.line},title={f.rule} {f.name}::{message}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def rule_markdown(rule: Rule) -> str:
    controls = ", ".join(rule.controls) or "best practice (no external control)"
    options = ", ".join(f"`{k}` (default `{v}`)" for k, v in rule.options.items()) or "none"
    return (
        f"# {rule.code} {rule.name}\n\n**{rule.title}**\n\n"
        f"- Severity: {rule.severity}\n- Presets: {', '.join(rule.presets)}\n"
        f"- Needs a tenant view: {'yes' if rule.needs_tenant else 'no'}\n"
        f"- Controls: {controls}\n- Options: {options}\n\n"
        f"## Why\n\n{rule.rationale}\n\n## Fix\n\n{rule.fix}\n\n"
        f"## Example\n\nViolation:\n\n```yaml\n{rule.bad}\n```\n\n"
        f"Fixed:\n\n```yaml\n{rule.good}\n```\n"
    )


def rules_docs() -> dict[str, str]:
    """``docs/rules/``: one page per rule and an index."""
    pages = {f"{r.code}.md": rule_markdown(r) for r in catalogue()}
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.title} | "
        f"{', '.join(r.controls) or '—'} |"
        for r in catalogue()
    )
    pages["README.md"] = (
        "# Lint rules\n\nGenerated from the catalogue (`pim-gitops rules --docs docs/rules`).\n\n"
        "| Code | Name | Severity | Title | Controls |\n|---|---|---|---|---|\n" + rows + "\n"
    )
    return pages
