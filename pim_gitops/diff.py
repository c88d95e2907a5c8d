"""Desired state (compiled YAML) vs tenant state → typed changes, matched by address.

Settings are compared per role and per leaf setting; assignments by the key
(role, principal, scope, eligible|active) in dictionaries, so the cost is linear in the
number of assignments. A managed group's member and owner sections are diffed the same way,
under their group targets (``diff_groups.py``). Nothing here talks to Graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pim_gitops.compile import CompiledRole, DeclaredAssignment, DesiredState
from pim_gitops.compile.checks import activation_out_of_range, over_policy
from pim_gitops.diff_ended import ended_declaration, has_ended
from pim_gitops.diff_notes import deleted_principals, tightening_warnings, too_short_to_grant
from pim_gitops.diff_reviews import ReviewDiff, diff_reviews
from pim_gitops.diff_scopes import assignment_address, declared_scope, resolved_item
from pim_gitops.diff_words import readable
from pim_gitops.outside import (
    in_flight,
    in_flight_notes,
    may_already_exist,
    outside_pim_problem,
    unlisted_notes,
    unreachable,
)
from pim_gitops.resolve import (
    Resolver,
    declared_principal,
    managed_roles,
    resolve_guard_refs,
    resolve_settings,
)
from pim_gitops.resolve_reviews import resolve_review
from pim_gitops.scopes import TENANT_WIDE, Managed, resolve_managed
from pim_gitops.state import (
    Assignment,
    Leaf,
    RoleDefinition,
    RoleSettings,
    TenantState,
    settings_leaves,
)
from pim_gitops.wire import format_instant

Action = Literal["create", "update", "delete"]
#: The plan note for an over-policy assignment the tenant already holds as declared.
GRANDFATHERED = (
    "it exists in the tenant as declared (grandfathered): Graph keeps it, but any update "
    "will be refused; replace it with an assignment the policy allows"
)
#: The plan's mark on the removal of a role assignment made outside PIM with no schedule.
DIRECT_REMOVAL = "made outside PIM; removed by DELETE roleAssignments"
#: Instants closer than this are the same (Graph stores 7-digit fractions; we send seconds).
TOLERANCE = timedelta(seconds=60)


@dataclass(frozen=True)
class Change:
    address: str
    action: Action
    role_id: str
    role_name: str
    #: ``setting`` or ``assignment``
    kind: str
    before: Any
    after: Any
    #: Setting path (``activation.max_duration``) for settings; ``eligible``/``active`` else.
    path: str = ""
    principal_id: str | None = None
    principal_ref: str | None = None
    #: Assignments: the desired side (create/update) and the live side (update/delete).
    desired: Assignment | None = None
    live: Assignment | None = None
    declared: DeclaredAssignment | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Diff:
    changes: tuple[Change, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    #: Roles (names) present in the tenant without a policy file.
    unmanaged_roles: tuple[str, ...]
    #: Assignments of managed roles at scopes their files do not manage (``managed_scopes``;
    #: app and object scopes always): listed, never touched.
    unmanaged_scoped: tuple[Assignment, ...]
    #: Desired settings of every managed role, by role id, with approvers resolved.
    desired_settings: Mapping[str, RoleSettings]
    reviews: ReviewDiff = field(default_factory=ReviewDiff)  # ``diff_reviews.py``


# --- settings -----------------------------------------------------------------------------


def changed_paths(want: Mapping[str, Leaf], have: Mapping[str, Leaf]) -> list[str]:
    """The setting paths whose canonical values differ: the one comparison used by the plan
    and by apply's read-back."""
    return [path for path in want if want[path] != have.get(path)]


def _setting_changes(
    role: RoleDefinition, desired: RoleSettings, live: RoleSettings, tenant: TenantState
) -> list[Change]:
    want, have = settings_leaves(desired), settings_leaves(live)
    paths = changed_paths(want, have)
    if not paths:
        return []
    shown_want, shown_have = readable(want, tenant), readable(have, tenant)
    return [
        Change(
            address=f'role["{role.display_name}"].{path}',
            action="update",
            role_id=role.id,
            role_name=role.display_name,
            kind="setting",
            before=shown_have[path],
            after=shown_want[path],
            path=path,
        )
        for path in paths
    ]


# --- assignments ----------------------------------------------------------------------------


def _desired_end(
    item: DeclaredAssignment, live: Assignment | None, now: datetime
) -> datetime | None:
    if item.permanent:
        return None
    if item.end is not None:
        return item.end
    if item.duration is not None:
        # ``renew: true`` (a one-off's end is ``item.end``): from the schedule's start, the
        # live one's, else the declared future start (as apply sends it), else now.
        later = item.start if item.start is not None and item.start > now else None
        begin = live.start if live is not None and live.start is not None else later or now
        return begin + timedelta(seconds=item.duration)
    return None


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    """Equal instants, within ``TOLERANCE``; ``None`` (permanent) equals only ``None``."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOLERANCE


def _when(value: datetime | None) -> str:
    return "permanent" if value is None else format_instant(value)


def _span(desired: Assignment) -> dict[str, str]:
    """An assignment's end, and its start when it starts later (``start → end`` in a plan)."""
    span = {"end": _when(desired.end)}
    return span | ({"start": format_instant(desired.start)} if desired.start else {})


