"""The tenant's access reviews → ``reviews/<slug>.yaml``, one file per definition of a role
or group (``TenantState.reviews``), written so that compiling and resolving the export
gives exactly the normalized definitions (export → plan = 0).

Graph keeps only a definition's current reviewers, so the export writes today's reviewers
and, below them, a commented ``rotation:`` stub: to rotate, replace ``reviewers:`` with it
and list the sets in turn order. Every setting is written, Graph's defaults included, so the
file does not depend on the defaults of the policy model. Each reference is written so that
it reads back as the same object (a name that does not is written as the object id)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from pim_gitops.compile.review_boundaries import earlier_anchor
from pim_gitops.export_groups import group_reference
from pim_gitops.model_reviews import DECISIONS, OWNERS, ReviewerRef, period_words
from pim_gitops.resolve import Resolver
from pim_gitops.reviews import MANAGER, AccessReview, Rotation, period_index, period_start
from pim_gitops.roles import BUILTIN_ROLES
from pim_gitops.state import Principal, TenantState
from pim_gitops.yamlwrite import ExportError, checked, dump, eol, item, line, safe_comment

REVIEW_SCHEMA = "policy-review.schema.json"
SLUG_LIMIT = 60
_REVIEWER: TypeAdapter[str] = TypeAdapter(ReviewerRef)
_WORDS = {decision: word for word, decision in DECISIONS.items()}


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:SLUG_LIMIT] or "review"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def reviewer_ref(value: str, tenant: TenantState, resolver: Resolver) -> tuple[str, str]:
    """``user:<id>`` / ``group:<id>`` / ``manager`` → the reference a file writes (one that
    reads back as this principal, else the object id) and a comment."""
    if value == MANAGER:
        return MANAGER, ""
    kind, _, object_id = value.partition(":")
    if kind == "owners":
        group = tenant.principals.get(object_id)
        if group is None:
            return value, "not found in the tenant"
        written, comment = group_reference(group, resolver)
        return OWNERS + written, safe_comment(comment) if comment != group.id else ""
    if kind not in ("user", "group") or not object_id:
        raise ExportError(
            f"reviewer {safe_comment(value)} is a reviewer query a policy file cannot name"
        )
    principal = tenant.principals.get(object_id)
    if principal is None:
        return object_id, "not found in the tenant"
    ref = principal.reference
    if ref != principal.id and _reads_back(ref, principal, resolver):
        return ref, ""
    return object_id, safe_comment(principal.display_name)


def _reads_back(ref: str, principal: Principal, resolver: Resolver) -> bool:
    try:
        _REVIEWER.validate_python(ref)
    except ValidationError:
        return False
    found = resolver.principal(ref)
    return ref == ref.strip() and isinstance(found, Principal) and found.id == principal.id


def _target(review: AccessReview, tenant: TenantState, resolver: Resolver) -> tuple[str, str]:
    """``role:`` or ``group:`` as written (a name that reads back, else the id) and a comment."""
    target = review.target
    if target.kind == "group":
        group = tenant.principals.get(target.id)
        if group is None:
            return target.id, "not found in the tenant"
        written, comment = group_reference(group, resolver)
        return written, safe_comment(comment) if comment != group.id else ""
    role = tenant.role_by_template(target.id)
    name = role.display_name if role is not None else BUILTIN_ROLES.get(target.id, "")
    found = resolver.roles_named(name) if name else []
    written = name if len(found) == 1 and found[0].template_id.lower() == target.id else target.id
    return written, "" if written == name else safe_comment(name)


def _list(key: str, refs: list[tuple[str, str]], indent: str = "") -> list[str]:
    if not refs:
        return [indent + line(key, [])]
    return [indent + f"{key}:"] + [f"{indent}  {item(r)}{eol(c)}" for r, c in refs]


def _flow(refs: list[str]) -> str:
    """``[user:a@contoso.com, group:X]`` on one line, quoted where YAML needs it."""
    text = yaml.safe_dump(refs, default_flow_style=True, width=1_000_000, allow_unicode=True)
    return safe_comment(text.strip(), limit=1_000_000)


def _stub_anchor(review: AccessReview, today: date | None) -> date:
    """The recurrence start (the 1st of its month past the 28th), moved on by whole rotation
    periods to the one ``today`` falls in and a week before it (a boundary on an instance's
    day comes too late for the scheduled run: ``compile.review_boundaries``), so that today's
    set, listed first, is due today."""
    r = review.recurrence
    start = r.start if r.start.day <= 28 else r.start.replace(day=1)
    if today is None:
        return start
    rotation = Rotation(r.interval if r.pattern != "weekly" else 3, start, ())
    index = period_index(rotation, today)
    anchors = [earlier_anchor(period_start(rotation, i)) for i in (index, index + 1)]
    return max(a for a in anchors if a <= today)


def _rotation_stub(review: AccessReview, reviewers: list[str], today: date | None) -> list[str]:
    every = period_words(review.recurrence.pattern, review.recurrence.interval)
    period = every if review.recurrence.pattern != "weekly" else "quarter"
    anchor = _stub_anchor(review, today).isoformat()
    return [
        "# rotation:  # reviewers taking turns: replace `reviewers:` with this block, sets in",
        "#            # turn order (Graph keeps only the current set; `plan` changes it at each",
        "#            # period boundary: run the scheduled apply after each boundary, before",
        "#            # the next instance starts)",
        f"#   period: {period}",
        f"#   anchor: {anchor}",
        "#   reviewers:",
        f"#     - {_flow(reviewers)}",
        "#     - [user:next.reviewer@example.com]",
    ]


def _settings_lines(review: AccessReview) -> list[str]:
    s = review.settings
    return [
        line("default_decision", _WORDS[s.default_decision]),
        line("auto_apply", s.auto_apply),
        line("justification_required", s.justification_required),
        line("recommendations", s.recommendations),
        "notifications:",
        "  " + line("mail", s.mail_notifications),
        "  " + line("reminders", s.reminders),
    ]


def _recurrence(review: AccessReview) -> dict[str, Any]:
    r = review.recurrence
    found: dict[str, Any] = {"every": period_words(r.pattern, r.interval), "start": r.start}
    if r.end is not None:
        found["end"] = r.end
    return found


def review_file(
    path: str,
    review: AccessReview,
    tenant: TenantState,
    resolver: Resolver,
    today: date | None = None,
) -> str:
    """One definition's review file, checked to read back as the data written."""
    if not review.reviewers:
        raise ExportError(f"review {review.name!r} has no reviewers a policy file can name")
    reviewers = [reviewer_ref(r, tenant, resolver) for r in review.reviewers]
    fallbacks = [reviewer_ref(r, tenant, resolver) for r in review.fallback_reviewers]
    recurrence = _recurrence(review)
    target, comment = _target(review, tenant, resolver)
    kind = review.target.kind
    lines = [
        f"# yaml-language-server: $schema={'../' * path.count('/')}schemas/{REVIEW_SCHEMA}",
        f"# Exported by pim-gitops from access review definition {review.id or '?'}.",
        line("name", review.name),
        *([dump({"description": review.description}).rstrip("\n")] if review.description else []),
        line(kind, target) + eol(comment),
        *([line("covers", review.target.covers)] if kind == "role" else []),
        "recurrence:",
        *("  " + line(k, v) for k, v in recurrence.items()),
        line("duration", f"P{review.settings.instance_duration_days}D"),
        *_list("reviewers", reviewers),
        *_rotation_stub(review, [r for r, _ in reviewers], today),
        *_list("fallback_reviewers", fallbacks),
        *_settings_lines(review),
    ]
    text = "\n".join(lines) + "\n"
    refs = ([r for r, _ in reviewers], [r for r, _ in fallbacks])
    return checked(path, text, _data(review, target, refs))


