"""Build tenant snapshots of raw Graph objects: the bundled sample tenant and synthetic
tenants of any size for benchmarks. Objects have exactly the shape Graph documents (see
``../shared/graph-samples``); ids are derived from names so output is reproducible."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pim_gitops.policy_rules import default_approval_stage
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.snapshot import FORMAT, canonical_snapshot
from pim_gitops.tenantgen_audit import (
    EXCHANGE_ADMINISTRATOR,
    extension_rule,
    sample_alerts,
    sample_extension,
    sample_group_history,
    sample_history,
)
from pim_gitops.wire import format_instant, role_assignment_id

RULE_NS = "#microsoft.graph.unifiedRoleManagementPolicy"
POLICY_TENANT_GUID = "cab01047-8ad9-4792-8e42-569340767f1b"
_NS = uuid.UUID("0f5b8f9e-8f4e-4a51-9a51-6d2f0b9a7c11")


def oid(*parts: str) -> str:
    """A stable object id for a name."""
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _target(caller: str, level: str) -> dict[str, Any]:
    return {
        "caller": caller,
        "operations": ["all"],
        "level": level,
        "inheritableSettings": [],
        "enforcedSettings": [],
    }


def default_rules() -> list[dict[str, Any]]:
    """The 17 rules of a never-edited directory-role policy (graph-pim.md §3)."""
    rules: list[dict[str, Any]] = []

    def add(kind: str, rule_id: str, caller: str, level: str, **props: Any) -> None:
        rules.append(
            {
                "@odata.type": RULE_NS + kind,
                "id": rule_id,
                **props,
                "target": _target(caller, level),
            }
        )

    def notifications(caller: str, level: str) -> None:
        for recipient in ("Admin", "Requestor", "Approver"):
            add(
                "NotificationRule",
                f"Notification_{recipient}_{caller}_{level}",
                caller,
                level,
                notificationType="Email",
                recipientType=recipient,
                notificationLevel="All",
                isDefaultRecipientsEnabled=True,
                notificationRecipients=[],
            )

    add(
        "ExpirationRule",
        "Expiration_Admin_Eligibility",
        "Admin",
        "Eligibility",
        isExpirationRequired=False,
        maximumDuration="P365D",
    )
    add("EnablementRule", "Enablement_Admin_Eligibility", "Admin", "Eligibility", enabledRules=[])
    notifications("Admin", "Eligibility")
    add(
        "ExpirationRule",
        "Expiration_Admin_Assignment",
        "Admin",
        "Assignment",
        isExpirationRequired=False,
        maximumDuration="P180D",
    )
    add(
        "EnablementRule",
        "Enablement_Admin_Assignment",
        "Admin",
        "Assignment",
        enabledRules=["Justification"],
    )
    notifications("Admin", "Assignment")
    add(
        "ExpirationRule",
        "Expiration_EndUser_Assignment",
        "EndUser",
        "Assignment",
        isExpirationRequired=True,
        maximumDuration="PT8H",
    )
    add(
        "EnablementRule",
        "Enablement_EndUser_Assignment",
        "EndUser",
        "Assignment",
        enabledRules=["MultiFactorAuthentication", "Justification"],
    )
    rules.append(
        {
            "@odata.type": RULE_NS + "ApprovalRule",
            "id": "Approval_EndUser_Assignment",
            "target": _target("EndUser", "Assignment"),
            "setting": {
                "isApprovalRequired": False,
                "isApprovalRequiredForExtension": False,
                "isRequestorJustificationRequired": True,
                "approvalMode": "SingleStage",
                "approvalStages": [default_approval_stage()],
            },
        }
    )
    add(
        "AuthenticationContextRule",
        "AuthenticationContext_EndUser_Assignment",
        "EndUser",
        "Assignment",
        isEnabled=False,
        claimValue=None,
    )
    notifications("EndUser", "Assignment")
    return rules


def role_definition(role_id: str, name: str, builtin: bool = True) -> dict[str, Any]:
    return {
        "id": role_id,
        "description": f"{name}.",
        "displayName": name,
        "isBuiltIn": builtin,
        "isEnabled": True,
        "templateId": role_id,
        "version": "1",
        "rolePermissions": [
            {"allowedResourceActions": ["microsoft.directory/users/basic/read"], "condition": None}
        ],
        "inheritsPermissionsFrom": [],
    }


def policy_for(role_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A policy at Entra's defaults and the assignment that links it to the role."""
    policy_id = f"DirectoryRole_{POLICY_TENANT_GUID}_{oid('policy', role_id)}"
    policy = {
        "id": policy_id,
        "displayName": "DirectoryRole",
        "description": "DirectoryRole",
        "isOrganizationDefault": False,
        "scopeId": "/",
        "scopeType": "DirectoryRole",
        "lastModifiedDateTime": None,
        "lastModifiedBy": {"displayName": None, "id": None},
        "rules": default_rules(),
    }
    link = {
        "id": f"{policy_id}_{role_id}",
        "policyId": policy_id,
        "scopeId": "/",
        "scopeType": "DirectoryRole",
        "roleDefinitionId": role_id,
    }
    return policy, link