def _assignment_change(
    address: str,
    action: Action,
    role: RoleDefinition,
    desired: Assignment,
    item: DeclaredAssignment,
    before: Any,
    live: Assignment | None,
) -> Change:
    return Change(
        address,
        action,
        role.id,
        role.display_name,
        "assignment",
        before=before,
        after=_span(desired),
        path=desired.kind,
        principal_id=desired.principal_id,
        principal_ref=item.principal,
        desired=desired,
        live=live,
        declared=item,
    )


def _removals(
    role: RoleDefinition,
    live_of_role: list[Assignment],
    declared: Mapping[tuple[str, str, str, str], DeclaredAssignment],
    resolver: Resolver,
    now: datetime,
    managed: Managed = TENANT_WIDE,
) -> list[Change]:
    """Live assignments at the file's managed scopes that no declaration names
    (authoritative mode)."""
    changes = []
    for current in live_of_role:
        if current.key in declared or not managed.covers(current.scope):
            continue  # at a scope the file does not manage: listed, never removed
        if in_flight(current, "", now):
            continue  # a request in flight is left to settle (noted by _assignment_changes)
        principal = resolver.tenant.principals.get(current.principal_id)
        if principal is None:
            continue  # a deleted principal: noted by _deleted_principals, never removed
        ref = principal.reference
        changes.append(
            Change(
                assignment_address(role, current.kind, ref, current.scope, resolver),
                "delete",
                role.id,
                role.display_name,
                "assignment",
                before={"end": _when(current.end)}
                | ({"note": DIRECT_REMOVAL} if current.direct_id is not None else {}),
                after=None,
                path=current.kind,
                principal_id=current.principal_id,
                principal_ref=ref,
                live=current,
            )
        )
    return changes


def _declared_change(
    compiled: CompiledRole,
    role: RoleDefinition,
    item: DeclaredAssignment,
    principal_id: str,
    current: Assignment | None,
    now: datetime,
    base: str,
) -> tuple[Change | None, str | None, str | None]:
    """One declaration against its live schedule: (the change, an error, a plan note);
    ``base`` is its address."""
    end = _desired_end(item, current, now)
    start = item.start if item.start is not None and item.start > now else None
    desired = Assignment(role.id, principal_id, item.scope, item.kind, end, start)
    over = over_policy(compiled, item, now)
    where = f"{item.location}: {role.display_name}: {item.principal}"
    if current is None:
        problem = outside_pim_problem(item.outside_pim, where) or too_short_to_grant(
            item, role, end, now
        )
        if problem or over:
            return None, problem or f"{item.location}: {over}; Graph refuses to create it", None
        return _assignment_change(base, "create", role, desired, item, None, None), None, None
    same_start = start is None or same_instant(start, current.start)
    if (note := in_flight(current, where, now)) or (same_start and same_instant(end, current.end)):
        return None, None, note or (f"{item.location}: {over}; {GRANDFATHERED}" if over else None)
    if (
        problem := unreachable(current, where, now, compiled.assignments_mode == "additive")
    ) or over:
        return None, problem or f"{item.location}: {over}; Graph refuses to update it", None
    if item.renew and item.duration is not None:
        # Re-grant the declared length from now: Graph restarts an updated schedule at the
        # processing time, so "from creation" would never settle otherwise.
        regrant = (start or now) + timedelta(seconds=item.duration)
        desired = Assignment(role.id, principal_id, item.scope, item.kind, regrant, start)
    before = {"end": _when(current.end)}
    return _assignment_change(base, "update", role, desired, item, before, current), None, None


