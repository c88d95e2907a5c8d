"""PIM semantics: what Graph accepts and refuses, and what a successful write changes.

Each check names its source in ``docs/emulator.md``; error codes marked *assumption* there
are ours (Graph documents none) and clients must not branch on them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pim_gitops.emulator import extension_rules, pending
from pim_gitops.emulator.errors import GraphFault, bad_request
from pim_gitops.emulator.scoped_roles import check_scope
from pim_gitops.emulator.store import Store
from pim_gitops.wire import (
    DurationError,
    format_instant,
    parse_duration,
    parse_instant,
    role_assignment_id,
)

RULE_TYPE_PREFIX = "#microsoft.graph.unifiedRoleManagementPolicy"
RULE_TYPES = {
    "Expiration": "ExpirationRule",
    "Enablement": "EnablementRule",
    "Approval": "ApprovalRule",
    "AuthenticationContext": "AuthenticationContextRule",
    "Notification": "NotificationRule",
}
RULE_PROPERTIES = {
    "ExpirationRule": {"isExpirationRequired", "maximumDuration"},
    "EnablementRule": {"enabledRules"},
    "ApprovalRule": {"setting"},
    "AuthenticationContextRule": {"isEnabled", "claimValue"},
    "NotificationRule": {
        "notificationType",
        "recipientType",
        "notificationLevel",
        "isDefaultRecipientsEnabled",
        "notificationRecipients",
    },
}
COMMON_PROPERTIES = {"@odata.type", "id", "target", "@odata.context"}
TARGET_KEYS = {"caller", "operations", "level", "inheritableSettings", "enforcedSettings"}
ENABLEMENT_VALUES = {"MultiFactorAuthentication", "Justification", "Ticketing"}
MIN_ACTIVATION_SECONDS = 30 * 60
MAX_ACTIVATION_SECONDS = 24 * 3600
ACTIONS = {
    a.lower(): a
    for a in (
        "adminAssign",
        "adminUpdate",
        "adminRemove",
        "adminExtend",
        "adminRenew",
        "selfActivate",
        "selfDeactivate",
        "selfExtend",
        "selfRenew",
    )
}
EXPIRATION_TYPES = {
    t.lower(): t for t in ("notSpecified", "noExpiration", "afterDateTime", "afterDuration")
}


# --- policies -----------------------------------------------------------------------------


def _rule_kind(rule_id: str) -> str:
    return RULE_TYPES.get(rule_id.split("_", 1)[0], "")


def _invalid_rule(message: str) -> GraphFault:
    # Graph answers "The policy rule is invalid" (microsoft-graph-docs#19168); the code is
    # not documented: "InvalidPolicyRule" is our assumption.
    return bad_request(message, "InvalidPolicyRule")


def _check_duration(value: Any, rule_id: str) -> int:
    if not isinstance(value, str):
        raise _invalid_rule(f"The policy rule is invalid: {rule_id}.maximumDuration")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise _invalid_rule(
            f"The policy rule is invalid: {rule_id}.maximumDuration: {exc}"
        ) from None


def validate_rule_patch(rule_id: str, body: Mapping[str, Any], existing: Mapping[str, Any]) -> None:
    """Check one rule of a PATCH the way Graph does; raises ``GraphFault``."""
    kind = _rule_kind(rule_id)
    if not kind or not existing:
        raise bad_request(f"The policy rule id {rule_id} is invalid.", "InvalidPolicyRule")
    odata_type = body.get("@odata.type")
    if odata_type is None:
        raise _invalid_rule("The policy rule is invalid: @odata.type is required")
    if str(odata_type).lstrip("#") != f"{RULE_TYPE_PREFIX}{kind}".lstrip("#"):
        # A mismatched type gets a 500 with an empty code (microsoft-graph-docs#15910).
        raise GraphFault(500, "", "An error has occurred.")
    if "id" in body and body["id"] != rule_id:
        raise _invalid_rule(f"The policy rule is invalid: id {body['id']!r} != {rule_id!r}")
    unknown = set(body) - COMMON_PROPERTIES - RULE_PROPERTIES[kind]
    if unknown:
        raise _invalid_rule(f"The policy rule is invalid: unknown properties {sorted(unknown)}")
    target = body.get("target")
    if not isinstance(target, Mapping) or not set(target) >= TARGET_KEYS:
        # Graph accepted such a PATCH and broke the rule for good (docs-contrib#2230); the
        # emulator refuses it so a client that forgets to echo the target fails loudly.
        raise bad_request(
            f"The policy rule is invalid: {rule_id} needs its complete target "
            f"({', '.join(sorted(TARGET_KEYS))})",
            "InvalidPolicyRule",
        )
    live_target = existing.get("target") or {}
    for key in ("caller", "level"):
        if str(target.get(key, "")).lower() != str(live_target.get(key, "")).lower():
            raise _invalid_rule(f"The policy rule is invalid: target.{key} of {rule_id} is fixed")
    _validate_settings(kind, rule_id, body)


def _validate_settings(kind: str, rule_id: str, body: Mapping[str, Any]) -> None:
    if kind == "ExpirationRule":
        required = body.get("isExpirationRequired")
        if required is not None and not isinstance(required, bool):
            raise _invalid_rule("The policy rule is invalid: isExpirationRequired")
        if "maximumDuration" in body and body["maximumDuration"] is not None:
            seconds = _check_duration(body["maximumDuration"], rule_id)
            if seconds <= 0:
                raise _invalid_rule(f"The policy rule is invalid: {rule_id}.maximumDuration")
            if rule_id == "Expiration_EndUser_Assignment" and not (
                MIN_ACTIVATION_SECONDS <= seconds <= MAX_ACTIVATION_SECONDS
            ):
                raise bad_request(
                    "The activation maximum duration must be between 30 minutes and 24 hours.",
                    "InvalidPolicyRule",
                )
        elif required:
            raise _invalid_rule("maximumDuration is required when isExpirationRequired is true")
    elif kind == "EnablementRule":
        rules = body.get("enabledRules")
        if not isinstance(rules, list) or not set(rules) <= ENABLEMENT_VALUES:
            raise _invalid_rule(f"The policy rule is invalid: {rule_id}.enabledRules")
        if rule_id != "Enablement_EndUser_Assignment" and "Ticketing" in rules:
            raise _invalid_rule(f"Ticketing is not supported on {rule_id}")
    elif kind == "AuthenticationContextRule":
        enabled = body.get("isEnabled")
        if not isinstance(enabled, bool):
            raise _invalid_rule("The policy rule is invalid: isEnabled")
        if enabled and not body.get("claimValue"):
            raise _invalid_rule("claimValue is required when the authentication context is on")
    elif kind == "NotificationRule":
        recipient = rule_id.split("_")[1]
        if str(body.get("recipientType", recipient)).lower() != recipient.lower():
            raise _invalid_rule(f"recipientType of {rule_id} is {recipient}")
        if str(body.get("notificationLevel", "All")) not in ("All", "Critical", "None"):
            raise _invalid_rule("notificationLevel must be All, Critical or None")
        recipients = body.get("notificationRecipients", [])
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise _invalid_rule("notificationRecipients must be a list of e-mail addresses")
    elif kind == "ApprovalRule":
        _validate_approval(body.get("setting"))


def _validate_approval(setting: Any) -> None:
    if not isinstance(setting, Mapping):
        raise _invalid_rule("The policy rule is invalid: setting")
    stages = setting.get("approvalStages") or []
    if not isinstance(stages, list) or len(stages) > 2:
        raise _invalid_rule("approvalStages must hold one or two stages")
    for stage in stages:
        for approver in (stage or {}).get("primaryApprovers") or []:
            kind = str(approver.get("@odata.type", "")).rsplit(".", 1)[-1]
            if kind not in ("singleUser", "groupMembers", "requestorManager"):
                raise _invalid_rule(f"unsupported approver type {kind!r}")
            if kind == "singleUser" and not (approver.get("userId") or approver.get("id")):
                raise _invalid_rule("a singleUser approver needs userId")
            if kind == "groupMembers" and not approver.get("groupId"):
                raise _invalid_rule("a groupMembers approver needs groupId")


def _stored_form(rule: dict[str, Any]) -> dict[str, Any]:
    """What a GET returns after a PATCH: Graph lower-cases operations and reports a disabled
    context's claim as null (graph-pim.md §4, samples)."""
    target = rule.get("target") or {}
    target.pop("@odata.type", None)
    target["operations"] = [str(o).lower() for o in target.get("operations") or []]
    rule["target"] = target
    if rule.get("@odata.type", "").endswith("AuthenticationContextRule") and not rule.get(
        "isEnabled"
    ):
        rule["claimValue"] = None
    rule.pop("@odata.context", None)
    if not str(rule.get("@odata.type", "")).startswith("#"):
        rule["@odata.type"] = "#" + str(rule.get("@odata.type"))
    return rule


