"""The report's tenant-wide parts: break-glass status, accepted exceptions (waivers), and the
facts a control's evidence names (who holds Global Administrator, whether activation needs
approval): what was looked at, not a judgement (the lint's findings judge)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pim_gitops.access import holders, principal_problem
from pim_gitops.compile import DesiredState
from pim_gitops.lint.engine import LintResult
from pim_gitops.lint.waivers import PLACEHOLDER, names
from pim_gitops.model import Waiver
from pim_gitops.render.report_controls import reasoned
from pim_gitops.render.report_doc import Cell, Para, Section, Table, cells
from pim_gitops.render.report_ga import ga_reach_fact
from pim_gitops.render.report_roles import principal_name
from pim_gitops.resolve import Resolver
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Principal, TenantState
from pim_gitops.wording import plural


def _yes(ok: bool) -> Cell:
    return Cell("yes", "pass") if ok else Cell("no", "fail")


def _cloud_only(p: Principal) -> bool:
    return p.on_premises_sync_enabled is not True and not p.on_premises_immutable_id


def _permanent_ga(tenant: TenantState, principal_id: str) -> bool:
    ga = tenant.role_by_template(GLOBAL_ADMINISTRATOR)
    if ga is None:
        return False
    return any(
        a.end is None and a.request is None
        for a in holders(tenant.assignments, ga.id, ("active",), principal_id=principal_id)
    )


def _break_glass_row(ref: str, tenant: TenantState | None) -> tuple[Cell, ...]:
    if tenant is None:
        return (Cell(ref), *[Cell("not checked (tenant not read)", "muted")] * 4)
    found = Resolver(tenant).principal(ref)
    if isinstance(found, str):
        return (Cell(ref), Cell("no: " + found, "fail"), *[Cell("—", "muted")] * 3)
    problem = principal_problem(tenant, found.id)
    usable = Cell("yes", "pass") if problem is None else Cell(f"no: {problem}", "fail")
    return (
        Cell(ref),
        Cell("yes", "pass"),
        _yes(_cloud_only(found)),
        usable,
        _yes(_permanent_ga(tenant, found.id)),
    )


def break_glass_section(desired: DesiredState, tenant: TenantState | None) -> Section:
    rows = tuple(_break_glass_row(ref, tenant) for ref in desired.break_glass)
    blocks: tuple[Para | Table, ...] = (
        Para(
            f"{len(desired.break_glass)} emergency-access accounts declared in pim.yaml "
            "(break_glass). Each should exist, be cloud-only, usable (enabled), and hold "
            "Global Administrator as a permanent active assignment."
        ),
        Table(("Account", "In the tenant", "Cloud-only", "Usable", "Permanent GA"), rows),
    )
    if not desired.break_glass:
        blocks = (Para("No emergency-access account is declared (pim.yaml break_glass).", "fail"),)
    return Section("break-glass", "Break-glass accounts", blocks)


@dataclass(frozen=True)
class WaiverRow:
    waiver: Waiver
    role: str | None
    file: str


def waiver_rows(
    desired: DesiredState, baseline: Sequence[Waiver] = (), baseline_file: str = ""
) -> list[WaiverRow]:
    """Every waiver: pim.yaml's, each role file's, the baseline file's."""
    rows = [WaiverRow(w, w.role, desired.tenant_file) for w in desired.waivers]
    for role in desired.roles:
        rows += [WaiverRow(w, role.ref.label, role.file) for w in role.waivers]
    rows += [WaiverRow(w, w.role, baseline_file) for w in baseline]
    return rows


def _state(row: WaiverRow, lint: LintResult, now: datetime) -> Cell:
    """What lint did with the waiver: the findings it waived (as lint counts them), and for
    one not yet reasoned, the errors it names that stay open."""
    w = row.waiver
    if w.expires < now.date():
        return Cell("expired", "fail")
    named = [f for f in lint.findings if names(row.waiver, row.role, f)]  # as lint matches
    covered = [f for f in named if f.waived == w.reason]
    if reasoned(w.reason):
        return Cell(f"covers {len(covered)}", "pass" if covered else "warn")
    noun = "warning" if all(f.severity == "warning" for f in covered) else "finding"
    kept = sum(1 for f in named if f.waived is None and f.severity == "error")
    open_ = f" ({plural(kept, 'error')} it names open)" if kept else ""
    return Cell(
        f"not yet reasoned: covers {plural(len(covered), noun)}; errors stay open{open_}", "warn"
    )