def group_default_rules() -> list[dict[str, Any]]:
    """The 17 rules of a never-edited PIM-for-Groups member or owner policy (graph-pim.md §3,
    DC list-rolemanagementpolicyassignments.md Ex. 4): eligible and active assignments expire
    (P365D / P180D), activation requires a justification only, targets say ``All``."""
    rules = default_rules()
    for rule in rules:
        rule["target"]["operations"] = ["All"]
        if rule["id"] in ("Expiration_Admin_Eligibility", "Expiration_Admin_Assignment"):
            rule["isExpirationRequired"] = True
        if rule["id"] == "Enablement_EndUser_Assignment":
            rule["enabledRules"] = ["Justification"]
    return rules


def group_policy_for(group_id: str, access: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A group's ``member`` or ``owner`` policy at Entra's group defaults, and its link
    (ids as documented: ``Group_{groupId}_{guid}``, the link ``…_{access}``)."""
    policy_id = f"Group_{group_id}_{oid('group-policy', group_id, access)}"
    policy = {
        "id": policy_id,
        "displayName": "Group",
        "description": "Group",
        "isOrganizationDefault": False,
        "scopeId": group_id,
        "scopeType": "Group",
        "lastModifiedDateTime": None,
        "lastModifiedBy": {"displayName": None, "id": None},
        "rules": group_default_rules(),
    }
    link = {
        "id": f"{policy_id}_{access}",
        "policyId": policy_id,
        "scopeId": group_id,
        "scopeType": "Group",
        "roleDefinitionId": access,
    }
    return policy, link


def group_schedule(
    kind: str,
    group_id: str,
    principal_id: str,
    access: str,
    *,
    start: datetime,
    end: datetime | None,
) -> dict[str, Any]:
    """A ``privilegedAccessGroupEligibilitySchedule`` (``eligible``) or
    ``…AssignmentSchedule`` (``active``), id ``{groupId}_{accessId}_{requestId}``."""
    request_id = oid("group-request", kind, group_id, principal_id, access)
    row: dict[str, Any] = {
        "id": f"{group_id}_{access}_{request_id}",
        "groupId": group_id,
        "principalId": principal_id,
        "accessId": access,
        "memberType": "Direct",
        "status": "Provisioned",
        "createdUsing": request_id,
        "createdDateTime": format_instant(start),
        "modifiedDateTime": "0001-01-01T08:00:00Z",
        "scheduleInfo": {
            "startDateTime": format_instant(start),
            "recurrence": None,
            "expiration": {
                "type": "noExpiration" if end is None else "afterDateTime",
                "endDateTime": None if end is None else format_instant(end),
                "duration": None,
            },
        },
    }
    if kind == "active":
        row["assignmentType"] = "assigned"
    return row


def administrative_unit(name: str, *, restricted: bool = False) -> dict[str, Any]:
    return {"id": oid("au", name), "displayName": name, "isMemberManagementRestricted": restricted}


def user(
    upn: str,
    name: str,
    *,
    guest: bool = False,
    synced: bool = False,
    enabled: bool = True,
) -> dict[str, Any]:
    object_id = oid("user", upn.lower())
    return {
        "@odata.type": "#microsoft.graph.user",
        "id": object_id,
        "accountEnabled": enabled,
        "displayName": name,
        "userPrincipalName": upn,
        "mail": None if guest else upn,
        "userType": "Guest" if guest else "Member",
        "onPremisesSyncEnabled": True if synced else None,
        "onPremisesImmutableId": (oid("immutable", upn)[:22] + "==") if synced else None,
    }


def group(name: str, *, role_assignable: bool = True) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.group",
        "id": oid("group", name),
        "displayName": name,
        "mail": None,
        "securityEnabled": True,
        "isAssignableToRole": role_assignable,
    }


def service_principal(app_id: str, name: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.servicePrincipal",
        "id": oid("sp", app_id),
        "appId": app_id,
        "displayName": name,
        "accountEnabled": True,
        "servicePrincipalType": "Application",
    }


def schedule(
    kind: str,
    role_id: str,
    principal_id: str,
    *,
    start: datetime,
    end: datetime | None,
    scope: str = "/",
    via_pim: bool = True,
) -> dict[str, Any]:
    """A ``roleEligibilitySchedule`` (kind ``eligible``) or ``roleAssignmentSchedule``."""
    if via_pim:
        schedule_id = oid("request", kind, role_id, principal_id, scope)
    else:  # made outside PIM: the schedule carries the role assignment's id (graph-pim.md §2)
        au = None if scope == "/" else scope.rsplit("/", 1)[-1]
        schedule_id = role_assignment_id(role_id, principal_id, au)
    row: dict[str, Any] = {
        "id": schedule_id,
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "appScopeId": None,
        "createdUsing": schedule_id if via_pim else None,
        "createdDateTime": format_instant(start) if via_pim else None,
        "modifiedDateTime": None,
        "status": "Provisioned",
    }
    if kind == "active":
        row["assignmentType"] = "Assigned"
    row["memberType"] = "Direct"
    row["scheduleInfo"] = {
        "startDateTime": format_instant(start),
        "recurrence": None,
        "expiration": {
            "type": "noExpiration" if end is None else "afterDateTime",
            "endDateTime": None if end is None else format_instant(end),
            "duration": None,
        },
    }
    return row


def role_assignment(role_id: str, principal_id: str, scope: str = "/") -> dict[str, Any]:
    au = None if scope == "/" else scope.rsplit("/", 1)[-1]
    return {
        "id": role_assignment_id(role_id, principal_id, au),
        "principalId": principal_id,
        "resourceScope": scope,
        "directoryScopeId": scope,
        "roleDefinitionId": role_id,
    }


class TenantBuilder:
    """Collects raw objects and emits a canonical snapshot."""

    def __init__(
        self, tenant_id: str, now: datetime, domain: str = "contoso.onmicrosoft.com"
    ) -> None:
        self.tenant_id = tenant_id
        self.organization = {
            "id": tenant_id,
            "displayName": domain.split(".")[0].capitalize(),
            "verifiedDomains": [{"name": domain, "isInitial": True, "isDefault": True}],
        }
        self.now = now
        self.roles: dict[str, dict[str, Any]] = {}
        self.policies: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self.eligible: list[dict[str, Any]] = []
        self.active: list[dict[str, Any]] = []
        self.assignments: list[dict[str, Any]] = []
        self.members: dict[str, list[str]] = {}
        #: PIM for Groups (written only once used, so older tenants keep their bytes).
        self.group_eligible: list[dict[str, Any]] = []
        self.group_active: list[dict[str, Any]] = []
        self.groups_read: set[str] = set()
        self.units: list[dict[str, Any]] | None = None

    def add_role(self, role_id: str, name: str, builtin: bool = True) -> dict[str, Any]:
        self.roles[role_id] = role_definition(role_id, name, builtin)
        policy, link = policy_for(role_id)
        self.policies.append(policy)
        self.links.append(link)
        return policy

    def rule(self, role_id: str, rule_id: str) -> dict[str, Any]:
        link = next(link for link in self.links if link["roleDefinitionId"] == role_id)
        policy = next(p for p in self.policies if p["id"] == link["policyId"])
        policy["lastModifiedDateTime"] = format_instant(self.now - timedelta(days=40))
        policy["lastModifiedBy"] = {"displayName": "Portal admin", "id": None}
        return next(r for r in policy["rules"] if r["id"] == rule_id)

    def add(self, obj: dict[str, Any]) -> str:
        self.objects[obj["id"]] = obj
        return str(obj["id"])

    def grant(
        self,
        kind: str,
        role_id: str,
        principal_id: str,
        *,
        days_ago: int = 30,
        days_left: int | None = None,
        scope: str = "/",
        via_pim: bool = True,
    ) -> None:
        start = self.now - timedelta(days=days_ago)
        end = None if days_left is None else self.now + timedelta(days=days_left)
        row = schedule(
            kind, role_id, principal_id, start=start, end=end, scope=scope, via_pim=via_pim
        )
        (self.eligible if kind == "eligible" else self.active).append(row)
        if kind == "active":
            self.assignments.append(role_assignment(role_id, principal_id, scope))

    def add_pim_group(self, group_id: str) -> None:
        """Make ``group_id`` a group whose PIM for Groups was read, with its member and owner
        policies at Entra's group defaults."""
        for access in ("member", "owner"):
            policy, link = group_policy_for(group_id, access)
            self.policies.append(policy)
            self.links.append(link)
        self.groups_read.add(group_id)

    def group_rule(self, group_id: str, access: str, rule_id: str) -> dict[str, Any]:
        """A rule of a group's policy, to edit (the policy becomes last modified)."""
        link = next(
            lk
            for lk in self.links
            if lk["scopeId"] == group_id and lk["roleDefinitionId"] == access
        )
        policy = next(p for p in self.policies if p["id"] == link["policyId"])
        policy["lastModifiedDateTime"] = format_instant(self.now - timedelta(days=40))
        return next(r for r in policy["rules"] if r["id"] == rule_id)

    def grant_group(
        self,
        kind: str,
        group_id: str,
        principal_id: str,
        *,
        access: str = "member",
        days_ago: int = 30,
        days_left: int | None = None,
    ) -> None:
        """An eligible or active PIM-for-Groups assignment; an active member is a direct
        member of the group too (as in Graph)."""
        if group_id not in self.groups_read:
            self.add_pim_group(group_id)
        start = self.now - timedelta(days=days_ago)
        end = None if days_left is None else self.now + timedelta(days=days_left)
        row = group_schedule(kind, group_id, principal_id, access, start=start, end=end)
        (self.group_eligible if kind == "eligible" else self.group_active).append(row)
        if kind == "active" and access == "member":
            members = self.members.setdefault(group_id, [])
            if principal_id not in members:
                members.append(principal_id)

    def add_unit(self, name: str, *, restricted: bool = False) -> str:
        """An administrative unit (the snapshot then says the units were read)."""
        unit = administrative_unit(name, restricted=restricted)
        self.units = [*(self.units or []), unit]
        return str(unit["id"])

    def _groups_part(self) -> dict[str, Any]:
        part: dict[str, Any] = {}
        if self.groups_read:
            part["privilegedAccessGroupEligibilitySchedules"] = self.group_eligible
            part["privilegedAccessGroupAssignmentSchedules"] = self.group_active
            part["privilegedAccessGroupsRead"] = sorted(self.groups_read)
        if self.units is not None:
            part["administrativeUnits"] = self.units
        return part

    def snapshot(self) -> dict[str, Any]:
        return canonical_snapshot(
            {
                **self._groups_part(),
                "format": FORMAT,
                "tenantId": self.tenant_id,
                "capturedAt": format_instant(self.now),
                "organization": self.organization,
                "roleDefinitions": list(self.roles.values()),
                "roleManagementPolicies": self.policies,
                "roleManagementPolicyAssignments": self.links,
                "roleEligibilitySchedules": self.eligible,
                "roleAssignmentSchedules": self.active,
                "roleAssignments": self.assignments,
                "directoryObjects": list(self.objects.values()),
                "groupMembers": self.members,
            }
        )


# --- the bundled sample tenant --------------------------------------------------------------

SAMPLE_TENANT_ID = "7f3c9a42-1d5e-4b8a-9c6f-2e1d0a9b8c7d"
#: The sample tenant's clock: the demo pins the emulator and the CLI to it.
SAMPLE_NOW = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)
APPLY_APP_ID = "5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
CUSTOM_ROLE_ID = oid("role", "Contoso Tier1 Support")
_FIRST = (
    "Ana",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Farid",
    "Gita",
    "Hugo",
    "Iris",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
)
_LAST = (
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Silva",
    "Tanaka",
)


