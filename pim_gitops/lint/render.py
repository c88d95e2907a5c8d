"""Lint output: text, JSON, SARIF 2.1.0 (rule metadata from the registry) and GitHub workflow
annotations; the rule pages are in ``docs.py``."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from pim_gitops import __version__
from pim_gitops.lint.docs import rule_help, rule_markdown, rules_docs
from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.lint.registry import Rule, catalogue
from pim_gitops.lint.report import lint_report
from pim_gitops.wording import plural

__all__ = [
    "render_github",
    "render_json",
    "render_sarif",
    "render_text",
    "rule_markdown",
    "rules_docs",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


#: How each view is introduced in text output.
VIEW_TITLES = {
    "policy": "Policy: the repository (what the tenant will be once applied)",
    "posture": "Posture: the tenant as it is now",
}


def _text_line(f: Finding) -> str:
    waived = f" (waived: {f.waived})" if f.waived else ""
    controls = f" [{', '.join(f.controls)}]" if f.controls else ""
    where = f"{f.file}:{f.line}" if f.line else f.file
    return f"  {where}: {f.rule} {f.severity}: {f.message}{controls}{waived}"


def _view_summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == "error" and not f.waived)
    warnings = sum(1 for f in findings if f.severity == "warning" and not f.waived)
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def render_text(result: LintResult) -> str:
    lines: list[str] = []
    for view in result.views:
        shown = [f for f in result.findings if f.view == view]
        also = (
            f"; and {plural(result.folded_into, 'problem')} of the policy view above, which "
            "the repository keeps"
            if view == "posture" and result.folded
            else ""
        )
        lines += [f"{VIEW_TITLES[view]}: {_view_summary(shown)}{also}", ""]
        for file, group in groupby(shown, key=lambda f: f.file):
            findings = list(group)
            unfiled = view == "posture" and not any(f.line for f in findings)
            lines.append(f"{file} (roles without a file)" if unfiled else file)
            lines += [_text_line(f) for f in findings]
            lines.append("")
    if result.skipped:
        lines.append(
            f"skipped (need a tenant view: --snapshot or --live): {', '.join(result.skipped)}"
        )
    if result.not_run:
        lines.append(
            "not run (turned off by --select/--ignore or lint settings): "
            + ", ".join(result.not_run)
        )
    if result.severities:
        changed = ", ".join(f"{code} reports as {level}" for code, level in result.severities)
        lines.append(f"severity changed by lint.rules: {changed}")
    s = result.summary()
    lines.append(
        f"{plural(s['error'], 'error')}, {plural(s['warning'], 'warning')}, {s['info']} info, "
        f"{s['waived']} waived (preset {result.preset}, privileged roles "
        f"{result.privileged_roles})."
    )
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    """``lint --format json``: the ``LintReport`` model (``schemas/lint-result.schema.json``)."""
    data = lint_report(result).model_dump(mode="json")
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _sarif_rule(r: Rule) -> dict[str, Any]:
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.doc.section("What it checks")},
        "help": {"text": rule_help(r), "markdown": rule_markdown(r)},
        "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
        "properties": {
            "tags": ["security", r.family, *r.controls],
            "needsTenantView": r.tenant_view == "yes",
            "options": {o.name: o.default for o in r.options},
        },
    }


def _physical_location(f: Finding) -> dict[str, Any]:
    """The file, and the line when there is one: a finding about the tenant that no line of
    policy states has no ``region`` (SARIF 2.1.0 §3.29.5: the whole artifact)."""
    found: dict[str, Any] = {"artifactLocation": {"uri": f.file}}
    if f.line:
        found["region"] = {"startLine": f.line, "startColumn": max(f.column, 1)}
    return found


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
            "locations": [{"physicalLocation": _physical_location(f)}],
            "properties": {
                "controls": list(f.controls),
                "role": f.role,
                "roles": list(f.roles),
                "principal": f.principal,
                "view": f.view,
            },
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
                        "rules": [_sarif_rule(r) for r in rules],
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
        where = f"file={f.file},line={f.line}" if f.line else f"file={f.file}"
        title = f"{f.rule} {f.name} ({f.view})"
        lines.append(f"::{level[f.severity]} {where},title={title}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
