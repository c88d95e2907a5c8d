"""The documented examples as policy repositories, and tenant views written as facts.

An example's YAML blocks are whole files over ``BASE_FILES``; a ``# tenant`` block (or a
fixture's ``tenant.yaml``) lists the tenant facts a rule reads, built here into a snapshot
of raw Graph objects with every built-in role at Entra's defaults::

    users: {UPN: {synced: bool, guest: bool, enabled: bool, immutable_id: str | null}}
    groups: {display name: [member UPN, ...]}
    service_principals: {appId: display name}
    assignments:
      - {role: display name, principal: user:UPN | group:name | sp:appId,
         kind: eligible | active, outside_pim: bool, days_left: int | null, days_ago: int}
    policies:   # the live role policy, as Graph rule objects merged over Entra's defaults
      display name: {rule id: {property: value}}

For example ``policies: {Global Administrator: {Approval_EndUser_Assignment: {setting:
{isApprovalRequired: true}}}}``; ``policies: {Global Administrator: null}``: the tenant has no
readable policy for the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import yaml

from pim_gitops.lint.docstring import ExampleFile
from pim_gitops.roles import BUILTIN_ROLES, builtin_role_by_name
from pim_gitops.tenantgen import TenantBuilder, group, oid, service_principal, user

#: The smallest repository: what an example's files are laid over.
BASE_FILES: Mapping[str, str] = {"pim.yaml": "tenant: contoso.onmicrosoft.com\n"}
EXAMPLE_TENANT_ID = "00000000-0000-4000-8000-00000000c0de"


def example_repo(files: Iterable[ExampleFile]) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The files of an example's repository and its tenant facts (``None`` without)."""
    repo = dict(BASE_FILES)
    tenant: dict[str, Any] | None = None
    for item in files:
        if item.path == "tenant":
            tenant = yaml.safe_load(item.text) or {}
        else:
            repo[item.path] = item.text
    return repo, tenant


def _principal_id(ref: str) -> str:
    kind, _, name = ref.partition(":")
    if kind == "user":
        return oid("user", name.lower())
    if kind == "group":
        return oid("group", name)
    return oid("sp", name)


def _add_principals(t: TenantBuilder, facts: Mapping[str, Any]) -> None:
    for upn, traits in (facts.get("users") or {}).items():
        traits = traits or {}
        obj = user(
            upn,
            upn.split("@")[0],
            guest=bool(traits.get("guest", False)),
            synced=bool(traits.get("synced", False)),
            enabled=bool(traits.get("enabled", True)),
        )
        if "immutable_id" in traits:  # federated without sync, or synced without one
            obj["onPremisesImmutableId"] = traits["immutable_id"]
        t.add(obj)
    for name, members in (facts.get("groups") or {}).items():
        t.members[t.add(group(name))] = [oid("user", m.lower()) for m in members or ()]
    for app_id, name in (facts.get("service_principals") or {}).items():
        t.add(service_principal(app_id, name))


def _merge(into: dict[str, Any], patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _set_policies(t: TenantBuilder, policies: Mapping[str, Any]) -> None:
    for name, rules in policies.items():
        template = builtin_role_by_name(name)
        if template is None:
            raise ValueError(f"unknown built-in role {name!r}")
        if rules is None:  # the role's policy cannot be read
            link = next(x for x in t.links if x["roleDefinitionId"] == template)
            t.links.remove(link)
            t.policies = [p for p in t.policies if p["id"] != link["policyId"]]
            continue
        for rule_id, patch in rules.items():
            _merge(t.rule(template, rule_id), patch)


def tenant_snapshot(facts: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A snapshot of raw Graph objects holding exactly the facts given."""
    t = TenantBuilder(EXAMPLE_TENANT_ID, now)
    for role_id, name in BUILTIN_ROLES.items():
        t.add_role(role_id, name)
    _add_principals(t, facts)
    for grant in facts.get("assignments") or ():
        template = builtin_role_by_name(grant["role"])
        if template is None:
            raise ValueError(f"unknown built-in role {grant['role']!r}")
        t.grant(
            grant.get("kind", "eligible"),
            template,
            _principal_id(grant["principal"]),
            days_left=grant.get("days_left"),
            days_ago=grant.get("days_ago", 30),
            via_pim=not grant.get("outside_pim", False),
        )
    _set_policies(t, facts.get("policies") or {})
    return t.snapshot()
