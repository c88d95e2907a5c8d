"""The custom extension rules (``policy_rules/extensions.py``): a policy without them reads as
"no extension", export names an extension by display name and plans nothing, removing the
requirement plans one change, requiring one on a policy that lacks the rule appends the rule,
and a name the tenant does not have, or a list Graph refused, is a clear plan error."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.apply.requests import request_item
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PimGitopsError
from pim_gitops.export import export_repo, write_export
from pim_gitops.extension_wire import extension_reference
from pim_gitops.graph.extension_reader import calls_extension
from pim_gitops.graph.extras import extra_reads
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import RulePatch
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.snapshot_extras import EXTENSION_READ_ERROR, EXTENSIONS
from pim_gitops.state import TenantState
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against

PRE = "CustomExtension_PreApproval_EndUser_Assignment"
POST = "CustomExtension_PostApproval_EndUser_Assignment"
EXT_ID = "aaaaaaaa-0000-4000-8000-00000000e001"
NAME = "Role Assignment Ticket Validation"
#: The create example of entra-docs privileged-identity-management-custom-extensions.md, with
#: the id Graph returns and ``resourceType`` for directory roles.
EXTENSION = {
    "@odata.type": "#microsoft.graph.roleManagementCustomCalloutExtension",
    "id": EXT_ID,
    "displayName": NAME,
    "description": "Validates ticket info provided by requestor against ServiceNow",
    "endpointConfiguration": {
        "@odata.type": "#microsoft.graph.httpRequestEndpoint",
        "targetUrl": "https://api.contoso.com/webhooks/entra-role-assignments",
    },
    "authenticationConfiguration": {
        "@odata.type": "#microsoft.graph.azureAdTokenAuthentication",
        "resourceId": "api://api.contoso.com/a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1",
    },
    "resourceType": "entraRoles",
    "customAttributes": [],
}
GA_FILE = "roles/global-administrator.yaml"


def rule(rule_id: str, extension: str, enabled: bool = True) -> dict[str, Any]:
    """A custom extension rule as Graph lists it (DC
    unifiedrolemanagementpolicycustomextensionrule.md; target as nathanmcnulty/azd-pim
    writes it)."""
    return {
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyCustomExtensionRule",
        "id": rule_id,
        "isEnabled": enabled,
        "customExtensionId": extension,
        "displayName": "",
        "customAttributes": [],
        "target": {
            "caller": "EndUser",
            "operations": ["All"],
            "level": "Assignment",
            "inheritableSettings": [],
            "enforcedSettings": [],
        },
    }


def plain_sample() -> dict[str, Any]:
    """The sample tenant without its custom extension (Exchange Administrator calls one)."""
    data = copy.deepcopy(read_snapshot(SAMPLE_TENANT))
    for policy in data["roleManagementPolicies"]:
        rules = policy.get("rules") or []
        policy["rules"] = [r for r in rules if not r["id"].startswith("CustomExtension_")]
    data.pop(EXTENSIONS, None)
    return data


def snapshot(*rules: dict[str, Any], extensions: bool = True, **extra: Any) -> dict[str, Any]:
    """The sample tenant (no extension) with ``rules`` added to Global Administrator's policy."""
    data = plain_sample()
    policy_id = normalize_tenant(data, SAMPLE_NOW).policies[GLOBAL_ADMINISTRATOR].policy_id
    policy = next(p for p in data["roleManagementPolicies"] if p["id"] == policy_id)
    policy["rules"] += list(rules)
    if extensions:
        data[EXTENSIONS] = [EXTENSION]
    return {**data, **extra}


def ga(tenant: TenantState) -> Any:
    return tenant.policies[GLOBAL_ADMINISTRATOR].settings.activation


def exported(tenant: TenantState, tmp: Path) -> Path:
    write_export(export_repo(tenant, now=SAMPLE_NOW), tmp, force=True)
    return tmp


def plan(repo: Path, tenant: TenantState) -> Any:
    return plan_against(load_desired(str(repo), SAMPLE_NOW), tenant, SAMPLE_NOW)


def with_activation_line(repo: Path, line: str) -> Path:
    path = repo / GA_FILE
    path.write_text(path.read_text().replace("activation:\n", f"activation:\n  {line}\n", 1))
    return repo


