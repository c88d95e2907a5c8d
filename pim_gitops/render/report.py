"""The auditor's report: who can become what, under which controls, with lint status, accepted
exceptions, drift and git provenance. Markdown, or one self-contained HTML page that prints
well."""

from __future__ import annotations

import html
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.plan import Plan
from pim_gitops.state import ActivationSettings
from pim_gitops.wire import format_duration, format_instant
from pim_gitops.wording import plural


@dataclass(frozen=True)
class Provenance:
    commit: str
    author: str
    date: str


def git_provenance(files: Sequence[str]) -> dict[str, Provenance]:
    """The last commit that changed each file (empty where git knows nothing)."""
    out: dict[str, Provenance] = {}
    for file in files:
        path = Path(file)
        result = subprocess.run(
            [
                "git",
                "-C",
                str(path.parent),
                "log",
                "-1",
                "--format=%h%x1f%an%x1f%aI",
                "--",
                path.name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        parts = result.stdout.strip().split("\x1f")
        if result.returncode == 0 and len(parts) == 3:
            out[file] = Provenance(*parts)
    return out


def _duration_words(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if rest == 0 and hours % 24 == 0 and hours >= 24:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    if rest == 0:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return format_duration(seconds)


def activation_words(act: ActivationSettings) -> str:
    needs = []
    if act.authentication_context:
        needs.append(f"the Conditional Access authentication context {act.authentication_context}")
    elif act.require_mfa:
        needs.append("MFA")
    if act.require_justification:
        needs.append("a justification")
    if act.require_ticket:
        needs.append("a ticket number")
    if act.approval_required:
        approvers = ", ".join(act.approvers) or "Privileged Role / Global Administrators (default)"
        needs.append(f"approval by one of: {approvers}")
    text = f"activation up to {_duration_words(act.max_duration)}"
    if needs:
        text += ", requires " + (
            ", ".join(needs[:-1]) + " and " + needs[-1] if len(needs) > 1 else needs[0]
        )
    else:
        text += ", with no requirement"
    return text


def _assignment_words(role: CompiledRole, kind: str) -> str:
    rules = (
        role.settings.eligible_assignment if kind == "eligible" else role.settings.active_assignment
    )
    if rules.allow_permanent:
        return f"{kind} assignments may be permanent"
    limit = _duration_words(rules.max_duration) if rules.max_duration else "?"
    return f"{kind} assignments expire within {limit}"


@dataclass(frozen=True)
class RoleSection:
    name: str
    file: str
    settings: list[str]
    holders: list[tuple[str, str, str]]  # kind, principal, until
    findings: list[Finding]
    drift: list[str]
    provenance: Provenance | None


def build_sections(
    desired: DesiredState,
    lint: LintResult,
    plan: Plan | None,
    now: datetime,
    provenance: Mapping[str, Provenance],
) -> list[RoleSection]:
    sections = []
    for role in sorted(desired.roles, key=lambda r: r.ref.label.casefold()):
        holders = []
        for item in role.assignments:
            if item.permanent:
                until = "permanent"
            elif item.end is not None:
                until = format_instant(item.end)
            elif item.duration is not None:
                until = f"{format_duration(item.duration)} from assignment"
            else:
                until = "?"
            holders.append((item.kind, item.principal, until))
        drift = [
            f"{c.address}: {c.before} → {c.after}"
            for c in (plan.changes if plan else ())
            if c.role.name.casefold() == role.ref.label.casefold()
        ]
        sections.append(
            RoleSection(
                name=role.ref.label,
                file=role.file,
                settings=[
                    activation_words(role.settings.activation),
                    _assignment_words(role, "eligible"),
                    _assignment_words(role, "active"),
                ],
                holders=sorted(holders),
                findings=[f for f in lint.findings if _about(f, role.ref.label)],
                drift=drift,
                provenance=provenance.get(role.file),
            )
        )
    return sections


def _other_findings(lint: LintResult, sections: list[RoleSection]) -> list[Finding]:
    return [f for f in lint.findings if not any(_about(f, sec.name) for sec in sections)]


def _counts(sec: RoleSection) -> tuple[int, int, int]:
    """Eligible holders, active holders, open findings."""
    return (
        sum(1 for h in sec.holders if h[0] == "eligible"),
        sum(1 for h in sec.holders if h[0] == "active"),
        sum(1 for f in sec.findings if f.waived is None),
    )


#: How a finding's view is named in the report.
VIEW_WORDS = {"policy": "repository", "posture": "tenant now"}


def _status(finding: Finding) -> str:
    """Severity (or the accepted exception) and the view: ``error, tenant now``."""
    status = f"accepted: {finding.waived}" if finding.waived else finding.severity
    return f"{status}, {VIEW_WORDS[finding.view]}"


def _lint_block(lint: LintResult) -> list[str]:
    """The report's lint summary in markdown: the totals, then one line per view."""
    s = lint.summary()
    return [
        f"Lint ({lint.preset}): {plural(s['error'], 'error')}, "
        f"{plural(s['warning'], 'warning')}, {plural(s['waived'], 'accepted exception')}.",
        "",
        *[f"- {line}" for line in view_lines(lint)],
        *([f"- Not run (turned off): {', '.join(lint.not_run)}."] if lint.not_run else []),
        "",
    ]


def _html_lint(lint: LintResult) -> str:
    """The report's lint summary in HTML: the totals, then one line per view."""
    e = html.escape
    s = lint.summary()
    return (
        f"<p>Lint ({e(lint.preset)}): <span class=error>{plural(s['error'], 'error')}</span>, "
        f"<span class=warning>{plural(s['warning'], 'warning')}</span>, "
        f"{plural(s['waived'], 'accepted exception')}.</p>"
        "<ul>" + "".join(f"<li>{e(line)}</li>" for line in view_lines(lint)) + "</ul>"
    )


def view_lines(lint: LintResult) -> list[str]:
    """One line per view linted and its open findings; the tenant's count includes the
    problems the policy view shows for it (folded: the repository keeps them)."""
    lines = []
    for view in lint.views:
        shown = [f for f in lint.findings if f.view == view and f.waived is None]
        folded = [f for f in lint.folded if f.waived is None] if view == "posture" else []
        every = shown + folded
        errors = sum(1 for f in every if f.severity == "error")
        what = "what the tenant will be once applied" if view == "policy" else "as it is"
        kept = f" ({len(folded)} of them the repository keeps)" if folded else ""
        lines.append(
            f"{VIEW_WORDS[view].capitalize()} ({what}): {plural(errors, 'error')}, "
            f"{plural(len(every) - errors, 'other finding')}{kept}."
        )
    return lines


def _about(finding: Finding, role: str) -> bool:
    wanted = role.casefold()
    return any((r or "").casefold() == wanted for r in (finding.role, *finding.roles))


def render_markdown(
    desired: DesiredState,
    lint: LintResult,
    sections: list[RoleSection],
    plan: Plan | None,
    now: datetime,
) -> str:
    lines = [
        "# PIM report",
        "",
        f"Tenant `{desired.tenant}`, generated {format_instant(now)}.",
        "",
        "| Role | Activation | Eligible | Active | Findings | Last change |",
        "|---|---|---:|---:|---:|---|",
    ]
    for sec in sections:
        eligible, active, open_findings = _counts(sec)
        change = (
            f"{sec.provenance.date[:10]} {sec.provenance.author} ({sec.provenance.commit})"
            if sec.provenance
            else "not in git"
        )
        lines.append(
            f"| {sec.name} | {sec.settings[0]} | {eligible} | {active} | "
            f"{open_findings} | {change} |"
        )
    lines += ["", *_lint_block(lint)]
    if plan is not None:
        lines += [
            f"Drift: {'none' if plan.empty else plural(len(plan.changes), 'difference')}"
            " between the repository and the tenant.",
            "",
        ]
    lines += ["## Break-glass accounts", ""] + [f"- {b}" for b in desired.break_glass] + [""]
    others = _other_findings(lint, sections)
    if others:
        lines += ["## Findings outside the managed roles", ""]
        lines += [
            f"- **{f.rule}** ({_status(f)}): "
            f"{f.message}" + (f" [{', '.join(f.controls)}]" if f.controls else "")
            for f in others
        ] + [""]
    for sec in sections:
        lines += [f"## {sec.name}", "", f"File: `{sec.file}`", ""]
        lines += [f"- {text}" for text in sec.settings] + [""]
        if sec.holders:
            lines += ["| Kind | Principal | Until |", "|---|---|---|"]
            lines += [f"| {k} | {p} | {u} |" for k, p, u in sec.holders] + [""]
        for f in sec.findings:
            lines.append(
                f"- **{f.rule}** ({_status(f)}): {f.message}"
                + (f" [{', '.join(f.controls)}]" if f.controls else "")
            )
        if sec.drift:
            lines += ["", "Drift:", ""] + [f"- `{d}`" for d in sec.drift]
        lines.append("")
    return "\n".join(lines) + "\n"


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.6rem;margin:0 0 .3rem} h2{font-size:1.2rem;margin:1.6rem 0 .4rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem} table{border-collapse:collapse;width:100%;
margin:.4rem 0 1rem} th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;
vertical-align:top} th{background:#f6f8fa} .error{color:#b42318;font-weight:600}
.warning{color:#9a6700} .accepted{color:#57606a} .muted{color:#57606a}
section{break-inside:avoid} @media print{body{margin:1cm} h2{break-after:avoid}}
"""


def render_html(
    desired: DesiredState,
    lint: LintResult,
    sections: list[RoleSection],
    plan: Plan | None,
    now: datetime,
) -> str:
    e = html.escape
    rows = []
    for sec in sections:
        eligible, active, open_findings = _counts(sec)
        change = (
            f"{e(sec.provenance.date[:10])} {e(sec.provenance.author)} "
            f"<span class=muted>{e(sec.provenance.commit)}</span>"
            if sec.provenance
            else "<span class=muted>not in git</span>"
        )
        rows.append(
            f"<tr><td>{e(sec.name)}</td><td>{e(sec.settings[0])}</td><td>{eligible}</td>"
            f"<td>{active}</td><td>{open_findings}</td><td>{change}</td></tr>"
        )
    body = [
        f"<h1>PIM report</h1><p class=muted>Tenant <b>{e(desired.tenant)}</b>, generated "
        f"{e(format_instant(now))}.</p>",
        "<table><tr><th>Role</th><th>Activation</th><th>Eligible</th><th>Active</th>"
        "<th>Open findings</th><th>Last change</th></tr>" + "".join(rows) + "</table>",
        _html_lint(lint),
    ]
    if plan is not None:
        body.append(
            f"<p>Drift: {'none' if plan.empty else plural(len(plan.changes), 'difference')} "
            "between the repository and the tenant.</p>"
        )
    body.append(
        "<h2>Break-glass accounts</h2><ul>"
        + "".join(f"<li>{e(b)}</li>" for b in desired.break_glass)
        + "</ul>"
    )
    others = _other_findings(lint, sections)
    if others:
        body.append(
            "<h2>Findings outside the managed roles</h2><ul>"
            + "".join(
                f"<li class={'accepted' if f.waived else e(f.severity)}><b>{e(f.rule)}</b> "
                f"{e(_status(f))}: {e(f.message)}</li>"
                for f in others
            )
            + "</ul>"
        )
    for sec in sections:
        part = [f"<section><h2>{e(sec.name)}</h2><p class=muted>{e(sec.file)}</p><ul>"]
        part += [f"<li>{e(t)}</li>" for t in sec.settings] + ["</ul>"]
        if sec.holders:
            part.append(
                "<table><tr><th>Kind</th><th>Principal</th><th>Until</th></tr>"
                + "".join(
                    f"<tr><td>{e(k)}</td><td>{e(p)}</td><td>{e(u)}</td></tr>"
                    for k, p, u in sec.holders
                )
                + "</table>"
            )
        if sec.findings:
            part.append(
                "<ul>"
                + "".join(
                    f"<li class={'accepted' if f.waived else e(f.severity)}><b>{e(f.rule)}</b> "
                    f"{e(_status(f))}: {e(f.message)}</li>"
                    for f in sec.findings
                )
                + "</ul>"
            )
        if sec.drift:
            part.append(
                "<p>Drift:</p><ul>"
                + "".join(f"<li><code>{e(d)}</code></li>" for d in sec.drift)
                + "</ul>"
            )
        body.append("".join(part) + "</section>")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>PIM report</title>"
        f"<style>{CSS}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )
