"""The report's "Activation and approval history": per managed role, the requests of the
window read (``TenantState.history``), newest first: who asked for what (activation,
assignment, removal…), when, for how long, with which justification and ticket, who approved
or denied it, and whether this tool made it (its commit, and pull request, from the trace apply
writes into the justification). Graph keeps request objects for a limited time only
(docs/auditing.md); the section says which window it covers and what could not be read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pim_gitops.compile.types import CompiledGroup
from pim_gitops.history import APPROVALS, ApprovalStep, RequestHistory, RequestRecord
from pim_gitops.history_wire import TRACE
from pim_gitops.render.drift import duration_words
from pim_gitops.render.report_doc import Cell, Para, Section, Table, anchor
from pim_gitops.render.report_roles import RoleView, principal_name
from pim_gitops.resolve import Resolver
from pim_gitops.state import TenantState
from pim_gitops.targets import ACCESSES, address_prefix, group_target, is_group
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

ANCHOR = "history"
TITLE = "Activation and approval history"
HEADERS = (
    "When",
    "Who",
    "Request",
    "Length",
    "Justification",
    "Ticket",
    "Approval",
    "Status",
    "Made by",
)
#: Requests shown per role (the newest); the rest are counted.
PER_ROLE = 25
ACTIONS = {
    "selfActivate": "activation",
    "selfDeactivate": "deactivation",
    "selfExtend": "extension asked by the holder",
    "selfRenew": "renewal asked by the holder",
    "adminAssign": "assignment",
    "adminUpdate": "change of assignment",
    "adminRemove": "removal",
    "adminExtend": "extension",
    "adminRenew": "renewal",
}
RESULTS = {"Approve": "approved", "Deny": "denied"}


def action_words(record: RequestRecord) -> str:
    """``activation``; an admin request says of what (``assignment (eligible)``)."""
    words = ACTIONS.get(record.action, record.action)
    return words if record.action.startswith("self") else f"{words} ({record.kind})"


def length_words(record: RequestRecord) -> str:
    if record.action in ("adminRemove", "selfDeactivate"):
        return ""
    if record.duration is not None:
        return duration_words(record.duration)
    if record.end is not None:
        return f"until {format_instant(record.end)}"
    return "no end" if record.action.startswith("admin") else ""


def _step_words(step: ApprovalStep, tenant: TenantState) -> str:
    who = step.reviewer_name or (
        principal_name(tenant, step.reviewer_id) if step.reviewer_id else "an approver"
    )
    when = f" at {format_instant(step.reviewed_at)}" if step.reviewed_at else ""
    why = f": {step.justification}" if step.justification else ""
    return f"{RESULTS.get(step.result, step.result)} by {who}{when}{why}"


def approval_cell(record: RequestRecord, history: RequestHistory, tenant: TenantState) -> Cell:
    """Who approved or denied; "not required", "unknown" when the approvals were not read,
    "none on record" when Graph has none; pending while nobody decided."""
    if record.approval is None:
        return Cell("not required", "muted")
    if not record.approval:
        if not history.approvals_read or is_group(record.role_id):
            return Cell("unknown (approvals not read)", "muted")
        return Cell("none on record", "warn")
    decided = [s for s in record.approval if s.result != "NotReviewed"]
    if not decided:
        return Cell("pending", "warn")
    denied = any(s.result == "Deny" for s in decided)
    return Cell("; ".join(_step_words(s, tenant) for s in decided), "fail" if denied else "")


def _who(record: RequestRecord, tenant: TenantState) -> str:
    name = principal_name(tenant, record.principal_id)
    by = record.requested_by
    if by and by != record.principal_id:
        return f"{name} (asked by {principal_name(tenant, by)})"
    return name


def _made_by(record: RequestRecord) -> Cell:
    prov = record.provenance
    if prov is None:
        return Cell("")
    pr = f", PR #{prov.pull_request}" if prov.pull_request else ""
    return Cell(f"pim-gitops {prov.commit}{pr}", link=prov.url or "")


def _justification(record: RequestRecord) -> str:
    """The justification without this tool's trace (the "Made by" column shows it)."""
    return TRACE.sub("", record.justification or "").strip() or "none"


def ticket_words(record: RequestRecord) -> str:
    """The number, then its system in parentheses: ``see slack (ServiceNow)``."""
    number, system = record.ticket_number, record.ticket_system
    if not number:
        return f"none (system {system})" if system else "none"
    return f"{number} ({system})" if system else number