def _assignment_changes(
    compiled: CompiledRole,
    role: RoleDefinition,
    live: Mapping[tuple[str, str, str, str], Assignment],
    live_of_role: list[Assignment],
    resolver: Resolver,
    now: datetime,
    managed: Managed = TENANT_WIDE,
) -> tuple[list[Change], list[str], list[str]]:
    """(changes, errors, plan notes) of one role's declared assignments."""
    changes: list[Change] = []
    errors: list[str] = []
    notes: list[str] = []
    declared_keys: dict[tuple[str, str, str, str], DeclaredAssignment] = {}
    for written in compiled.assignments:
        item = resolved_item(written, resolver)  # keyed by the scope as Graph writes it
        if has_ended(item, now):  # never created again; a later live end is the tenant's
            ended = ended_declaration(compiled, role, item, live, resolver)
            notes.append(ended.note)
            if ended.keep is not None:
                declared_keys[ended.keep] = item
            continue
        found = declared_principal(item, role, resolver, declared_keys)
        problem, outside = declared_scope(found, item, role, resolver, managed)
        notes += [outside] if outside else []
        if problem is not None or isinstance(found, str):
            errors += [problem] if problem else []
            continue
        key: tuple[str, str, str, str] = (role.id, found.id, item.scope, item.kind)
        declared_keys[key] = item
        base = assignment_address(role, item.kind, item.principal, item.scope, resolver)
        change, error, note = _declared_change(
            compiled, role, item, found.id, live.get(key), now, base
        )
        if change and change.action == "create" and change.desired and change.desired.start:
            unlisted = resolver.tenant.unlisted_requests
            if item.kind in unlisted:
                where = f"{item.location}: {role.display_name}: {item.principal}"
                note = may_already_exist(where, item.kind, change.desired.start, unlisted)
        changes += [change] if change else []
        errors += [error] if error else []
        notes += [note] if note else []
    if compiled.assignments_mode == "authoritative":
        changes += _removals(role, live_of_role, declared_keys, resolver, now, managed)
        ours = managed.only(live_of_role)
        notes += in_flight_notes(role.display_name, ours, declared_keys, now)
    return changes, errors, notes


# --- the diff -------------------------------------------------------------------------------


def _policy_changes(
    compiled: CompiledRole, role: RoleDefinition, settings: RoleSettings, tenant: TenantState
) -> tuple[list[Change], list[str], list[str]]:
    """(changes, errors, warnings) of a role's policy settings."""
    policy = tenant.policies.get(role.id)
    if policy is None:
        reason = tenant.policy_errors.get(role.id, "no PIM policy found")
        return [], [f"{role.display_name}: cannot read its PIM policy: {reason}"], []
    found = _setting_changes(role, settings, policy.settings, tenant)
    out_of_range = activation_out_of_range(compiled)
    errors = []
    if out_of_range and any(c.path == "activation.max_duration" for c in found):
        errors.append(f"{out_of_range.location}: {out_of_range.message}")
    return found, errors, tightening_warnings(role, settings, policy.settings, tenant.assignments)


def diff(desired: DesiredState, tenant: TenantState, now: datetime) -> Diff:
    resolver = Resolver(tenant)
    live = {a.key: a for a in tenant.assignments}
    by_role: dict[str, list[Assignment]] = {}
    for a in tenant.assignments:
        by_role.setdefault(a.role_id, []).append(a)
    changes: list[Change] = []
    warnings: list[str] = []
    managed: set[str] = set()
    resolved_settings: dict[str, RoleSettings] = {}
    unmanaged_live: list[Assignment] = []
    warnings += unlisted_notes(tenant.unlisted_requests)
    roles, errors = managed_roles(desired, resolver)
    errors += resolve_guard_refs(desired, resolver).errors
    for index, compiled in enumerate(desired.roles):
        role = roles.get(index)
        if role is None:
            continue
        managed.add(role.id)
        settings, problems = resolve_settings(
            compiled.settings, resolver, role.display_name, compiled, role.id
        )
        errors += problems
        resolved_settings[role.id] = settings
        found, problems, notes = _policy_changes(compiled, role, settings, tenant)
        changes, errors, warnings = changes + found, errors + problems, warnings + notes
        scopes, problems = resolve_managed(
            compiled.managed_scopes, tenant.administrative_units, role
        )
        errors += problems
        found, problems, notes = _assignment_changes(
            compiled, role, live, by_role.get(role.id, []), resolver, now, scopes
        )
        changes, errors, warnings = changes + found, errors + problems, warnings + notes
        unmanaged_live += scopes.others(by_role.get(role.id, []))
        warnings += deleted_principals(role, by_role.get(role.id, []), tenant)
    from pim_gitops.diff_groups import group_diffs  # it builds on this module's functions

    groups = group_diffs(desired, tenant, resolver, now, resolved_settings)
    changes, errors, warnings = changes + groups[0], errors + groups[1], warnings + groups[2]
    order = {"setting": 0, "assignment": 1}
    changes.sort(key=lambda c: (c.role_name.casefold(), c.role_id, order[c.kind], c.address))
    unmanaged_roles = sorted(r.display_name for r in tenant.roles.values() if r.id not in managed)
    scoped = (*(a for a in tenant.unmanaged_scoped if a.role_id in managed), *unmanaged_live)
    reviews = diff_reviews(desired, tenant, now, lambda c: resolve_review(c, resolver))
    diffed = (tuple(changes), (*errors, *reviews.errors), (*warnings, *reviews.warnings))
    return Diff(*diffed, tuple(unmanaged_roles), tuple(sorted(scoped)), resolved_settings, reviews)