def _conflicts(rules: Mapping[str, Mapping[str, Any]]) -> None:
    enablement = rules.get("Enablement_EndUser_Assignment") or {}
    context = rules.get("AuthenticationContext_EndUser_Assignment") or {}
    if context.get("isEnabled") and "MultiFactorAuthentication" in (
        enablement.get("enabledRules") or []
    ):
        # The code is our assumption; Entra refuses MFA together with an authentication
        # context on activation (the admin center unticks one when the other is chosen).
        raise bad_request(
            "Multifactor authentication and an authentication context cannot both be "
            "required on activation.",
            "MfaAndAcrsConflict",
        )


def patch_rules(
    store: Store, policy: dict[str, Any], bodies: list[Mapping[str, Any]], now: datetime
) -> None:
    """Validate every rule of a PATCH, then apply all of them or none."""
    current = {r["id"]: r for r in policy.get("rules", [])}
    updated = dict(current)
    for body in bodies:
        if not isinstance(body, Mapping):
            raise _invalid_rule("each rule must be an object")
        rule_id = str(body.get("id", ""))
        existing = current.get(rule_id)
        if extension_rules.is_extension_rule(rule_id):
            # A custom extension rule may be added (extension_rules.py).
            updated[rule_id] = extension_rules.checked_rule(store, rule_id, body, existing)
            continue
        validate_rule_patch(rule_id, body, existing or {})
        merged = copy.deepcopy(updated[rule_id])
        for key, value in body.items():
            merged[key] = copy.deepcopy(value)
        updated[rule_id] = _stored_form(merged)
    _conflicts(updated)
    added = [rule for rule_id, rule in updated.items() if rule_id not in current]
    policy["rules"] = [updated[r["id"]] for r in policy.get("rules", [])] + added
    policy["lastModifiedDateTime"] = format_instant(now)
    policy["lastModifiedBy"] = {"displayName": "pim-gitops emulator", "id": None}