# --- reading ----------------------------------------------------------------------------------


def test_a_policy_without_the_rules_reads_as_no_extension() -> None:
    raw = plain_sample()
    assert not any(
        r["id"].startswith("CustomExtension_")
        for p in raw["roleManagementPolicies"]
        for r in p.get("rules") or []
    )
    act = ga(normalize_tenant(raw, SAMPLE_NOW))
    assert (act.pre_approval_extension, act.post_approval_extension) == (None, None)


def test_a_rule_as_the_portal_adds_it_disabled_and_empty_reads_as_none() -> None:
    tenant = normalize_tenant(
        snapshot(rule(PRE, ""), rule(POST, EXT_ID, enabled=False)), SAMPLE_NOW
    )
    assert (ga(tenant).pre_approval_extension, ga(tenant).post_approval_extension) == (None, None)


def test_an_enabled_rule_reads_as_its_extension_id_lower_cased() -> None:
    tenant = normalize_tenant(snapshot(rule(POST, EXT_ID.upper())), SAMPLE_NOW)
    assert ga(tenant).post_approval_extension == EXT_ID
    assert ga(tenant).pre_approval_extension is None
    assert (
        tenant.custom_extensions is not None
        and tenant.custom_extensions[EXT_ID].display_name == NAME
    )


# --- export → plan, and changes ---------------------------------------------------------------


def test_export_names_the_extension_by_display_name_and_plans_nothing(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, EXT_ID)), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    assert f"custom_extension: {NAME}\n" in (repo / GA_FILE).read_text()
    assert plan(repo, tenant).empty


def test_removing_the_requirement_plans_one_change_that_disables_the_rule(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, EXT_ID)), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    path = repo / GA_FILE
    path.write_text(path.read_text().replace(f"  custom_extension: {NAME}\n", ""))
    result = plan(repo, tenant)
    assert [c.address for c in result.changes] == [
        'role["Global Administrator"].activation.custom_extension'
    ]
    (op,) = result.operations
    assert isinstance(op, RulePatch) and op.rule_id == PRE
    item = request_item(op, tenant, SAMPLE_NOW, "1")
    assert item.url.endswith(f"/rules/{PRE}")
    assert (item.body["isEnabled"], item.body["customExtensionId"]) == (False, "")
    assert "displayName" not in item.body and item.body["target"]["caller"] == "EndUser"


def test_requiring_an_extension_the_policy_lacks_appends_the_rule(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(), SAMPLE_NOW)
    repo = with_activation_line(exported(tenant, tmp_path), f"custom_extension: {NAME}")
    result = plan(repo, tenant)
    (op,) = result.operations
    assert isinstance(op, RulePatch) and op.rule_id == PRE
    item = request_item(op, tenant, SAMPLE_NOW, "1")
    policy = tenant.policies[GLOBAL_ADMINISTRATOR]
    assert item.url == f"/policies/roleManagementPolicies/{policy.policy_id}"
    rules = {r["id"]: r for r in item.body["rules"]}
    assert set(rules) == {*policy.raw_rules, PRE}  # every live rule kept, the new one added
    assert (rules[PRE]["isEnabled"], rules[PRE]["customExtensionId"]) == (True, EXT_ID)
    assert rules[PRE]["@odata.type"].endswith("CustomExtensionRule")


def test_an_extension_id_resolves_like_its_name(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, EXT_ID)), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    path = repo / GA_FILE
    path.write_text(path.read_text().replace(NAME, EXT_ID.upper()))
    assert plan(repo, tenant).empty


# --- refusals ---------------------------------------------------------------------------------


def test_an_unknown_extension_is_a_plan_error_at_its_place(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(), SAMPLE_NOW)
    repo = with_activation_line(exported(tenant, tmp_path), "custom_extension: Ticket Chek")
    with pytest.raises(PimGitopsError) as caught:
        plan(repo, tenant)
    message = str(caught.value)
    assert (
        f"{GA_FILE}:4:" in message and "no PIM custom extension is named 'Ticket Chek'" in message
    )
    assert repr(NAME) in message


