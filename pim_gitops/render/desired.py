"""The compiled desired state in words: ``validate`` summary, ``--show`` and JSON."""

from __future__ import annotations

from typing import Any

from pim_gitops.compile import (
    CompiledGroup,
    CompiledRole,
    DeclaredAssignment,
    DesiredState,
    settings_to_dict,
)
from pim_gitops.compile.alerts import describe_alerts
from pim_gitops.render.desired_reviews import describe_review, review_summary
from pim_gitops.wire import format_duration, format_instant
from pim_gitops.wording import plural


def _assignment(item: DeclaredAssignment) -> dict[str, Any]:
    out: dict[str, Any] = {"principal": item.principal, "scope": item.scope}
    if item.start is not None:
        out["start"] = format_instant(item.start)
    if item.permanent:
        out["permanent"] = True
    elif item.end is not None:
        out["expires"] = format_instant(item.end)
    elif item.duration is not None:
        out["duration"] = format_duration(item.duration)
    return out


def describe_role(role: CompiledRole) -> dict[str, Any]:
    return {
        "role": role.ref.label,
        "role_id": role.ref.id,
        "file": role.file,
        "template_chain": list(role.template_chain),
        "assignments_mode": role.assignments_mode,
        "settings": settings_to_dict(role.settings),
        "assignments": {
            kind: [_assignment(a) for a in role.assignments if a.kind == kind]
            for kind in ("eligible", "active")
        },
    }


def describe_group(group: CompiledGroup) -> dict[str, Any]:
    """A managed group: its ``group:`` as written, its file, each section as a role's."""
    sections = {access: describe_role(s) for access, s in group.sections.items()}
    for section in sections.values():
        del section["file"], section["role"], section["role_id"]
    return {"group": group.written, "file": group.file, "sections": sections}


def describe_desired(desired: DesiredState) -> dict[str, Any]:
    """The desired state in words (``groups`` and ``reviews`` only when such files exist, so
    that a policy without them describes, and hashes, as it did before them)."""
    groups = [describe_group(g) for g in desired.groups]
    reviews = [describe_review(r) for r in desired.reviews]
    return {
        "tenant": desired.tenant,
        "break_glass": list(desired.break_glass),
        "roles": [describe_role(r) for r in desired.roles],
        **({"groups": groups} if groups else {}),
        **({"reviews": reviews} if reviews else {}),
        **({"alerts": describe_alerts(desired.alerts)} if desired.alerts else {}),
        "summary": summary_counts(desired),
    }


def summary_counts(desired: DesiredState) -> dict[str, int]:
    eligible = sum(1 for r in desired.roles for a in r.assignments if a.kind == "eligible")
    active = sum(1 for r in desired.roles for a in r.assignments if a.kind == "active")
    return {"roles": len(desired.roles), "eligible": eligible, "active": active}


def summarize_desired(desired: DesiredState, directory: str) -> str:
    counts = summary_counts(desired)
    unresolved = [r.ref.label for r in desired.roles if r.ref.id is None]
    lines = [
        f"{directory}: valid. Tenant {desired.tenant}: {plural(counts['roles'], 'role')} "
        f"managed, {plural(counts['eligible'] + counts['active'], 'assignment')} "
        f"({counts['eligible']} eligible, {counts['active']} active).",
    ]
    if unresolved:
        lines.append(
            "Resolved against the tenant at plan time (not built-in role names): "
            + ", ".join(sorted(unresolved))
        )
    if desired.groups:
        sections = [s for g in desired.groups for s in g.sections.values()]
        grants = sum(len(s.assignments) for s in sections)
        lines.append(
            f"{plural(len(desired.groups), 'group')} managed (PIM for Groups, resolved at plan "
            f"time): {plural(len(sections), 'section')}, {plural(grants, 'grant')}."
        )
    if desired.reviews:
        lines.append(review_summary(desired.reviews))
    if desired.warnings:
        lines.append(f"{plural(len(desired.warnings), 'warning')} on stderr.")
    return "\n".join(lines)


def show_desired(desired: DesiredState) -> str:
    """The fully resolved settings and assignments of every role, as YAML."""
    import yaml

    return yaml.safe_dump(describe_desired(desired)["roles"], sort_keys=False, width=100)
