"""Raw Graph v1.0 JSON → ``TenantState``. The one place Graph's payloads are interpreted.

Rules (graph-pim.md §3, §5, §9): policies are keyed by roleDefinitionId, never by the id
string (its prefix follows the scope type that was filtered on); rules are matched by id,
whatever their order, through the policy-rule table of the policy's scope; durations become
seconds; ``maximumDuration`` is ignored while permanence is allowed; approvers are ignored
while approval is off; ``claimValue`` null and ``""`` are the same; empty notification
recipients are dropped. Only ``Direct``, ``Assigned`` schedules that have not expired are
assignments to manage, at scope ``/`` or an administrative unit
(``/administrativeUnits/<id>``); schedules scoped to an application (``app:<id>``) or to a
single object (``/<objectId>``) are ``unmanaged_scoped``. PIM for Groups and administrative
units: ``normalize_groups``; reviews, history, alerts, extensions: ``normalize_extras``.
Malformed input raises ``SnapshotError`` naming the object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pim_gitops.authcontext import availability
from pim_gitops.errors import SnapshotError
from pim_gitops.normalize_extras import extra_fields
from pim_gitops.normalize_groups import (
    administrative_units,
    group_assignments,
    group_link_target,
    group_read_errors,
    groups_read,
    is_group_scoped,
    is_managed_scope,
    without_activations,
)
from pim_gitops.outside import (
    IN_FLIGHT,
    held_outside_schedules,
    not_yet_scheduled,
    unlisted_requests,
)
from pim_gitops.policy_rules import PolicyScope, rules_of, scope_of
from pim_gitops.rawjson import RawObject
from pim_gitops.snapshot import REQUEST_READ_ERRORS
from pim_gitops.state import (
    Assignment,
    DirectRoleAssignment,
    Kind,
    Leaf,
    Principal,
    RoleDefinition,
    RolePolicy,
    RoleSettings,
    TenantState,
    settings_from_leaves,
)
from pim_gitops.wire import add_seconds

SCOPE = PolicyScope.DIRECTORY_ROLE


def _rules_by_id(rules: Any, what: str, scope: PolicyScope = SCOPE) -> dict[str, RawObject]:
    if not isinstance(rules, list):
        raise SnapshotError(
            f"{what}: 'rules' must be a list (was the policy read with $expand=rules?)"
        )
    specs = {spec.id: spec for spec in rules_of(scope)}
    out: dict[str, RawObject] = {}
    for index, raw in enumerate(rules):
        reader = RawObject(raw, f"{what}, rule #{index}")
        rule_id = reader.req("id")
        reader.what = f"{what}, rule {rule_id}"
        odata_type = reader.text("@odata.type", optional=True)
        spec = specs.get(rule_id)
        if (
            spec is not None
            and odata_type is not None
            and odata_type.lstrip("#") != spec.odata_type.lstrip("#")
        ):
            raise reader.fail(
                f"unexpected @odata.type {odata_type!r} (expected {spec.odata_type!r})"
            )
        out[rule_id] = reader
    missing = [s.id for s in rules_of(scope) if s.id not in out and s.when_absent is None]
    if missing:
        raise SnapshotError(f"{what}: missing rules {', '.join(missing)}")
    return out


def normalize_leaves(rules: Any, what: str, scope: PolicyScope = SCOPE) -> dict[str, Leaf]:
    """The rules of a policy (a directory role's by default) → every setting by policy-file
    path, through the policy-rule table of ``scope``."""
    by_id = _rules_by_id(rules, what, scope)
    leaves: dict[str, Leaf] = {}
    for spec in rules_of(scope):
        found = by_id.get(spec.id)
        leaves.update(spec.read(found) if found is not None else dict(spec.when_absent or {}))
    return leaves


def normalize_rules(rules: Any, what: str, scope: PolicyScope = SCOPE) -> RoleSettings:
    """The 17 rules of a policy (a directory role's by default) → ``RoleSettings``."""
    return settings_from_leaves(normalize_leaves(rules, what, scope))


def normalize_policy(policy: Any, role_id: str) -> RolePolicy:
    """A policy with its rules → ``RolePolicy``; ``role_id`` is a directory role's id or a
    group target (``targets.group_target``), whose rules are read as ``PolicyScope.GROUP``."""
    label = role_id if scope_of(role_id) is PolicyScope.GROUP else f"role {role_id}"
    reader = RawObject(policy, f"policy of {label}")
    policy_id = reader.req("id")
    reader.what = f"policy {policy_id} ({label})"
    settings = normalize_rules(policy.get("rules"), reader.what, scope_of(role_id))
    modified_by = policy.get("lastModifiedBy") or {}
    return RolePolicy(
        policy_id=policy_id,
        role_id=role_id,
        settings=settings,
        raw_rules={r["id"]: r for r in policy["rules"]},
        last_modified=reader.text("lastModifiedDateTime", optional=True),
        last_modified_by=modified_by.get("displayName")
        if isinstance(modified_by, Mapping)
        else None,
    )


# --- principals, roles, schedules ------------------------------------------------------------


def normalize_principal(obj: Any) -> Principal:
    r = RawObject(obj, "directory object")
    object_id = r.req("id")
    r.what = f"directory object {object_id}"
    kind = (r.text("@odata.type", optional=True) or "").rsplit(".", 1)[-1]
    if kind not in ("user", "group", "servicePrincipal"):
        kind = "other"

    return Principal(
        id=object_id,
        type=kind,
        display_name=r.text("displayName", optional=True) or "",
        user_principal_name=r.text("userPrincipalName", optional=True),
        app_id=r.text("appId", optional=True),
        mail=r.text("mail", optional=True),
        user_type=r.text("userType", optional=True),
        on_premises_sync_enabled=r.optional_flag("onPremisesSyncEnabled"),
        on_premises_immutable_id=r.text("onPremisesImmutableId", optional=True),
        account_enabled=r.optional_flag("accountEnabled"),
        is_assignable_to_role=r.optional_flag("isAssignableToRole"),
    )


def normalize_role(obj: Any) -> RoleDefinition:
    r = RawObject(obj, "role definition")
    role_id = r.req("id")
    r.what = f"role definition {role_id}"
    return RoleDefinition(
        id=role_id,
        template_id=r.text("templateId", optional=True) or role_id,
        display_name=r.req("displayName"),
        is_builtin=r.flag("isBuiltIn", False),
        is_enabled=r.flag("isEnabled", True),
        is_privileged=r.optional_flag("isPrivileged"),
    )


def schedule_window(
    obj: Any, r: RawObject, processed: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """(start, end) of a schedule's or a request's ``scheduleInfo``; end ``None``: permanent.
    ``processed``: the start of a request that names none (Graph starts it when it processes
    it; its ``createdDateTime`` is the closest known instant)."""
    info = RawObject(obj.get("scheduleInfo") or {}, f"{r.what}, scheduleInfo")
    expiration = RawObject(info.obj.get("expiration") or {}, f"{r.what}, expiration")
    start = info.instant("startDateTime") or processed
    etype = (expiration.text("type", optional=True) or "noExpiration").lower()
    if etype in ("noexpiration", "notspecified"):
        return start, None
    if etype == "afterdatetime":
        end = expiration.instant("endDateTime")
        if end is None:
            raise r.fail("afterDateTime expiration without endDateTime")
        return start, end
    if etype == "afterduration":
        seconds = expiration.duration("duration")
        if seconds is None or start is None:
            raise r.fail("afterDuration expiration needs a start and a duration")
        return start, add_seconds(start, seconds)
    raise r.fail(f"unknown expiration type {etype!r}")


def _scope(r: RawObject) -> str:
    """The directory scope; a row scoped to an application only (``appScopeId``, no
    ``directoryScopeId``) is not tenant-wide: ``app:<id>``, never managed."""
    scope = r.text("directoryScopeId", optional=True)
    if scope:
        return scope
    app = r.text("appScopeId", optional=True)
    return f"app:{app}" if app and app != "/" else "/"


def normalize_schedule(obj: Any, kind: Kind, now: datetime) -> Assignment | None:
    """A schedule → ``Assignment``; ``None`` when it is not one to manage (expired, activated,
    inherited through a group, not yet provisioned)."""
    name = "roleEligibilitySchedule" if kind == "eligible" else "roleAssignmentSchedule"
    r = RawObject(obj, name)
    schedule_id = r.req("id")
    r.what = f"{name} {schedule_id}"
    role_id, principal_id = r.req("roleDefinitionId"), r.req("principalId")
    scope = _scope(r)
    if (r.text("memberType", optional=True) or "Direct") != "Direct":
        return None
    if kind == "active" and (r.text("assignmentType", optional=True) or "Assigned") != "Assigned":
        return None
    if (r.text("status", optional=True) or "Provisioned") not in ("Provisioned", "Granted"):
        return None
    start, end = schedule_window(obj, r)
    if end is not None and end <= now:
        return None
    outside = kind == "active" and obj.get("createdUsing") is None
    return Assignment(role_id, principal_id, scope, kind, end, start, schedule_id, outside)


def normalize_request(obj: Any, kind: Kind, now: datetime) -> Assignment | None:
    """An ``adminAssign`` request still in flight (``Granted`` with a future start, or
    ``Pending…``) → the ``Assignment`` it will make, carrying ``request``; ``None`` for any
    other request (done, failed, an activation, expired)."""
    name = (
        "roleEligibilityScheduleRequest" if kind == "eligible" else "roleAssignmentScheduleRequest"
    )
    r = RawObject(obj, name)
    request_id = r.req("id")
    r.what = f"{name} {request_id}"
    status = r.text("status", optional=True) or ""
    if status not in IN_FLIGHT or (r.text("action", optional=True) or "").lower() != "adminassign":
        return None
    start, end = schedule_window(obj, r, r.instant("createdDateTime") or now)
    if end is not None and end <= now:
        return None
    role_id, principal_id = r.req("roleDefinitionId"), r.req("principalId")
    request = (request_id, status)
    return Assignment(role_id, principal_id, _scope(r), kind, end, start, request=request)


def normalize_role_assignment(obj: Any) -> DirectRoleAssignment:
    r = RawObject(obj, "roleAssignment")
    rid = r.req("id")
    r.what = f"roleAssignment {rid}"
    return DirectRoleAssignment(
        id=rid,
        role_id=r.req("roleDefinitionId"),
        principal_id=r.req("principalId"),
        scope=_scope(r),
    )


def _policy_links(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """Policy key (the id after its scope-type prefix, graph-pim.md §9.1) → the role id, or
    the group target for a ``scopeType: Group`` link."""
    by_policy: dict[str, str] = {}
    for raw in snapshot.get("roleManagementPolicyAssignments") or []:
        link = RawObject(raw, "roleManagementPolicyAssignment")
        if is_group_scoped(link.obj):
            found = group_link_target(raw)
            if found is not None:
                by_policy[found[0].split("_", 1)[-1]] = found[1]
            continue
        by_policy[link.req("policyId").split("_", 1)[-1]] = link.req("roleDefinitionId")
    return by_policy


def _policies(
    snapshot: Mapping[str, Any], roles: Iterable[str]
) -> tuple[dict[str, RolePolicy], dict[str, str]]:
    """Policies by role id and by group target (one mapping), and the targets whose policy
    could not be read, with why."""
    by_policy = _policy_links(snapshot)
    policies: dict[str, RolePolicy] = {}
    errors: dict[str, str] = {}
    # Per-policy read failures sit beside the raw objects (graph-pim.md §9.13).
    read_errors = snapshot.get("policyReadErrors") or {}
    if not isinstance(read_errors, Mapping):
        raise SnapshotError("policyReadErrors must map policy ids to messages")
    for raw in snapshot.get("roleManagementPolicies") or []:
        reader = RawObject(raw, "roleManagementPolicy")
        policy_id = reader.req("id")
        role_id = by_policy.get(policy_id.split("_", 1)[-1])
        if role_id is None:
            continue  # a policy with no link (e.g. another scope type) is not ours
        if policy_id in read_errors:
            errors[role_id] = str(read_errors[policy_id])
            continue
        try:
            policies[role_id] = normalize_policy(raw, role_id)
        except SnapshotError as exc:
            # One unreadable policy must not hide every other role: a managed role with an
            # error is refused by the plan, an unmanaged one stays untouched.
            errors[role_id] = str(exc)
    # A group read has no policy until Entra creates it on first use: not an error.
    for role_id in set(roles) - set(policies) - set(errors):
        errors[role_id] = "no PIM policy found for this role"
    return policies, errors


def _activations(snapshot: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """(role, principal, scope) of the running activations (``assignmentType: Activated``,
    ``memberType: Direct``): their ``roleAssignments`` row is PIM's."""
    found = set()
    for raw in snapshot.get("roleAssignmentSchedules") or []:
        r = RawObject(raw, "roleAssignmentSchedule")
        activated = (r.text("assignmentType", optional=True) or "Assigned") == "Activated"
        if activated and (r.text("memberType", optional=True) or "Direct") == "Direct":
            found.add((r.req("roleDefinitionId"), r.req("principalId"), _scope(r)))
    return found


def _without_schedule(
    snapshot: Mapping[str, Any],
    scheduled: list[Assignment],
    direct: list[DirectRoleAssignment],
    now: datetime,
) -> list[Assignment]:
    """Assignments Graph holds with no schedule: requests in flight (at ``/`` or an
    administrative unit) and role assignments at ``/`` made outside PIM (``outside.py``)."""
    requests: list[Assignment] = []
    for kind, collection in (
        ("eligible", "roleEligibilityScheduleRequests"),
        ("active", "roleAssignmentScheduleRequests"),
    ):
        for raw in snapshot.get(collection) or []:
            found = normalize_request(raw, kind, now)  # type: ignore[arg-type]
            requests += [found] if found is not None and is_managed_scope(found.scope) else []
    pending = not_yet_scheduled(requests, scheduled)
    # A row is PIM's when an active schedule kept above, a running activation or a request
    # in flight explains it; a schedule of another member type or status does not.
    covered = {
        (a.role_id, a.principal_id, a.scope) for a in (*scheduled, *pending) if a.kind == "active"
    } | _activations(snapshot)
    return pending + held_outside_schedules(direct, covered)


def _role_schedules(
    snapshot: Mapping[str, Any], now: datetime
) -> tuple[list[Assignment], list[Assignment]]:
    """Role schedules to manage (at ``/`` or an administrative unit), and the others (an
    application or a single object scope)."""
    managed: list[Assignment] = []
    scoped: list[Assignment] = []
    for kind, collection in (
        ("eligible", "roleEligibilitySchedules"),
        ("active", "roleAssignmentSchedules"),
    ):
        for raw in snapshot.get(collection) or []:
            assignment = normalize_schedule(raw, kind, now)  # type: ignore[arg-type]
            if assignment is None:
                continue
            (managed if is_managed_scope(assignment.scope) else scoped).append(assignment)
    return managed, scoped


def _group_members(snapshot: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    members = snapshot.get("groupMembers") or {}
    if not isinstance(members, Mapping):
        raise SnapshotError("groupMembers must map group ids to lists of member ids")
    return {k: tuple(sorted(v)) for k, v in sorted(members.items())}


def normalize_tenant(snapshot: Mapping[str, Any], now: datetime) -> TenantState:
    """A snapshot (or what the live reader collected, in the same shape) → ``TenantState``."""
    roles = {r.id: r for r in map(normalize_role, snapshot.get("roleDefinitions") or [])}
    policies, policy_errors = _policies(snapshot, roles)
    policy_errors.update(group_read_errors(snapshot))
    managed, scoped = _role_schedules(snapshot, now)
    direct = sorted(
        map(normalize_role_assignment, snapshot.get("roleAssignments") or []), key=lambda a: a.id
    )
    managed += _without_schedule(snapshot, managed + scoped, direct, now)
    principals = {p.id: p for p in map(normalize_principal, snapshot.get("directoryObjects") or [])}
    return TenantState(
        tenant_id=str(snapshot.get("tenantId") or ""),
        roles=roles,
        policies={k: v for k, v in policies.items() if scope_of(k) is SCOPE},
        assignments=tuple(sorted(managed)),
        principals=principals,
        group_members=without_activations(_group_members(snapshot), snapshot, now),
        role_assignments=tuple(direct),
        unmanaged_scoped=tuple(sorted(scoped)),
        policy_errors=dict(sorted(policy_errors.items())),
        authentication_contexts=availability(snapshot),
        unlisted_requests=unlisted_requests(snapshot.get(REQUEST_READ_ERRORS) or {}),
        group_policies={k: v for k, v in sorted(policies.items()) if scope_of(k) is not SCOPE},
        group_assignments=group_assignments(snapshot, now),
        pim_groups_read=groups_read(snapshot),
        administrative_units=administrative_units(snapshot),
        **extra_fields(snapshot),
    )