def _named(upn_local: str) -> str:
    return " ".join(p.capitalize() for p in upn_local.split("."))


def _sample_groups(t: TenantBuilder, helpdesk: str, operators_members: list[str]) -> None:
    """The administrative unit Kira's eligibility is scoped to, and a role-assignable group
    eligible for Global Administrator whose member (Alice, moving to group-based access) is
    eligible through PIM for Groups (policies/groups/tier0-operators.yaml manages it)."""
    t.add_unit("Paris")
    # Graph lists the members of a group added outside PIM as permanent active memberships
    # with no ``createdUsing`` (docs/emulator.md, PIM for Groups).
    for member in t.members[helpdesk]:
        t.grant_group("active", helpdesk, member, days_ago=200)
        t.group_active[-1]["createdUsing"] = None
    operators = t.add(group("Tier0 Operators"))
    t.grant("eligible", GLOBAL_ADMINISTRATOR, operators, days_ago=10, days_left=80)
    for member in operators_members:
        t.grant_group("eligible", operators, member, days_ago=12, days_left=60)


def sample_tenant(now: datetime) -> dict[str, Any]:
    """Contoso: ~30 built-in roles and a custom one, ~60 users, policies mostly at defaults,
    and a handful of problems for the linter and the planner to find."""
    now = now.astimezone(UTC)
    t = TenantBuilder(SAMPLE_TENANT_ID, now)
    for role_id, name in list(BUILTIN_ROLES.items())[:30]:
        t.add_role(role_id, name)
    t.add_role(CUSTOM_ROLE_ID, "Contoso Tier1 Support", builtin=False)

    people = {}
    for local in (
        "alice.admin",
        "grace.identity",
        "bob.sec",
        "heidi.audit",
        "erin.exchange",
        "frank.sp",
        "carol.it",
        "dave.helpdesk",
        "ivan.ops",
        "judy.compliance",
    ):
        people[local] = t.add(user(f"{local}@contoso.com", _named(local)))
    bg1 = t.add(user("bg1@contoso.onmicrosoft.com", "Break Glass 1"))
    bg2 = t.add(user("bg2@contoso.onmicrosoft.com", "Break Glass 2"))
    synced = t.add(user("mallory.hybrid@contoso.com", "Mallory Hybrid", synced=True))
    t.add(user("oscar.sync@contoso.com", "Oscar Sync", synced=True))
    guest = t.add(
        user("vendor_fabrikam.com#EXT#@contoso.onmicrosoft.com", "Vendor (Fabrikam)", guest=True)
    )
    disabled = t.add(user("leaver.old@contoso.com", "Old Leaver", enabled=False))
    rng = random.Random(7)
    staff: list[str] = []
    while len(staff) < 44:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        upn = f"{first.lower()}.{last.lower()}@contoso.com"
        if oid("user", upn) not in t.objects:
            staff.append(t.add(user(upn, f"{first} {last}")))
    helpdesk = t.add(group("Helpdesk Operators"))
    approvers = t.add(group("PIM Tier0 Approvers"))
    t.add(group("All Staff", role_assignable=False))
    t.members[helpdesk] = [people["dave.helpdesk"], *staff[:6]]
    t.members[approvers] = [people["grace.identity"], people["bob.sec"]]
    apply_sp = t.add(service_principal(APPLY_APP_ID, "pim-gitops apply"))
    t.add(service_principal("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "Legacy provisioning"))

    ga, pra = GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
    # What the policy repository declares (some of it): already in place.
    t.grant("active", ga, bg1, days_ago=400)
    t.grant("active", ga, bg2, days_ago=400)
    t.grant("active", pra, apply_sp, days_ago=200)
    t.grant("eligible", ga, people["alice.admin"], days_ago=20, days_left=70)
    t.grant("eligible", pra, people["grace.identity"], days_ago=10, days_left=80)
    t.grant(
        "eligible",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        people["bob.sec"],
        days_ago=30,
        days_left=150,
    )
    t.grant(
        "eligible", "729827e3-9c14-49f7-bb1b-9608f156bbb8", helpdesk, days_ago=60, days_left=300
    )
    t.grant(
        "eligible",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        people["judy.compliance"],
        days_ago=15,
        days_left=200,
    )
    # Problems (pim_gitops/demo/planted-defects.json): a Global Administrator assigned outside
    # PIM, a synced account holding Hybrid Identity Administrator permanently outside PIM, a
    # guest eligible for Cloud Application Administrator, a disabled leaver still eligible,
    # and an administrative-unit scoped assignment (listed, never managed).
    t.grant("active", ga, people["carol.it"], days_ago=90, via_pim=False)
    t.grant("active", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", synced, days_ago=300, via_pim=False)
    # Cloud Application and Billing Administrator are not managed by the example repo.
    t.grant("eligible", "158c047a-c907-4556-b7ef-446551a6b5f7", guest, days_ago=5, days_left=100)
    t.grant(
        "eligible", "b0f54661-2d74-4c50-afa3-1ec803f12efe", disabled, days_ago=120, days_left=200
    )
    t.grant(
        "eligible",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        staff[0],
        days_ago=3,
        days_left=90,
        scope=f"/administrativeUnits/{oid('au', 'Paris')}",
    )
    for index, member in enumerate(staff[6:20]):
        role_id = list(BUILTIN_ROLES)[10 + index % 18]
        t.grant("eligible", role_id, member, days_ago=index + 1, days_left=100 + index * 10)
    # A few settings customized in the portal.
    t.rule(ga, "Expiration_EndUser_Assignment")["maximumDuration"] = "PT2H"
    t.rule("194ae4cb-b126-40b2-bd5b-6091b380977d", "Enablement_EndUser_Assignment")[
        "enabledRules"
    ] = ["Justification"]  # MFA switched off on Security Administrator activation
    notify = t.rule(ga, "Notification_Admin_EndUser_Assignment")
    notify["notificationRecipients"] = ["secops@contoso.com"]
    _sample_groups(t, helpdesk, [people["alice.admin"]])
    # Conditional Access authentication contexts: c1 (the example policies require it on
    # Conditional Access Administrator activation) published, c2 still a draft.
    snapshot = {**t.snapshot(), "authenticationContextClassReferences": SAMPLE_CONTEXTS}
    return _with_audit(t, snapshot, sample_history(now, ga, pra, people, apply_sp))


def _with_audit(
    t: TenantBuilder, snapshot: dict[str, Any], history: dict[str, Any]
) -> dict[str, Any]:
    """The sample with its request history, PIM alerts and a ticket-system hook: Exchange
    Administrator activation is checked by a PIM custom extension (issue 23)."""
    extension = sample_extension()
    policy = next(
        p
        for p in snapshot["roleManagementPolicies"]
        if _policy_role(t, p) == EXCHANGE_ADMINISTRATOR
    )
    policy["rules"].append(extension_rule(extension["id"]))
    policy["lastModifiedDateTime"] = format_instant(t.now - timedelta(days=40))
    history = {**history, **sample_group_history(snapshot, t.now)}
    snapshot = {**snapshot, "privilegedAccessCustomExtensions": [extension], **history}
    return canonical_snapshot({**snapshot, **sample_alerts(snapshot, t.now)})


def _policy_role(t: TenantBuilder, policy: dict[str, Any]) -> str | None:
    link = next((lk for lk in t.links if lk["policyId"] == policy["id"]), None)
    return None if link is None else str(link["roleDefinitionId"])


SAMPLE_CONTEXTS = [
    {
        "id": "c1",
        "displayName": "Privileged role activation",
        "description": "Phishing-resistant MFA from a compliant device",
        "isAvailable": True,
    },
    {
        "id": "c2",
        "displayName": "Break-glass review",
        "description": "Draft: not published to apps yet",
        "isAvailable": False,
    },
]


def synthetic_tenant(
    *,
    roles: int,
    assignments: int,
    principals: int,
    now: datetime,
    seed: int = 1,
    pim_groups: int = 0,
    group_members: int = 20,
) -> dict[str, Any]:
    """A big tenant with a realistic mix: 70% eligible, 30% active, a tenth permanent. With
    ``pim_groups``: that many role-assignable groups, each holding a role (permanent active),
    each with ``group_members`` PIM-for-Groups members (``add_pim_groups``)."""
    rng = random.Random(seed)
    t = TenantBuilder(oid("tenant", str(seed)), now.astimezone(UTC), "bench.onmicrosoft.com")
    role_ids = list(BUILTIN_ROLES)
    for index in range(roles):
        if index < len(role_ids):
            t.add_role(role_ids[index], BUILTIN_ROLES[role_ids[index]])
        else:
            t.add_role(oid("custom-role", str(index)), f"Custom Role {index:03}", builtin=False)
    users = [
        t.add(user(f"user{index:05}@bench.example", f"User {index:05}"))
        for index in range(principals)
    ]
    all_roles = list(t.roles)
    seen: set[tuple[str, str, str]] = set()
    while len(seen) < assignments:
        kind = "eligible" if rng.random() < 0.7 else "active"
        role_id, principal = rng.choice(all_roles), rng.choice(users)
        if (kind, role_id, principal) in seen:
            continue
        seen.add((kind, role_id, principal))
        days_left = None if rng.random() < 0.1 else rng.randint(10, 170)
        t.grant(kind, role_id, principal, days_ago=rng.randint(1, 100), days_left=days_left)
    add_pim_groups(t, rng, users, pim_groups, group_members)
    # The identity apply signs in as (the emulator's default caller), writing PIM as PRA.
    apply_sp = t.add(service_principal(APPLY_APP_ID, "pim-gitops apply"))
    t.grant("active", PRIVILEGED_ROLE_ADMINISTRATOR, apply_sp, days_ago=200)
    return t.snapshot()


def add_pim_groups(
    t: TenantBuilder, rng: random.Random, users: list[str], count: int, members: int
) -> None:
    """``count`` role-assignable groups ``PIM Group 000``…, each holding a random role (active,
    permanent) and ``members`` distinct users as PIM members: 70% eligible (a tenth of them
    permanent, the rest ending in 10–170 days), 30% active (direct members too)."""
    roles = sorted(t.roles)
    for index in range(count):
        group_id = t.add(group(f"PIM Group {index:03}"))
        t.grant("active", rng.choice(roles), group_id, days_ago=rng.randint(1, 100))
        t.add_pim_group(group_id)
        for principal in rng.sample(users, min(members, len(users))):
            kind = "eligible" if rng.random() < 0.7 else "active"
            days_left = None if rng.random() < 0.1 else rng.randint(10, 170)
            t.grant_group(
                kind, group_id, principal, days_ago=rng.randint(1, 100), days_left=days_left
            )


def write_sample_tenant() -> None:
    """Regenerate ``pim_gitops/demo/tenant.json`` (``make sample-tenant``)."""
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.snapshot import write_snapshot

    write_snapshot(sample_tenant(SAMPLE_NOW), SAMPLE_TENANT)