# --- schedule requests ------------------------------------------------------------------


def _policy_failure(rules: list[str]) -> GraphFault:
    names = ",".join(f'"{r}"' for r in rules)
    return bad_request(
        f"The following policy rules failed: [{names}]",
        "RoleAssignmentRequestPolicyValidationFailed",
    )


def schedule_window(info: Any, now: datetime) -> tuple[datetime, datetime | None, dict[str, Any]]:
    """Start (a past start becomes now, as Graph does), end, and the stored scheduleInfo."""
    info = info if isinstance(info, Mapping) else {}
    start = now
    if info.get("startDateTime"):
        try:
            requested = parse_instant(str(info["startDateTime"]))
        except ValueError:
            raise bad_request("Invalid scheduleInfo.startDateTime") from None
        start = max(requested, now)
    expiration = info.get("expiration") if isinstance(info.get("expiration"), Mapping) else {}
    raw_type = str((expiration or {}).get("type") or "noExpiration")
    etype = EXPIRATION_TYPES.get(raw_type.lower())
    if etype is None:
        raise bad_request(f"Invalid expiration type {raw_type!r}")
    end: datetime | None = None
    duration = None
    if etype == "afterDateTime":
        try:
            end = parse_instant(str((expiration or {}).get("endDateTime")))
        except ValueError:
            raise bad_request("afterDateTime needs a valid endDateTime") from None
    elif etype == "afterDuration":
        try:
            duration = str((expiration or {}).get("duration"))
            end = start + timedelta(seconds=parse_duration(duration))
        except DurationError:
            raise bad_request("afterDuration needs an ISO 8601 duration") from None
    if end is not None and end <= start:
        raise bad_request("The expiration must be after the start.", "InvalidScheduleInfo")
    stored = {
        "startDateTime": format_instant(start),
        "recurrence": None,
        "expiration": {
            "type": "noExpiration" if end is None else "afterDateTime",
            "endDateTime": format_instant(end) if end is not None else None,
            "duration": None,
        },
    }
    return start, end, stored


def _check_policy(
    store: Store,
    role_id: str,
    kind: str,
    start: datetime,
    end: datetime | None,
    body: Mapping[str, Any],
) -> None:
    policy = store.policy_for_role(role_id)
    if policy is not None:
        check_rules(store, policy, kind, start, end, body)