def test_a_refused_list_refuses_the_plan_and_names_the_licence(tmp_path: Path) -> None:
    why = "403 Forbidden; listing PIM custom extensions needs PrivilegedAccess-CustomExt.Read.All"
    tenant = normalize_tenant(snapshot(extensions=False, **{EXTENSION_READ_ERROR: why}), SAMPLE_NOW)
    assert tenant.custom_extensions is None and tenant.custom_extension_read_error == why
    repo = with_activation_line(exported(tenant, tmp_path), f"post_approval_extension: {EXT_ID}")
    with pytest.raises(PimGitopsError) as caught:
        plan(repo, tenant)
    assert "could not be read (403 Forbidden" in str(caught.value)
    assert "Microsoft Entra ID Governance" in str(caught.value)


def test_an_extension_for_groups_is_refused_on_a_role(tmp_path: Path) -> None:
    data = snapshot(extensions=False)
    data[EXTENSIONS] = [{**EXTENSION, "resourceType": "entraGroups"}]
    tenant = normalize_tenant(data, SAMPLE_NOW)
    repo = with_activation_line(exported(tenant, tmp_path), f"custom_extension: {NAME}")
    with pytest.raises(PimGitopsError) as caught:
        plan(repo, tenant)
    assert f"custom extension {NAME!r} is for entraGroups, not entraRoles" in str(caught.value)


# --- naming and reading decisions -------------------------------------------------------------


def test_a_name_shared_by_two_extensions_is_exported_by_id() -> None:
    data = snapshot(rule(PRE, EXT_ID))
    twin = {**EXTENSION, "id": "bbbbbbbb-0000-4000-8000-00000000e002"}
    data[EXTENSIONS] = [EXTENSION, twin]
    tenant = normalize_tenant(data, SAMPLE_NOW)
    assert extension_reference(tenant, EXT_ID) == EXT_ID
    assert extension_reference(normalize_tenant(snapshot(), SAMPLE_NOW), EXT_ID) == NAME


def test_the_list_is_read_only_when_a_policy_or_a_file_names_an_extension(tmp_path: Path) -> None:
    policies = snapshot(rule(PRE, ""))["roleManagementPolicies"]
    assert not calls_extension(policies)  # a disabled, empty rule calls nothing
    assert calls_extension(snapshot(rule(PRE, EXT_ID))["roleManagementPolicies"])
    tenant = normalize_tenant(snapshot(), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    assert not extra_reads(load_desired(str(repo), SAMPLE_NOW).state).custom_extensions
    with_activation_line(repo, f"custom_extension: {NAME}")
    assert extra_reads(load_desired(str(repo), SAMPLE_NOW).state).custom_extensions


def test_an_extension_most_roles_call_is_not_inherited_by_a_role_without_it(
    tmp_path: Path,
) -> None:
    """``defaults`` never holds it (a role without it could not say so without ``null``); a
    template the other roles share may."""
    data = snapshot()
    ga_policy = normalize_tenant(data, SAMPLE_NOW).policies[GLOBAL_ADMINISTRATOR].policy_id
    for policy in data["roleManagementPolicies"]:
        if policy["id"] != ga_policy and policy.get("scopeType") == "DirectoryRole":
            policy["rules"].append(rule(PRE, EXT_ID))
    tenant = normalize_tenant(data, SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    assert "custom_extension" not in (repo / GA_FILE).read_text()
    assert plan(repo, tenant).empty


def test_a_group_section_takes_only_an_extension_for_groups() -> None:
    from pim_gitops.resolve_extensions import resolve_extension
    from pim_gitops.targets import group_target

    target = group_target("cccccccc-0000-4000-8000-0000000000c1", "member")
    tenant = normalize_tenant(snapshot(), SAMPLE_NOW)
    assert resolve_extension(tenant, NAME, target) == (
        None,
        f"custom extension {NAME!r} is for entraRoles, not entraGroups",
    )
    data = snapshot(extensions=False)
    data[EXTENSIONS] = [{**EXTENSION, "resourceType": "entraGroups"}]
    assert resolve_extension(normalize_tenant(data, SAMPLE_NOW), NAME.upper(), target) == (
        EXT_ID,
        None,
    )