def request_row(
    record: RequestRecord, history: RequestHistory, tenant: TenantState
) -> tuple[Cell, ...]:
    return (
        Cell(format_instant(record.created)),
        Cell(_who(record, tenant)),
        Cell(action_words(record)),
        Cell(length_words(record)),
        Cell(_justification(record), "" if record.justification else "warn"),
        Cell(ticket_words(record)),
        approval_cell(record, history, tenant),
        Cell(record.status, "fail" if record.status in ("Denied", "Failed") else ""),
        _made_by(record),
    )


class Target(NamedTuple):
    """A managed role, or a managed group's member or owner access, as the history names
    it: its target id and its words (``Global Administrator``,
    ``group["Tier0 Operators"].member``)."""

    target: str | None
    name: str


def history_targets(
    views: Sequence[RoleView], groups: Sequence[CompiledGroup], tenant: TenantState
) -> list[Target]:
    """The managed roles, then each section of each managed group the tenant has."""
    out = [Target(v.role_id, v.name) for v in views]
    resolver = Resolver(tenant)
    for group in sorted(groups, key=lambda g: g.written.casefold()):
        found = resolver.group(group.written)
        if isinstance(found, str):
            continue  # not in the tenant: lint and plan say so
        for access in (a for a in ACCESSES if a in group.sections):
            target = group_target(found.id, access)
            out.append(Target(target, address_prefix(target, found.display_name)))
    return out


def _role_section(view: Target, history: RequestHistory, tenant: TenantState) -> Section:
    mine = [r for r in history.requests if r.role_id == view.target]
    title = f"{TITLE}: {view.name}"
    shown = mine[:PER_ROLE]
    blocks: list[Para | Table] = [
        # ``history``: nine columns of names, instants and ids wrap anywhere to fit A4.
        Table(HEADERS, tuple(request_row(r, history, tenant) for r in shown), "history")
    ]
    if len(mine) > len(shown):
        older = len(mine) - len(shown)
        blocks.append(Para(f"And {plural(older, 'older request')} in the window.", "muted"))
    return Section(anchor(ANCHOR, view.name), title, tuple(blocks), 3)


def _window(history: RequestHistory, views: Sequence[Target]) -> list[Para]:
    managed = {v.target for v in views}
    others = sum(1 for r in history.requests if r.role_id not in managed)
    made = sum(1 for r in history.requests if r.provenance is not None)
    lines = [
        Para(
            f"Requests created from {format_instant(history.since)} to "
            f"{format_instant(history.read_at)}: {plural(len(history.requests), 'request')}, "
            f"{made} of them made by pim-gitops"
            + (f"; {others} for roles the repository does not manage" if others else "")
            + ". Graph keeps request objects for a limited time (docs/auditing.md): older "
            "activity is in the directory audit log only."
        )
    ]
    quiet = sorted(v.name for v in views if v.target not in {r.role_id for r in history.requests})
    unread = any(name != APPROVALS for name, _ in history.gaps)
    if quiet and unread:
        # A request collection Graph refused: a role without requests is unknown, not quiet.
        words = f"Unknown (the requests could not be read) for: {', '.join(quiet)}."
        lines.append(Para(words, "warn"))
    elif quiet:
        lines.append(Para(f"No request in the window for: {', '.join(quiet)}.", "muted"))
    lines += [Para(f"Not read: {name}: {why}.", "warn") for name, why in history.gaps]
    return lines


def history_sections(
    views: Sequence[RoleView], tenant: TenantState | None, groups: Sequence[CompiledGroup] = ()
) -> list[Section]:
    """The section, then one sub-section per managed role, and per managed group section
    (``member``, ``owner``), with requests."""
    if tenant is None:
        return [Section(ANCHOR, TITLE, (Para("The tenant was not read (offline).", "muted"),))]
    history = tenant.history
    if history is None:
        note = Para(
            "The request history was not read: run report against the live tenant (it reads "
            "the last 90 days, or --since) or a snapshot taken with snapshot --since.",
            "muted",
        )
        return [Section(ANCHOR, TITLE, (note,))]
    targets = history_targets(views, groups, tenant)
    top = Section(ANCHOR, TITLE, tuple(_window(history, targets)))
    asked = {r.role_id for r in history.requests}
    return [top, *(_role_section(v, history, tenant) for v in targets if v.target in asked)]