def check_rules(
    store: Store,
    policy: Mapping[str, Any],
    kind: str,
    start: datetime,
    end: datetime | None,
    body: Mapping[str, Any],
) -> None:
    """Check an admin request against a policy's admin rules (directory roles and groups
    alike); raises ``RoleAssignmentRequestPolicyValidationFailed`` naming the failed rules."""
    level = "Eligibility" if kind == "eligibility" else "Assignment"
    failed: list[str] = []
    expiration = store.rule(policy, f"Expiration_Admin_{level}") or {}
    if end is None and expiration.get("isExpirationRequired"):
        failed.append("ExpirationRule")
    elif end is not None and expiration.get("isExpirationRequired"):
        maximum = parse_duration(str(expiration.get("maximumDuration") or "P365D"))
        if (end - start).total_seconds() > maximum:
            failed.append("ExpirationRule")
    enablement = (store.rule(policy, f"Enablement_Admin_{level}") or {}).get("enabledRules") or []
    if "MultiFactorAuthentication" in enablement:
        failed.append("MfaRule")  # an app-only caller never carries an MFA claim
    if "Justification" in enablement and not str(body.get("justification") or "").strip():
        failed.append("JustificationRule")
    if "Ticketing" in enablement and not ((body.get("ticketInfo") or {}).get("ticketNumber")):
        failed.append("TicketingRule")
    if failed:
        raise _policy_failure(failed)


def _find(store: Store, kind: str, role_id: str, principal_id: str, scope: str) -> str | None:
    for sid, schedule in store.schedules(kind).items():
        if (
            schedule.get("roleDefinitionId") == role_id
            and str(schedule.get("principalId")).lower() == principal_id.lower()
            and schedule.get("directoryScopeId") == scope
            and schedule.get("memberType", "Direct") == "Direct"
            and schedule.get("assignmentType", "Assigned") == "Assigned"
        ):
            return sid
    return None


def _activated(store: Store, role_id: str, principal_id: str, scope: str) -> bool:
    """An activation in progress (an ``Activated`` assignment schedule) of the role by the
    principal: Graph then answers an admin assignment of a standing active assignment
    ``RoleAssignmentExists`` though no ``Assigned`` schedule exists (as
    reported by users of PIM tools; *assumption* that it holds until the activation ends)."""
    return any(
        s.get("roleDefinitionId") == role_id
        and str(s.get("principalId")).lower() == principal_id.lower()
        and s.get("directoryScopeId") == scope
        and s.get("assignmentType") == "Activated"
        for s in store.assignment.values()
    )


def _check_principal(store: Store, principal_id: str, role_id: str) -> None:
    if role_id not in store.role_definitions:
        # Code is our assumption (Graph documents none for an unknown role).
        raise bad_request(f"The role definition {role_id} does not exist.", "RoleNotFound")
    kind = store.object_type(principal_id)
    if kind not in ("user", "group", "servicePrincipal"):
        # Code is our assumption (Graph documents none for an unknown principal).
        raise bad_request(f"The principal {principal_id} does not exist.", "PrincipalNotFound")
    if kind == "group" and not store.objects[principal_id].get("isAssignableToRole"):
        raise bad_request(
            f"The group {principal_id} is not role-assignable.", "GroupNotRoleAssignable"
        )


def _scope_object(scope: str) -> str | None:
    if scope == "/":
        return None
    return scope.rstrip("/").rsplit("/", 1)[-1]


def _write_role_assignment(store: Store, schedule: Mapping[str, Any], present: bool) -> None:
    scope = str(schedule["directoryScopeId"])
    rid = role_assignment_id(
        str(schedule["roleDefinitionId"]), str(schedule["principalId"]), _scope_object(scope)
    )
    if present:
        pending.write_role_assignment(store, schedule)
    else:
        store.role_assignments.pop(rid, None)


