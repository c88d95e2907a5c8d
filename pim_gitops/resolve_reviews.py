"""Declared reviews at plan time: each ``CompiledReview``'s target (``role:`` → the role's
template id, ``group:`` → the group's object id) and reviewers (``user:UPN`` → ``user:<id>``,
``group:name`` → ``group:<id>``, ``owners:<group>`` → ``owners:<id>``, an object id →
``user:``/``group:<id>`` by what it is, ``manager`` kept) resolved through the tenant,
giving the ``AccessReview`` the diff compares with the tenant's normalized one. A
reference that does not resolve, or resolves to a service principal, is an error at its
``file:line:col`` (fail closed: never dropped)."""

from __future__ import annotations

from dataclasses import replace

from pim_gitops.compile import CompiledReview, DesiredState, resolve_role_ref
from pim_gitops.errors import Location
from pim_gitops.model_reviews import OWNERS
from pim_gitops.resolve import Resolver
from pim_gitops.reviews import MANAGER, AccessReview, ReviewTarget


def reviewer_id(ref: str, resolver: Resolver) -> str | tuple[None, str]:
    """``user:<id>``, ``group:<id>`` or ``manager``; ``(None, message)`` when it does not
    resolve or names something that cannot review."""
    if ref == MANAGER:
        return MANAGER
    if ref.startswith(OWNERS):
        group = resolver.group(ref.removeprefix(OWNERS))
        return (None, group) if isinstance(group, str) else f"{OWNERS}{group.id.lower()}"
    found = resolver.principal(ref)
    if isinstance(found, str):
        return (None, found)
    if found.type not in ("user", "group"):
        return (None, f"reviewer {ref} is a {found.type}: reviewers are users and groups")
    return f"{found.type}:{found.id.lower()}"


def _reviewers(
    refs: tuple[str, ...], where: Location, resolver: Resolver, errors: list[str]
) -> tuple[str, ...]:
    found: set[str] = set()
    for ref in refs:
        resolved = reviewer_id(ref, resolver)
        if isinstance(resolved, tuple):
            errors.append(f"{where}: {resolved[1]}")
        else:
            found.add(resolved)
    return tuple(sorted(found))


def _target(compiled: CompiledReview, resolver: Resolver) -> ReviewTarget | str:
    target = compiled.review.target
    written = compiled.target_written
    if target.kind == "group":
        group = resolver.group(written)
        return group if isinstance(group, str) else replace(target, id=group.id.lower())
    role = resolver.role_of(resolve_role_ref(written))
    if role is not None:
        return replace(target, id=role.template_id.lower())
    if len(resolver.roles_named(written)) > 1:
        return f"role {written!r} is ambiguous: two roles have that name; write its id"
    return f"role {written!r} was not found in the tenant"


def _where(compiled: CompiledReview, *paths: str) -> Location:
    for path in paths:
        if path in compiled.provenance:
            return compiled.provenance[path]
    return compiled.location


def resolve_review(compiled: CompiledReview, resolver: Resolver) -> AccessReview | list[str]:
    """The declared review with its target and reviewers resolved, or its errors
    (``file:line:col: message``, sorted)."""
    errors: list[str] = []
    target = _target(compiled, resolver)
    if isinstance(target, str):
        errors.append(f"{_where(compiled, compiled.review.target.kind)}: {target}")
    review = compiled.review
    where = _where(compiled, "rotation", "reviewers")
    reviewers = _reviewers(review.reviewers, where, resolver, errors)
    fallback_at = _where(compiled, "fallback_reviewers")
    fallbacks = _reviewers(review.fallback_reviewers, fallback_at, resolver, errors)
    if errors or isinstance(target, str):
        return sorted(errors)
    return replace(review, target=target, reviewers=reviewers, fallback_reviewers=fallbacks)


def resolve_reviews(
    desired: DesiredState, resolver: Resolver
) -> tuple[dict[str, tuple[CompiledReview, AccessReview]], list[str]]:
    """Every declared review resolved, by name, and all errors (sorted). Two reviews of one
    name cannot reach here (compile refuses them)."""
    found: dict[str, tuple[CompiledReview, AccessReview]] = {}
    errors: list[str] = []
    for compiled in desired.reviews:
        resolved = resolve_review(compiled, resolver)
        if isinstance(resolved, list):
            errors.extend(resolved)
        else:
            found[resolved.name] = (compiled, resolved)
    return found, sorted(errors)