def waivers_section(
    rows: Sequence[WaiverRow],
    lint: LintResult,
    now: datetime,
    owners: Mapping[str, str],
) -> Section:
    """Accepted exceptions: reason, owner, expiry, and whether each still covers a finding.
    The waiver format names no owner: the owner shown is the author of the last commit that
    changed the waiver's file (``owners``), as git knows it. A waiver whose reason is still
    the placeholder is not yet reasoned: lint lets it waive warnings only."""
    table_rows = []
    for row in sorted(rows, key=lambda r: (r.waiver.rule, r.role or "", r.waiver.expires)):
        w = row.waiver
        table_rows.append(
            (
                *cells(w.rule, row.role or "any role", w.principal or "—"),
                Cell(w.finding or "any"),
                Cell(w.reason),
                Cell(owners.get(row.file, "not in git")),
                Cell(w.expires.isoformat()),
                _state(row, lint, now),
            )
        )
    pending = sum(1 for r in rows if not reasoned(r.waiver.reason))
    blocks: tuple[Para | Table, ...] = (
        Para(
            "Owner: the waiver format has no owner field; shown is the author of the last "
            "commit to the waiver's file."
        ),
        *(
            (
                Para(
                    f"{plural(pending, 'waiver')} not yet reasoned (the reason is still "
                    f"{PLACEHOLDER!r}): lint lets such a waiver waive warnings only, an error "
                    "it names stays open, and none is an accepted exception until its reason "
                    "says why.",
                    "warn",
                ),
            )
            if pending
            else ()
        ),
        Table(
            ("Rule", "Role", "Principal", "Finding", "Reason", "Owner", "Expires", "State"),
            tuple(table_rows),
        ),
    )
    if not table_rows:
        blocks = (Para("No waiver: every finding of the lint is open."),)
    return Section("waivers", "Accepted exceptions (waivers)", blocks)


def _holders_of(tenant: TenantState, template: str) -> list[str]:
    role = tenant.role_by_template(template)
    if role is None:
        return []
    return sorted(
        {principal_name(tenant, a.principal_id) for a in holders(tenant.assignments, role.id)}
    )


def _approval(tenant: TenantState, template: str, name: str) -> tuple[str, ...]:
    role = tenant.role_by_template(template)
    policy = tenant.policies.get(role.id) if role is not None else None
    if policy is None:
        return ()
    on = "on" if policy.settings.activation.approval_required else "off"
    return (f"{name} activation approval in the tenant: {on}",)


def control_facts(
    desired: DesiredState, tenant: TenantState | None
) -> Callable[[str], tuple[str, ...]]:
    """What the table shows as looked at, per control id (the tenant's, when read)."""

    def facts(control_id: str) -> tuple[str, ...]:
        if control_id == "CIS 1.1.2":
            return (f"declared break-glass accounts: {', '.join(desired.break_glass) or 'none'}",)
        if tenant is None:
            return ()
        if control_id in ("MS.AAD.7.1v1", "CIS 1.1.3", "MS.AAD.7.2v1"):
            held = _holders_of(tenant, GLOBAL_ADMINISTRATOR)
            return (
                f"{len(held)} Global Administrator holders (eligible or active): {', '.join(held)}",
                *ga_reach_fact(tenant),
            )
        if control_id in ("MS.AAD.7.6v1", "CIS 5.3.4"):
            return _approval(tenant, GLOBAL_ADMINISTRATOR, "Global Administrator")
        if control_id == "CIS 5.3.5":
            return _approval(tenant, PRIVILEGED_ROLE_ADMINISTRATOR, "Privileged Role Administrator")
        return ()

    return facts