def schedule_request(
    store: Store, kind: str, body: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """Process ``POST …/role{Eligibility|Assignment}ScheduleRequests``; returns the request."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a JSON object.")
    action = ACTIONS.get(str(body.get("action", "")).lower())
    if action is None:
        raise bad_request(f"Invalid action {body.get('action')!r}.")
    if action.startswith("self"):
        raise bad_request(
            f"{action} needs a signed-in user; the emulator serves app-only callers.",
            "SelfActionNotSupported",
        )
    principal_id = str(body.get("principalId") or "")
    role_id = str(body.get("roleDefinitionId") or "")
    if not principal_id or not role_id:
        raise bad_request("principalId and roleDefinitionId are required.")
    scope = body.get("directoryScopeId") or body.get("appScopeId")
    if not scope:
        raise bad_request("directoryScopeId or appScopeId is required.")
    scope = str(scope)
    _check_principal(store, principal_id, role_id)
    check_scope(store, role_id, scope)
    existing = _find(store, kind, role_id, principal_id, scope)
    request_id = str(uuid.uuid4())
    response: dict[str, Any] = {
        "id": request_id,
        "status": "Provisioned",
        "createdDateTime": format_instant(now),
        "completedDateTime": format_instant(now),
        "approvalId": None,
        "customData": body.get("customData"),
        "action": action,
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "appScopeId": None,
        "isValidationOnly": bool(body.get("isValidationOnly", False)),
        "targetScheduleId": None,
        "justification": body.get("justification"),
        "createdBy": {
            "application": {"displayName": "pim-gitops", "id": None},
            "device": None,
            "user": None,
        },
        "scheduleInfo": None,
        "ticketInfo": {
            "ticketNumber": (body.get("ticketInfo") or {}).get("ticketNumber"),
            "ticketSystem": (body.get("ticketInfo") or {}).get("ticketSystem"),
        },
    }
    if action == "adminRemove":
        if existing is None:
            raise bad_request("The Role assignment does not exist.", "RoleAssignmentDoesNotExist")
        response["status"] = "Revoked"
        response["completedDateTime"] = None
        if not response["isValidationOnly"]:
            removed = store.schedules(kind).pop(existing)
            if kind == "assignment":
                _write_role_assignment(store, removed, present=False)
        return response
    start, end, info = schedule_window(body.get("scheduleInfo"), now)
    if action == "adminAssign" and (
        existing is not None
        or pending.waiting(store, kind, role_id, principal_id, scope) is not None
        or (kind == "assignment" and _activated(store, role_id, principal_id, scope))
    ):
        raise bad_request("The Role assignment already exists.", "RoleAssignmentExists")
    if action != "adminAssign" and existing is None:
        raise bad_request("The Role assignment does not exist.", "RoleAssignmentDoesNotExist")
    _check_policy(store, role_id, kind, start, end, body)
    response["scheduleInfo"] = info
    if response["isValidationOnly"]:
        return response
    schedule_id = existing or request_id
    response["targetScheduleId"] = schedule_id
    if action == "adminAssign" and start > now:
        # A future start: Granted, no schedule until it starts (pending.py).
        response["status"] = "Granted"
        response["completedDateTime"] = None
        return response
    schedule: dict[str, Any] = {
        "id": schedule_id,
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "appScopeId": None,
        "createdUsing": request_id
        if existing is None
        else store.schedules(kind)[existing].get("createdUsing"),
        "createdDateTime": format_instant(now)
        if existing is None
        else store.schedules(kind)[existing].get("createdDateTime"),
        "modifiedDateTime": format_instant(now) if existing is not None else None,
        "status": "Provisioned",
        "memberType": "Direct",
        "scheduleInfo": info,
    }
    if kind == "assignment":
        schedule["assignmentType"] = "Assigned"
    store.schedules(kind)[schedule_id] = schedule
    if kind == "assignment":
        _write_role_assignment(store, schedule, present=True)
    return response


# --- instances ----------------------------------------------------------------------------


def instances(store: Store, kind: str) -> list[dict[str, Any]]:
    """Schedule instances as Graph materialises them (ids per graph-pim.md §2)."""
    out = []
    for schedule in store.schedules(kind).values():
        info = schedule.get("scheduleInfo") or {}
        expiration = info.get("expiration") or {}
        scope = str(schedule.get("directoryScopeId") or "/")
        base_id = role_assignment_id(
            str(schedule["roleDefinitionId"]), str(schedule["principalId"]), _scope_object(scope)
        )
        permanent = (expiration.get("type") or "noExpiration") == "noExpiration"
        row: dict[str, Any] = {
            "id": base_id + ("-e" if kind == "eligibility" else ""),
            "principalId": schedule["principalId"],
            "roleDefinitionId": schedule["roleDefinitionId"],
            "directoryScopeId": scope,
            "appScopeId": schedule.get("appScopeId"),
            "startDateTime": None if permanent else info.get("startDateTime"),
            "endDateTime": expiration.get("endDateTime"),
            "memberType": schedule.get("memberType", "Direct"),
        }
        if kind == "eligibility":
            row["roleEligibilityScheduleId"] = schedule["id"]
        else:
            row["assignmentType"] = schedule.get("assignmentType", "Assigned")
            row["roleAssignmentOriginId"] = base_id
            row["roleAssignmentScheduleId"] = schedule["id"]
        out.append(row)
    return out