def _data(review: AccessReview, target: str, refs: tuple[list[str], list[str]]) -> dict[str, Any]:
    """What the file must read back as."""
    s = review.settings
    data: dict[str, Any] = {"name": review.name}
    if review.description:
        data["description"] = review.description
    kind = review.target.kind
    data[kind] = target
    if kind == "role":
        data["covers"] = review.target.covers
    data |= {
        "recurrence": _recurrence(review),
        "duration": f"P{s.instance_duration_days}D",
        "reviewers": refs[0],
        "fallback_reviewers": refs[1],
        "default_decision": _WORDS[s.default_decision],
        "auto_apply": s.auto_apply,
        "justification_required": s.justification_required,
        "recommendations": s.recommendations,
        "notifications": {"mail": s.mail_notifications, "reminders": s.reminders},
    }
    return data


def export_reviews(
    tenant: TenantState, resolver: Resolver, today: date | None = None
) -> dict[str, str]:
    """``reviews/<slug>.yaml`` → text for every definition read (none when not read); the
    rotation stubs are anchored on the period ``today`` falls in (the recurrence start when
    ``today`` is not given)."""
    if tenant.reviews is None:
        return {}
    files: dict[str, str] = {}
    taken: set[str] = set()
    ordered = sorted(tenant.reviews.definitions.values(), key=lambda r: (r.name, r.id or ""))
    for review in ordered:
        path = f"reviews/{_slug(review.name, taken)}.yaml"
        files[path] = review_file(path, review, tenant, resolver, today)
    return files
