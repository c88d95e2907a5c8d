"""Raw Graph v1.0 JSON → ``TenantState``. The one place Graph's payloads are interpreted.

Rules (graph-pim.md §3, §5, §9): policies are keyed by roleDefinitionId, never by the id
string (its prefix follows the scope type that was filtered on); rules are matched by id,
whatever their order; durations become seconds; ``maximumDuration`` is ignored while
permanence is allowed; approvers are ignored while approval is off; ``claimValue`` null and
``""`` are the same; empty notification recipients are dropped. Only ``Direct``,
``Assigned`` schedules at scope ``/`` that have not expired are assignments to manage.
Malformed input raises ``SnapshotError`` naming the object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pim_gitops.errors import SnapshotError
from pim_gitops.state import (
    NOTIFICATION_EVENTS,
    NOTIFICATION_LEVELS,
    NOTIFICATION_RECIPIENTS,
    Assignment,
    DirectRoleAssignment,
    Kind,
    NotificationSettings,
    Principal,
    RoleDefinition,
    RolePolicy,
    RoleSettings,
    TenantState,
    make_activation,
    make_assignment_rules,
    make_notification,
    notification_key,
)
from pim_gitops.wire import DurationError, add_seconds, parse_duration, parse_instant

RULE_IDS = (
    "Expiration_Admin_Eligibility",
    "Expiration_Admin_Assignment",
    "Expiration_EndUser_Assignment",
    "Enablement_Admin_Eligibility",
    "Enablement_Admin_Assignment",
    "Enablement_EndUser_Assignment",
    "Approval_EndUser_Assignment",
    "AuthenticationContext_EndUser_Assignment",
    *(
        f"Notification_{who}_{caller}_{level}"
        for caller, level in (
            ("Admin", "Eligibility"),
            ("Admin", "Assignment"),
            ("EndUser", "Assignment"),
        )
        for who in ("Admin", "Requestor", "Approver")
    ),
)
#: Notification events by the rule's caller and level.
EVENT_RULES = {
    "eligible_assigned": ("Admin", "Eligibility"),
    "active_assigned": ("Admin", "Assignment"),
    "activated": ("EndUser", "Assignment"),
}
RULE_TYPE_PREFIX = "#microsoft.graph.unifiedRoleManagementPolicy"


class _Reader:
    """Typed access to one raw object, with errors that name it."""

    def __init__(self, obj: Any, what: str) -> None:
        if not isinstance(obj, Mapping):
            raise SnapshotError(f"{what}: expected an object, got {type(obj).__name__}")
        self.obj = obj
        self.what = what

    def fail(self, message: str) -> SnapshotError:
        return SnapshotError(f"{self.what}: {message}")

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self.obj.get(key)
        if value is None:
            if optional:
                return None
            raise self.fail(f"missing {key!r}")
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string, got {value!r}")
        return value

    def req(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, got {value!r}")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list, got {value!r}")
        return value

    def duration(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be an ISO 8601 duration, got {value!r}")
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise self.fail(f"{key!r}: {exc}") from None


# --- policies ------------------------------------------------------------------------------


def _rules_by_id(rules: Any, what: str) -> dict[str, _Reader]:
    if not isinstance(rules, list):
        raise SnapshotError(
            f"{what}: 'rules' must be a list (was the policy read with $expand=rules?)"
        )
    out: dict[str, _Reader] = {}
    for index, raw in enumerate(rules):
        reader = _Reader(raw, f"{what}, rule #{index}")
        rule_id = reader.req("id")
        reader.what = f"{what}, rule {rule_id}"
        odata_type = reader.text("@odata.type", optional=True)
        expected = RULE_TYPE_PREFIX + rule_id.split("_", 1)[0] + "Rule"
        if odata_type is not None and odata_type.lstrip("#") != expected.lstrip("#"):
            raise reader.fail(f"unexpected @odata.type {odata_type!r} (expected {expected!r})")
        out[rule_id] = reader
    missing = [r for r in RULE_IDS if r not in out]
    if missing:
        raise SnapshotError(f"{what}: missing rules {', '.join(missing)}")
    return out


def _enabled(rule: _Reader) -> set[str]:
    values = rule.items("enabledRules")
    allowed = {"MultiFactorAuthentication", "Justification", "Ticketing"}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise rule.fail(f"unknown enabledRules {unknown}")
    return set(values)


def _approvers(setting: _Reader) -> list[str]:
    refs = []
    for index, stage in enumerate(setting.items("approvalStages")):
        stage_reader = _Reader(stage, f"{setting.what}, stage #{index}")
        for approver in stage_reader.items("primaryApprovers"):
            a = _Reader(approver, f"{stage_reader.what}, approver")
            kind = (a.text("@odata.type", optional=True) or "").rsplit(".", 1)[-1]
            if kind == "singleUser":
                refs.append("user:" + (a.text("userId", optional=True) or a.req("id")))
            elif kind == "groupMembers":
                refs.append("group:" + a.req("groupId"))
            else:
                refs.append(kind or "unknown")
    return refs


def _notifications(rules: Mapping[str, _Reader]) -> tuple[tuple[str, NotificationSettings], ...]:
    out = []
    for event in NOTIFICATION_EVENTS:
        caller, level = EVENT_RULES[event]
        for who in NOTIFICATION_RECIPIENTS:
            rule = rules[f"Notification_{who.capitalize()}_{caller}_{level}"]
            notification_level = rule.text("notificationLevel", optional=True) or "All"
            if notification_level not in NOTIFICATION_LEVELS:
                raise rule.fail(f"unknown notificationLevel {notification_level!r}")
            recipients = rule.items("notificationRecipients")
            if not all(isinstance(r, str) for r in recipients):
                raise rule.fail("notificationRecipients must be strings")
            out.append(
                (
                    notification_key(event, who),
                    make_notification(
                        default_recipients=rule.flag("isDefaultRecipientsEnabled", True),
                        recipients=recipients,
                        level=notification_level,
                    ),
                )
            )
    return tuple(out)


def normalize_rules(rules: Any, what: str) -> RoleSettings:
    """The 17 rules of a directory-role policy → ``RoleSettings``."""
    by_id = _rules_by_id(rules, what)
    activation_rule = by_id["Expiration_EndUser_Assignment"]
    max_activation = activation_rule.duration("maximumDuration")
    if max_activation is None:
        raise activation_rule.fail("missing 'maximumDuration'")
    enduser = _enabled(by_id["Enablement_EndUser_Assignment"])
    context = by_id["AuthenticationContext_EndUser_Assignment"]
    context_on = context.flag("isEnabled", False)
    approval = by_id["Approval_EndUser_Assignment"]
    setting = _Reader(approval.obj.get("setting"), f"{approval.what}, setting")
    approval_required = setting.flag("isApprovalRequired", False)

    def rules_for(level: str) -> Any:
        expiration = by_id[f"Expiration_Admin_{level}"]
        enabled = _enabled(by_id[f"Enablement_Admin_{level}"])
        required = expiration.flag("isExpirationRequired", False)
        maximum = expiration.duration("maximumDuration")
        if required and maximum is None:
            raise expiration.fail("isExpirationRequired is true but maximumDuration is missing")
        return make_assignment_rules(
            allow_permanent=not required,
            max_duration=maximum,
            require_mfa="MultiFactorAuthentication" in enabled,
            require_justification="Justification" in enabled,
        )

    return RoleSettings(
        activation=make_activation(
            max_duration=max_activation,
            require_mfa="MultiFactorAuthentication" in enduser,
            require_justification="Justification" in enduser,
            require_ticket="Ticketing" in enduser,
            authentication_context=(context.text("claimValue", optional=True) or None)
            if context_on
            else None,
            approval_required=approval_required,
            approvers=_approvers(setting) if approval_required else (),
        ),
        eligible_assignment=rules_for("Eligibility"),
        active_assignment=rules_for("Assignment"),
        notifications=_notifications(by_id),
    )


def normalize_policy(policy: Any, role_id: str) -> RolePolicy:
    reader = _Reader(policy, f"policy of role {role_id}")
    policy_id = reader.req("id")
    reader.what = f"policy {policy_id} (role {role_id})"
    settings = normalize_rules(policy.get("rules"), reader.what)
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
    r = _Reader(obj, "directory object")
    object_id = r.req("id")
    r.what = f"directory object {object_id}"
    kind = (r.text("@odata.type", optional=True) or "").rsplit(".", 1)[-1]
    if kind not in ("user", "group", "servicePrincipal"):
        kind = "other"

    def opt_bool(key: str) -> bool | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, bool):
            raise r.fail(f"{key!r} must be true, false or null, got {value!r}")
        return value

    return Principal(
        id=object_id,
        type=kind,
        display_name=r.text("displayName", optional=True) or "",
        user_principal_name=r.text("userPrincipalName", optional=True),
        app_id=r.text("appId", optional=True),
        mail=r.text("mail", optional=True),
        user_type=r.text("userType", optional=True),
        on_premises_sync_enabled=opt_bool("onPremisesSyncEnabled"),
        on_premises_immutable_id=r.text("onPremisesImmutableId", optional=True),
        account_enabled=opt_bool("accountEnabled"),
        is_assignable_to_role=opt_bool("isAssignableToRole"),
    )


def normalize_role(obj: Any) -> RoleDefinition:
    r = _Reader(obj, "role definition")
    role_id = r.req("id")
    r.what = f"role definition {role_id}"
    return RoleDefinition(
        id=role_id,
        template_id=r.text("templateId", optional=True) or role_id,
        display_name=r.req("displayName"),
        is_builtin=r.flag("isBuiltIn", False),
        is_enabled=r.flag("isEnabled", True),
    )


def _instant(r: _Reader, value: Any, key: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise r.fail(f"{key} must be a date-time string, got {value!r}")
    try:
        return parse_instant(value)
    except ValueError:
        raise r.fail(f"{key} is not a valid date-time: {value!r}") from None


def normalize_schedule(obj: Any, kind: Kind, now: datetime) -> Assignment | None:
    """A schedule → ``Assignment``; ``None`` when it is not one to manage (expired, activated,
    inherited through a group, not yet provisioned)."""
    name = "roleEligibilitySchedule" if kind == "eligible" else "roleAssignmentSchedule"
    r = _Reader(obj, name)
    schedule_id = r.req("id")
    r.what = f"{name} {schedule_id}"
    role_id, principal_id = r.req("roleDefinitionId"), r.req("principalId")
    scope = r.text("directoryScopeId", optional=True) or "/"
    if (r.text("memberType", optional=True) or "Direct") != "Direct":
        return None
    if kind == "active" and (r.text("assignmentType", optional=True) or "Assigned") != "Assigned":
        return None
    if (r.text("status", optional=True) or "Provisioned") not in ("Provisioned", "Granted"):
        return None
    info = _Reader(obj.get("scheduleInfo") or {}, f"{r.what}, scheduleInfo")
    expiration = _Reader(info.obj.get("expiration") or {}, f"{r.what}, expiration")
    start = _instant(r, info.obj.get("startDateTime"), "startDateTime")
    etype = (expiration.text("type", optional=True) or "noExpiration").lower()
    end: datetime | None
    if etype in ("noexpiration", "notspecified"):
        end = None
    elif etype == "afterdatetime":
        end = _instant(r, expiration.obj.get("endDateTime"), "endDateTime")
        if end is None:
            raise r.fail("afterDateTime expiration without endDateTime")
    elif etype == "afterduration":
        seconds = expiration.duration("duration")
        if seconds is None or start is None:
            raise r.fail("afterDuration expiration needs a start and a duration")
        end = add_seconds(start, seconds)
    else:
        raise r.fail(f"unknown expiration type {etype!r}")
    if end is not None and end <= now:
        return None
    outside = kind == "active" and obj.get("createdUsing") is None
    return Assignment(role_id, principal_id, scope, kind, end, start, schedule_id, outside)


def normalize_role_assignment(obj: Any) -> DirectRoleAssignment:
    r = _Reader(obj, "roleAssignment")
    rid = r.req("id")
    r.what = f"roleAssignment {rid}"
    return DirectRoleAssignment(
        id=rid,
        role_id=r.req("roleDefinitionId"),
        principal_id=r.req("principalId"),
        scope=r.text("directoryScopeId", optional=True) or "/",
    )


def _policies(
    snapshot: Mapping[str, Any], roles: Iterable[str]
) -> tuple[dict[str, RolePolicy], dict[str, str]]:
    by_policy: dict[str, str] = {}
    for raw in snapshot.get("roleManagementPolicyAssignments") or []:
        link = _Reader(raw, "roleManagementPolicyAssignment")
        policy_id = link.req("policyId")
        # Key by the part after the scope-type prefix (graph-pim.md §9.1).
        by_policy[policy_id.split("_", 1)[1]] = link.req("roleDefinitionId")
    policies: dict[str, RolePolicy] = {}
    errors: dict[str, str] = {}
    known = set(roles)
    for raw in snapshot.get("roleManagementPolicies") or []:
        reader = _Reader(raw, "roleManagementPolicy")
        policy_id = reader.req("id")
        role_id = by_policy.get(policy_id.split("_", 1)[-1])
        if role_id is None:
            continue  # a policy with no role link (e.g. another scope type) is not ours
        if "error" in raw:  # the reader records per-role read failures (graph-pim.md §9.13)
            errors[role_id] = str(raw["error"])
            continue
        policies[role_id] = normalize_policy(raw, role_id)
    for role_id in known - set(policies) - set(errors):
        errors[role_id] = "no PIM policy found for this role"
    return policies, errors


def normalize_tenant(snapshot: Mapping[str, Any], now: datetime) -> TenantState:
    """A snapshot (or what the live reader collected, in the same shape) → ``TenantState``."""
    roles = {r.id: r for r in map(normalize_role, snapshot.get("roleDefinitions") or [])}
    policies, policy_errors = _policies(snapshot, roles)
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
            (managed if assignment.scope == "/" else scoped).append(assignment)
    principals = {p.id: p for p in map(normalize_principal, snapshot.get("directoryObjects") or [])}
    members = snapshot.get("groupMembers") or {}
    if not isinstance(members, Mapping):
        raise SnapshotError("groupMembers must map group ids to lists of member ids")
    return TenantState(
        tenant_id=str(snapshot.get("tenantId") or ""),
        roles=roles,
        policies=policies,
        assignments=tuple(sorted(managed)),
        principals=principals,
        group_members={k: tuple(sorted(v)) for k, v in sorted(members.items())},
        role_assignments=tuple(
            sorted(
                map(normalize_role_assignment, snapshot.get("roleAssignments") or []),
                key=lambda a: a.id,
            )
        ),
        unmanaged_scoped=tuple(sorted(scoped)),
        policy_errors=dict(sorted(policy_errors.items())),
    )
