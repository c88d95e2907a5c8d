"""The auditor's report, anchored on ScubaGear's and Maester's: a pass/fail table per control
(SCuBA MS.AAD.7, CIS), each managed role's live settings beside the declared ones with drift
worded as what changed in the tenant, who can become what until when and approved by whom,
break-glass status, accepted exceptions, and git provenance. ``build_report`` makes one
document model (``report_doc``); markdown and HTML render that same model, so they cannot
diverge."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from pim_gitops.access import holders
from pim_gitops.compile import DesiredState
from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.model import Waiver
from pim_gitops.plan import Plan
from pim_gitops.render.drift import Modified, drift_line, duration_words
from pim_gitops.render.report_access import (
    break_glass_section,
    control_facts,
    waiver_rows,
    waivers_section,
)
from pim_gitops.render.report_alerts import alerts_section, alerts_summary
from pim_gitops.render.report_controls import (
    VIEW_WORDS,
    controls_section,
    reasoned,
    waived_words,
)
from pim_gitops.render.report_doc import (
    Block,
    Bullets,
    Cell,
    Document,
    Para,
    Section,
    Table,
    cells,
)
from pim_gitops.render.report_doc import render_markdown as markdown_of
from pim_gitops.render.report_ga import ga_section
from pim_gitops.render.report_history import history_sections
from pim_gitops.render.report_html import render_html as html_of
from pim_gitops.render.report_reviews import reviews_section
from pim_gitops.render.report_roles import (
    ACCESS_HEADERS,
    RoleView,
    access_rows,
    named_approvers,
    policy_modified,
    role_changes,
    role_views,
    settings_table,
)
from pim_gitops.state import ActivationSettings, TenantState
from pim_gitops.wire import format_instant
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
    text = f"activation up to {duration_words(act.max_duration)}"
    if needs:
        text += ", requires " + (
            ", ".join(needs[:-1]) + " and " + needs[-1] if len(needs) > 1 else needs[0]
        )
    else:
        text += ", with no requirement"
    return text


def named_activation(act: ActivationSettings, tenant: TenantState | None) -> ActivationSettings:
    """The activation settings with approver ids (``group:<id>``) as the tenant names them."""
    if tenant is None:
        return act
    return replace(act, approvers=named_approvers(act.approvers, tenant))


@dataclass(frozen=True)
class ReportInputs:
    """What the report is made of; ``tenant`` and ``plan`` are ``None`` offline."""

    desired: DesiredState
    lint: LintResult
    tenant: TenantState | None
    plan: Plan | None
    now: datetime
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    baseline: tuple[Waiver, ...] = ()
    #: Where the baseline's waivers are written (``lint.baseline``).
    baseline_file: str = ""

    @property
    def modified(self) -> Modified:
        if self.tenant is None:
            return {}
        return {r: (p.last_modified, p.last_modified_by) for r, p in self.tenant.policies.items()}


def _about(finding: Finding, role: str) -> bool:
    wanted = role.casefold()
    return any((r or "").casefold() == wanted for r in (finding.role, *finding.roles))


def _finding_cell(finding: Finding) -> Cell:
    status = f"{finding.severity}, {waived_words(finding)}" if finding.waived else finding.severity
    controls = f" [{', '.join(finding.controls)}]" if finding.controls else ""
    css = (
        "muted"
        if reasoned(finding.waived)
        else {"error": "fail", "warning": "warn"}.get(finding.severity, "")
    )
    return Cell(
        f"{finding.rule} ({status}, {VIEW_WORDS[finding.view]}): {finding.message}{controls}", css
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


def _summary(inputs: ReportInputs) -> Section:
    lint, plan = inputs.lint, inputs.plan
    s = lint.summary()
    accepted = sum(1 for f in lint.findings if reasoned(f.waived))
    unreasoned = s["waived"] - accepted
    pending = (
        f", {unreasoned} waived by a waiver not yet reasoned (its placeholder reason waives "
        "warnings only; errors stay open)"
        if unreasoned
        else ""
    )
    items = [
        Cell(
            f"Lint ({lint.preset}): {plural(s['error'], 'error')}, "
            f"{plural(s['warning'], 'warning')}, {plural(accepted, 'accepted exception')}"
            f"{pending}."
        ),
        *[Cell(line) for line in view_lines(lint)],
    ]
    if lint.not_run:
        items.append(Cell(f"Not run (turned off): {', '.join(lint.not_run)}."))
    if plan is None:
        items.append(Cell("Drift: not compared (the tenant was not read).", "muted"))
    else:
        count = "none" if plan.empty else plural(len(plan.changes), "difference")
        items.append(Cell(f"Drift: {count} between the repository and the tenant."))
    tenant = inputs.tenant
    items += [c for c in (alerts_summary(tenant),) if c is not None]
    read = f"Tenant {tenant.tenant_id} read." if tenant else "The tenant was not read (offline)."
    return Section("summary", "Summary", (Para(read), Bullets(tuple(items))))


def _counts(view: RoleView, inputs: ReportInputs) -> tuple[int, int]:
    """Eligible and active holders: the tenant's, or the declared ones offline."""
    if inputs.tenant is not None and view.role_id is not None:
        kinds = [a.kind for a in holders(inputs.tenant.assignments, view.role_id)]
    else:
        kinds = [a.kind for a in view.role.assignments]
    return kinds.count("eligible"), kinds.count("active")


