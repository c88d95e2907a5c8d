"""The commands that read the policy repository: validate, schema, lint, rules, export and
report (the last three may also read the tenant)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pim_gitops.commands import CommandOptions, ExitCode, tenant_snapshot
from pim_gitops.commands.validate_options import SHOW_EVERY_ROLE
from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.console import Console
from pim_gitops.errors import UnresolvedReferenceError
from pim_gitops.lint.registry import View

if TYPE_CHECKING:
    from datetime import datetime

    from pim_gitops.commands.history_options import Window
    from pim_gitops.lint.engine import LintResult
from pim_gitops.state import TenantState
from pim_gitops.wording import plural


def validate_policies(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    show: str | None = None,
    show_all: bool = False,
    fmt: str = "text",
) -> int:
    """Load and compile the policy; print its summary (or JSON), warnings on stderr;
    ``show``: one role (every role when empty) with where each value came from.
    ``--format json`` prints one JSON document whatever happens, errors included; the
    error is raised on after it, so the message and exit code stay the same."""
    from pim_gitops.validation import validate_directory

    if fmt == "json":
        return _validate_json(console, options, directory, show)
    desired = validate_directory(directory, options.now)  # every problem of the run at once
    for warning in desired.warnings:
        console.message(f"{warning.location}: warning: {warning.message}")
    if show is not None:
        return _show_role(console, desired, show)
    from pim_gitops.render.desired import show_desired, summarize_desired

    console.human(summarize_desired(desired, directory) + "\n")
    if show_all:
        text = show_desired(desired) + "\n"
        console.data(text)
        console.message(_how_long(desired, text))
    return ExitCode.OK


def _validate_json(
    console: Console, options: CommandOptions, directory: str, show: str | None
) -> int:
    from pim_gitops.render.validate_report import failed_report, render_report, valid_report
    from pim_gitops.validation import validate_directory

    try:
        desired = validate_directory(directory, options.now)
        shown = None if show is None else _shown_roles(desired, show)
        report = valid_report(directory, desired, shown)
    except Exception as exc:  # every path prints its document; the error goes on to cli
        console.data(render_report(failed_report(directory, exc)))
        raise
    for warning in desired.warnings:
        console.message(f"{warning.location}: warning: {warning.message}")
    console.data(render_report(report))
    return ExitCode.OK


def _shown_roles(desired: DesiredState, show: str) -> tuple[CompiledRole, ...]:
    """The roles ``--show`` names: one (by name, id or file name), a managed group's
    sections (by the group's name or file name), or every role."""
    from pim_gitops.render.sources import find_shown_role
    from pim_gitops.render.sources_groups import shown_group_sections

    if show == SHOW_EVERY_ROLE:
        return desired.roles
    sections = () if desired.find_role(show) else shown_group_sections(desired, show)
    if sections:
        return sections
    try:
        return (find_shown_role(desired, show),)
    except UnresolvedReferenceError as exc:
        if not Path(show).is_dir():
            raise
        hint = f"{exc.message} ({show} is a directory: `validate {show} --show` shows its roles)"
        raise UnresolvedReferenceError(exc.location, hint) from exc


def _how_long(desired: DesiredState, text: str) -> str:
    lines = text.count("\n")
    return (
        f"{plural(len(desired.roles), 'role')}, {plural(lines, 'line')}; "
        "`validate --show ROLE` prints one role (its name, template id or file name)"
    )


def _show_role(console: Console, desired: DesiredState, role: str) -> int:
    """``--show ROLE`` (one role) or ``--show`` (every role, with a note of its length)."""
    from pim_gitops.render.sources import render_role_sources

    roles = _shown_roles(desired, role)
    text = "\n".join(render_role_sources(r) for r in roles)
    console.data(text)
    if role == SHOW_EVERY_ROLE:
        console.message(_how_long(desired, text))
    return ExitCode.OK


def write_schema_files(console: Console, out: str) -> int:
    from pim_gitops.schemas import write_schemas

    for path in write_schemas(Path(out)):
        console.data(f"wrote {path}\n")
    return ExitCode.OK


#: ``lint --view``: ``all`` without a tenant view is refused by ``run_lint`` (posture needs one).
LINT_VIEWS: dict[str, tuple[View, ...]] = {
    "policy": ("policy",),
    "posture": ("posture",),
    "all": ("policy", "posture"),
}


def _rule_words(given: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--select A,B --select C`` as ``(A, B, C)``; ``None`` when not given."""
    words = tuple(w.strip() for item in given for w in item.split(",") if w.strip())
    return words or None


def lint_policies(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None,
    live: bool,
    preset: str | None,
    fmt: str,
    view: str | None = None,
    select: tuple[str, ...] = (),
    extend_select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    baseline_out: str | None = None,
) -> int:
    """Lint the policy (and the tenant as it is, from a snapshot or live, if asked); exit 1
    on blocking findings of the views shown; ``--baseline`` writes them as waivers."""
    from pim_gitops.commands.history_options import report_since
    from pim_gitops.lint.baseline import baseline_path, read_baseline
    from pim_gitops.lint.engine import run_lint
    from pim_gitops.lint.render import render_github, render_json, render_sarif, render_text
    from pim_gitops.lint.selection import Selection
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now).state
    tenant = None
    if snapshot_path or live:
        # Live, the history rules (HIS) judge the last 90 days, as ``report`` shows them.
        since = report_since(None, options.now, live=not snapshot_path)
        tenant = _tenant_for(console, options, desired, snapshot_path, since)
    path = baseline_path(directory, desired)
    baseline = () if path is None or baseline_out else read_baseline(path, str(path))
    selection = Selection(_rule_words(select), _rule_words(ignore), _rule_words(extend_select))
    views = LINT_VIEWS[view or ("all" if tenant is not None else "policy")]
    result = run_lint(
        desired,
        tenant,
        options.now,
        preset=preset,
        selection=selection,
        views=views,
        baseline=baseline,
    )
    if baseline_out:
        return _write_baseline(console, options, result, Path(baseline_out), directory)
    render = {
        "text": render_text,
        "json": render_json,
        "sarif": render_sarif,
        "github": render_github,
    }[fmt]
    (console.human if fmt == "text" else console.data)(render(result))
    return ExitCode.ERROR if result.blocking else ExitCode.OK


def _write_baseline(
    console: Console, options: CommandOptions, result: LintResult, out: Path, directory: str
) -> int:
    """``lint --baseline FILE``: today's findings as waivers; a waiver FILE already has for
    a finding still there keeps its reason and expiry."""
    from pim_gitops.lint.baseline import baseline_written, baseline_yaml, read_baseline

    existing = [b.waiver for b in read_baseline(out, str(out))] if out.exists() else []
    text, count, new = baseline_yaml(result.findings, options.now, existing)
    out.write_text(text, "utf-8")
    console.message(baseline_written(out, directory, count, new))
    return ExitCode.OK


def _tenant_for(
    console: Console,
    options: CommandOptions,
    desired: DesiredState,
    snapshot_path: str | None,
    history_since: datetime | None = None,
) -> TenantState:
    """The tenant from a snapshot file, or live with the policy's principals that hold no
    role looked up (the resolver ``plan`` uses, ``workflow.read_tenant``)."""
    from pim_gitops.snapshot import snapshot_tenant

    if snapshot_path:
        return snapshot_tenant(tenant_snapshot(console, options, snapshot_path), options.now)
    from pim_gitops.workflow import read_live_state

    state, requests = read_live_state(
        options.graph_url, options.tenant_id, desired, options.now, history_since
    )
    console.message(f"read the tenant in {requests} Graph requests")
    return state


def show_rules(console: Console, rule: str | None, docs_dir: str | None) -> int:
    """The rule catalogue, one rule's page, or every page written to ``docs_dir``."""
    import click

    from pim_gitops.lint.docs import rule_markdown, rules_docs, rules_listing
    from pim_gitops.lint.registry import iter_rules

    if docs_dir:
        out = Path(docs_dir)
        out.mkdir(parents=True, exist_ok=True)
        pages = rules_docs()
        for name, text in sorted(pages.items()):
            (out / name).write_text(text, encoding="utf-8")
        console.data(f"wrote {plural(len(pages), 'page')} to {out}\n")
        return ExitCode.OK
    if rule:
        found = list(iter_rules([rule]))
        if not found:
            raise click.UsageError(f"no rule {rule!r}; see `pim-gitops rules`")
        console.data(rule_markdown(found[0]))
        return ExitCode.OK
    console.data(rules_listing())
    return ExitCode.OK


def export_tenant(
    console: Console,
    options: CommandOptions,
    *,
    snapshot_path: str | None,
    out: str,
    roles: list[str],
    force: bool,
) -> int:
    """Write a policy repository describing the tenant (a plan against it is empty); a
    non-empty ``out`` is refused before the tenant is read."""
    from pim_gitops.export import check_target, export_repo, write_export
    from pim_gitops.normalize import normalize_tenant

    check_target(Path(out), force=force)
    tenant = normalize_tenant(tenant_snapshot(console, options, snapshot_path), options.now)
    files = export_repo(tenant, roles or None, now=options.now)
    write_export(files, Path(out), force=force)
    console.human(f"wrote {plural(len(files), 'file')} to {out}\n")
    if tenant.alerts is None:
        why = f" ({tenant.alert_read_error})" if tenant.alert_read_error else ""
        console.message(
            f"PIM alerts not exported: the tenant's were not read{why}. Graph serves them on "
            "beta only: take a snapshot with `pim-gitops snapshot --policy DIR --out FILE`, "
            "DIR's pim.yaml listing `graph_beta: [alerts]`, then `export --snapshot FILE`"
        )
    return ExitCode.OK


def write_report(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None,
    live: bool,
    fmt: str,
    out: str | None,
    since: Window | None = None,
) -> int:
    """The auditor's report (markdown or HTML), to stdout or ``out``; the request history
    since ``since`` (live: ``history_options.REPORT_DEFAULT`` when not given)."""
    from pim_gitops.commands.history_options import narrowed, report_since
    from pim_gitops.lint.baseline import baseline_path, read_baseline
    from pim_gitops.lint.engine import run_lint
    from pim_gitops.render import report as rep
    from pim_gitops.workflow import load_desired, plan_against

    now = options.now
    desired = load_desired(directory, now)
    tenant = plan = None
    if snapshot_path or live:
        history_since = report_since(since, now, live=not snapshot_path)
        tenant = _tenant_for(console, options, desired.state, snapshot_path, history_since)
        tenant = narrowed(tenant, history_since)
        plan = plan_against(desired, tenant, now)
    path = baseline_path(directory, desired.state)
    baseline = read_baseline(path, str(path)) if path is not None else ()
    lint_result = run_lint(desired.state, tenant, now, baseline=baseline)
    baseline_file = str(path) if path is not None else ""
    files = [r.file for r in desired.state.roles] + [desired.state.tenant_file]
    provenance = rep.git_provenance(files + ([baseline_file] if baseline_file else []))
    inputs = rep.ReportInputs(
        desired.state,
        lint_result,
        tenant,
        plan,
        now,
        provenance,
        tuple(b.waiver for b in baseline),
        baseline_file,
    )
    document = rep.build_report(inputs)
    text = rep.render_html(document) if fmt == "html" else rep.render_markdown(document)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        console.message(f"wrote {out}")
    else:
        console.data(text)
    return ExitCode.OK
