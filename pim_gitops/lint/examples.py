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
    reviews:    # the access reviews read (TenantState.reviews; no key: not read)
      - {name: str, role: display name | group: name, covers: all | eligible | active,
         every: week | month | quarter, duration: days, reviewers: [user:UPN],
         default_decision: Deny | ..., auto_apply: bool,
         instances: [{ended_days_ago: int, undecided: int | null, status: str}]}

``alerts:`` and ``history:``: see ``example_extras``.

For example ``policies: {Global Administrator: {Approval_EndUser_Assignment: {setting:
{isApprovalRequired: true}}}}``; ``policies: {Global Administrator: null}``: the tenant has no
readable policy for the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import yaml

from pim_gitops.lint.docstring import ExampleFile
from pim_gitops.reviews import (
    AccessReview,
    Pattern,
    Recurrence,
    ReviewInstance,
    ReviewSettings,
    ReviewState,
    ReviewTarget,
)
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


def principal_id(ref: str) -> str:
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
            principal_id(grant["principal"]),
            days_left=grant.get("days_left"),
            days_ago=grant.get("days_ago", 30),
            via_pim=not grant.get("outside_pim", False),
        )
    _set_policies(t, facts.get("policies") or {})
    return t.snapshot()


_EVERY: dict[str, tuple[Pattern, int]] = {
    "week": ("weekly", 1),
    "month": ("absoluteMonthly", 1),
    "quarter": ("absoluteMonthly", 3),
}


def _review_of(item: Mapping[str, Any], now: datetime) -> AccessReview:
    """One ``reviews:`` fact as the tenant side reads it (references as object ids)."""
    if "group" in item:
        target = ReviewTarget("group", oid("group", item["group"]))
    else:
        template = builtin_role_by_name(item["role"])
        if template is None:
            raise ValueError(f"unknown built-in role {item['role']!r}")
        target = ReviewTarget("role", template, item.get("covers", "all"))
    pattern, interval = _EVERY[item.get("every", "month")]
    settings = ReviewSettings(
        int(item.get("duration", 3)),
        item.get("default_decision"),
        bool(item.get("auto_apply", True)),
        bool(item.get("justification_required", True)),
        bool(item.get("recommendations", True)),
        bool(item.get("mail", True)),
        bool(item.get("reminders", True)),
    )
    return AccessReview(
        item["name"],
        target,
        Recurrence(pattern, interval, now.date().replace(day=1)),
        tuple(f"user:{principal_id(r)}" for r in item.get("reviewers") or ()),
        (),
        settings,
        id=oid("review", item["name"]),
    )


def tenant_reviews(facts: Mapping[str, Any], now: datetime) -> ReviewState | None:
    """The tenant's access reviews the facts list (``reviews:``; ``None`` without the key:
    not read). Each fact: ``{name, role | group, covers, every: week | month | quarter,
    duration: days, reviewers: [user:UPN], default_decision, auto_apply, instances:
    [{ended_days_ago, undecided, status}]}``."""
    if "reviews" not in facts:
        return None
    definitions: dict[str, AccessReview] = {}
    instances: list[ReviewInstance] = []
    for item in facts["reviews"] or ():
        review = _review_of(item, now)
        assert review.id is not None
        definitions[review.id] = review
        for n, inst in enumerate(item.get("instances") or ()):
            end = now - timedelta(days=int(inst.get("ended_days_ago", 0)))
            instances.append(
                ReviewInstance(
                    f"{review.id}-{n}",
                    review.id,
                    end - timedelta(days=review.settings.instance_duration_days),
                    end,
                    inst.get("status", "Completed"),
                    inst.get("undecided"),
                )
            )
    return ReviewState(definitions, tuple(instances))