def _overview_row(view: RoleView, inputs: ReportInputs) -> tuple[Cell, ...]:
    live = view.policy.settings.activation if view.policy is not None else None
    eligible, active = _counts(view, inputs)
    changes = role_changes(inputs.plan, view)
    open_findings = sum(
        1 for f in inputs.lint.findings if _about(f, view.name) and f.waived is None
    )
    prov = inputs.provenance.get(view.role.file)
    change = f"{prov.date[:10]} {prov.author} ({prov.commit})" if prov else "not in git"
    drift = "not compared" if inputs.plan is None else plural(len(changes), "difference")
    return (
        Cell(view.name, link=f"#{view.anchor}"),
        Cell(activation_words(named_activation(live, inputs.tenant)) if live else "not read"),
        Cell(activation_words(view.role.settings.activation)),
        *cells(str(eligible), str(active)),
        Cell(drift, "warn" if changes else ""),
        Cell(str(open_findings), "fail" if open_findings else "pass"),
        Cell(change),
    )


def _roles_overview(views: list[RoleView], inputs: ReportInputs) -> Section:
    headers = (
        "Role",
        "Activation in the tenant",
        "Activation in the repository",
        "Eligible",
        "Active",
        "Drift",
        "Open findings",
        "Last change (git)",
    )
    rows = tuple(_overview_row(v, inputs) for v in views)
    return Section("roles", "Managed roles", (Table(headers, rows),))


def _access(views: list[RoleView], inputs: ReportInputs) -> Section:
    rows = tuple(row for v in views for row in access_rows(v, inputs.tenant, inputs.plan))
    where = "the tenant's holders" if inputs.tenant else "the holders the repository declares"
    return Section(
        "access",
        "Who can become what",
        (
            Para(
                f"Eligible and active holders of the managed roles ({where}), until when, "
                "and who approves an activation."
            ),
            Table(ACCESS_HEADERS, rows),
        ),
    )


def _role_section(view: RoleView, inputs: ReportInputs) -> Section:
    prov = inputs.provenance.get(view.role.file)
    file = f"File: {view.role.file}" + (
        f", last changed {prov.date[:10]} by {prov.author} ({prov.commit})." if prov else "."
    )
    blocks: list[Block] = [Para(file)]
    modified = policy_modified(view, inputs.modified)
    if modified:
        blocks.append(Para(modified))
    blocks.append(settings_table(view, inputs.tenant, inputs.plan))
    moved = [drift_line(c) for c in role_changes(inputs.plan, view) if c["kind"] == "assignment"]
    if moved:
        blocks += [
            Para("Assignments that differ:"),
            Bullets(tuple(Cell(f"{d.subject}: {d.words}", "warn") for d in moved)),
        ]
    findings = [f for f in inputs.lint.findings if _about(f, view.name)]
    if findings:
        blocks += [Para("Findings:"), Bullets(tuple(_finding_cell(f) for f in findings))]
    return Section(view.anchor, view.name, tuple(blocks), level=3)


def _others(views: list[RoleView], lint: LintResult) -> Section:
    others = [f for f in lint.findings if not any(_about(f, v.name) for v in views)]
    blocks: tuple[Block, ...] = (Bullets(tuple(_finding_cell(f) for f in others)),)
    if not others:
        blocks = (Para("None."),)
    return Section("other-findings", "Findings outside the managed roles", blocks)


def build_report(inputs: ReportInputs) -> Document:
    """The report as one document."""
    desired, tenant = inputs.desired, inputs.tenant
    views = role_views(desired.roles, tenant)
    sections = [
        _summary(inputs),
        controls_section(inputs.lint, control_facts(desired, tenant)),
        _roles_overview(views, inputs),
        _access(views, inputs),
        *history_sections(views, tenant, desired.groups),
        ga_section(tenant),
        break_glass_section(desired, tenant),
        reviews_section(desired, inputs.now.date(), tenant),
        alerts_section(desired, tenant),
        waivers_section(
            waiver_rows(desired, inputs.baseline, inputs.baseline_file),
            inputs.lint,
            inputs.now,
            {file: p.author for file, p in inputs.provenance.items()},
        ),
        _others(views, inputs.lint),
        Section(
            "role-details",
            "Role details",
            (
                Para(
                    "Per managed role: the tenant's settings beside the repository's, each "
                    "difference worded as what changed in the tenant, then its findings."
                ),
            ),
        ),
        *[_role_section(v, inputs) for v in views],
    ]
    return Document(
        "PIM report",
        f"Tenant {desired.tenant}, generated {format_instant(inputs.now)}.",
        tuple(sections),
    )


def render_markdown(document: Document) -> str:
    return markdown_of(document)


def render_html(document: Document) -> str:
    return html_of(document)
