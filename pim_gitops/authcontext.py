"""Conditional Access authentication contexts named on activation.

A policy's ``activation.authentication_context`` (the rule's ``claimValue``, e.g. ``c1``) must
name a context the tenant has and has published: ``GET /identity/conditionalAccess/
authenticationContextClassReferences`` lists them with ``isAvailable`` ("published to apps";
false: "shouldn't be used to protect app resources", Graph resource
authenticationContextClassReference). Graph's PIM API does not document checking
``claimValue`` against that list, and Entra falls back to plain MFA on activation when no
Conditional Access policy targets the context (ED pim-how-to-change-default-settings), so a
misspelt or unpublished context silently weakens the control the reviewer approved. The plan
refuses it, at the setting's ``file:line:col``.

When the contexts are read: only when a policy declares one (``complete_contexts``, strict:
a refused read fails the command naming the permission) or the tenant's live policies use one
(``reader.fetch_snapshot``, so a ``snapshot`` file carries them; a refused read there is
left for the strict read). One request either way; tenants without contexts pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pim_gitops.errors import GraphAuthError, GraphError, Location
from pim_gitops.policy_rules import PolicyScope, rule_for_path

if TYPE_CHECKING:
    from pim_gitops.compile import CompiledRole, DesiredState
    from pim_gitops.graph.transport import GraphTransport
    from pim_gitops.resolve import Resolver
    from pim_gitops.state import TenantState

#: The snapshot key (raw Graph objects), absent when the contexts were not read.
KEY = "authenticationContextClassReferences"
SETTING = "activation.authentication_context"
#: Application permissions that read the contexts (Graph reference, least privileged first).
PERMISSIONS = ("AuthenticationContext.Read.All", "Policy.Read.ConditionalAccess")


def declared(desired: DesiredState) -> dict[str, list[tuple[Location, str]]]:
    """Each context id the policy names on activation → where, and which role."""
    found: dict[str, list[tuple[Location, str]]] = {}
    for role in desired.roles:
        claim = role.settings.activation.authentication_context
        if claim:
            found.setdefault(claim, []).append((role.source_of(SETTING), role.ref.label))
    return found


def used(policies: Iterable[Any]) -> set[str]:
    """The context ids the tenant's live policies (raw, with rules) require on activation."""
    rule_id = rule_for_path(PolicyScope.DIRECTORY_ROLE, SETTING).id
    claims: set[str] = set()
    for policy in policies:
        rules = policy.get("rules") if isinstance(policy, Mapping) else None
        for rule in rules if isinstance(rules, list) else []:
            if not (isinstance(rule, Mapping) and rule.get("id") == rule_id):
                continue
            claim = rule.get("claimValue")
            if rule.get("isEnabled") and isinstance(claim, str) and claim:
                claims.add(claim)
    return claims


def availability(snapshot: Mapping[str, Any]) -> dict[str, bool] | None:
    """Context id → ``isAvailable`` from a snapshot; ``None`` when it holds no read of them."""
    raw = snapshot.get(KEY)
    if not isinstance(raw, list):
        return None
    return {
        str(c["id"]): c.get("isAvailable") is True
        for c in raw
        if isinstance(c, Mapping) and c.get("id")
    }


def _problem(claim: str, known: Mapping[str, bool]) -> str | None:
    if claim not in known:
        published = ", ".join(sorted(c for c, ok in known.items() if ok)) or "none"
        hidden = sorted(c for c, ok in known.items() if not ok)
        unpublished = f"; not published: {', '.join(hidden)}" if hidden else ""
        return (
            f"{SETTING} {claim!r} is not an authentication context of this tenant "
            f"(published: {published}{unpublished}); create it in Entra (Conditional Access > "
            "Authentication contexts) and target it with a Conditional Access policy, or name "
            "an existing one"
        )
    if not known[claim]:
        return (
            f"{SETTING} {claim!r} exists but is not published to apps (isAvailable: false), "
            "so it cannot protect activation; publish it (Conditional Access > Authentication "
            "contexts > 'Publish to apps') or name another"
        )
    return None


def _live_claim(role: CompiledRole, tenant: TenantState, resolver: Resolver) -> str | None:
    """The context the tenant's policy for ``role`` requires on activation today."""
    found = resolver.role(role)
    policy = tenant.policies.get(found.id) if found is not None else None
    return policy.settings.activation.authentication_context if policy is not None else None


def context_problems(desired: DesiredState, tenant: TenantState) -> tuple[list[str], list[str]]:
    """(plan errors, plan warnings): a declared context the tenant lacks or has not published
    is an error at its ``file:line:col``, or a warning when the tenant's policy already
    requires that same context (nothing is written; an export of such a tenant still plans).
    When the state holds no read of the contexts (a snapshot taken without them) each
    declared one is a warning that it was not checked."""
    from pim_gitops.resolve import Resolver

    errors: list[str] = []
    warnings: list[str] = []
    known = tenant.authentication_contexts
    resolver = Resolver(tenant)
    for role in sorted(desired.roles, key=lambda r: r.source_of(SETTING)):
        claim = role.settings.activation.authentication_context
        if not claim:
            continue
        head = f"{role.source_of(SETTING)}: {role.ref.label}: "
        if known is None:
            warnings.append(
                f"{head}{SETTING} {claim!r} was not checked: the snapshot holds no {KEY} "
                "(take it again with `snapshot`)"
            )
        elif (problem := _problem(claim, known)) is None:
            continue
        elif _live_claim(role, tenant, resolver) == claim:
            warnings.append(f"{head}{problem} (the tenant already requires it; nothing is written)")
        else:
            errors.append(head + problem)
    return errors, warnings


def refused(exc: GraphError, roles: Iterable[str]) -> GraphAuthError:
    """The error for a read of the contexts Graph refused (401/403): fail closed, naming
    the permission."""
    who = ", ".join(sorted(set(roles))) or "the policy"
    return GraphAuthError(
        f"cannot check the authentication contexts that {who} require on activation: Graph "
        f"refused to read them; grant the app {PERMISSIONS[0]} (least privileged) or "
        f"{PERMISSIONS[1]} (application permission, with admin consent). The plan is not made "
        "without this check: with a context that does not exist, Entra asks for no more "
        "than MFA on activation (its fallback when no Conditional Access policy targets it)",
        method=exc.method,
        url=exc.url,
        status=exc.status,
        code=exc.code,
        request_id=exc.request_id,
        target=exc.target,
    )


async def complete_contexts(
    transport: GraphTransport, snapshot: dict[str, Any], desireds: Iterable[DesiredState]
) -> dict[str, Any]:
    """``snapshot`` with the tenant's contexts when a policy in ``desireds`` names one and
    the snapshot does not hold them yet (one request); a refused read raises ``refused``."""
    from pim_gitops.graph.contexts import fetch_authentication_contexts

    wanted = [place for d in desireds for places in declared(d).values() for place in places]
    if not wanted or availability(snapshot) is not None:
        return snapshot
    try:
        contexts = await fetch_authentication_contexts(transport)
    except GraphError as exc:
        if exc.status in (401, 403):
            raise refused(exc, (label for _, label in wanted)) from exc
        raise
    return {**snapshot, KEY: contexts}
