"""Tenant → a policy repository a human would write (bootstrap).

The most common value of each setting becomes the default; a template is made only where
at least three roles share the same deviations; each role file holds only what differs.
Roles and principals are written by immutable id or unambiguous reference with the display
name alongside. Output is deterministic: exporting twice gives identical bytes, and planning
the export against the same tenant shows no changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pim_gitops.compile import settings_to_dict
from pim_gitops.errors import PimGitopsError
from pim_gitops.state import Assignment, RoleSettings, TenantState
from pim_gitops.wire import format_instant

MIN_TEMPLATE_ROLES = 3
UNMANAGED_NOTE = (
    "# Not managed by policy files (kept from the live rules on every write): approval\n"
    "# stages' timeout, escalation and approver justification, extension approval.\n"
)


class ExportError(PimGitopsError):
    """The tenant cannot be exported (e.g. the target directory is not empty)."""


Flat = dict[tuple[str, ...], Any]


def _flatten(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Flat:
    out: Flat = {}
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


def _nest(flat: Flat) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in sorted(flat.items()):
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _settings_words(settings: RoleSettings, tenant: TenantState) -> Flat:
    words = settings_to_dict(settings)
    approval = words["activation"]["approval"]
    if approval.get("approvers"):
        approval["approvers"] = sorted(_reference(a, tenant) for a in approval["approvers"])
    if words["activation"].get("authentication_context") is None:
        words["activation"].pop("authentication_context")
    for name in ("eligible_assignment", "active_assignment"):
        if words[name]["allow_permanent"]:
            words[name].pop("max_duration", None)
    for event in words["notifications"].values():
        for item in event.values():
            item.pop("level", None)
    return _flatten(words)


def _reference(value: str, tenant: TenantState) -> str:
    object_id = value.partition(":")[2]
    principal = tenant.principals.get(object_id or value)
    return principal.reference if principal is not None else (object_id or value)


@dataclass(frozen=True)
class ExportedRole:
    role_id: str
    name: str
    builtin: bool
    deviations: Flat
    template: str | None
    assignments: tuple[Assignment, ...]


def _plan_layers(
    per_role: dict[str, Flat],
) -> tuple[Flat, dict[str, Flat], dict[str, str | None], dict[str, Flat]]:
    """Defaults (most common value per setting), templates (≥3 roles sharing deviations),
    each role's template and remaining deviations."""
    paths = sorted({p for flat in per_role.values() for p in flat})
    defaults: Flat = {}
    for path in paths:
        counts = Counter(_frozen(flat.get(path)) for flat in per_role.values())
        value, _ = max(counts.items(), key=lambda kv: (kv[1], repr(kv[0])))
        defaults[path] = list(value) if isinstance(value, tuple) else value
    deviations = {
        role: {p: v for p, v in flat.items() if _frozen(v) != _frozen(defaults.get(p))}
        for role, flat in per_role.items()
    }
    groups: dict[tuple[Any, ...], list[str]] = {}
    for role, dev in deviations.items():
        if dev:
            key = tuple(sorted((p, _frozen(v)) for p, v in dev.items()))
            groups.setdefault(key, []).append(role)
    templates: dict[str, Flat] = {}
    chosen: dict[str, str | None] = dict.fromkeys(per_role)
    for index, (key, roles) in enumerate(
        sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ):
        if len(roles) < MIN_TEMPLATE_ROLES:
            continue
        name = f"shared-{index + 1}"
        templates[name] = {p: list(v) if isinstance(v, tuple) else v for p, v in key}
        for role in roles:
            chosen[role] = name
            deviations[role] = {}
    return defaults, templates, chosen, deviations


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(
        dict(data), sort_keys=True, default_flow_style=False, allow_unicode=True, width=100
    )


def _assignment_lines(assignments: tuple[Assignment, ...], tenant: TenantState) -> list[str]:
    lines = ["assignments:"]
    for kind in ("eligible", "active"):
        rows = sorted(
            (a for a in assignments if a.kind == kind),
            key=lambda a: _reference(a.principal_id, tenant),
        )
        if not rows:
            continue
        lines.append(f"  {kind}:")
        for a in rows:
            principal = tenant.principals.get(a.principal_id)
            name = f"  # {principal.display_name}" if principal and principal.display_name else ""
            lines.append(f"    - principal: {_reference(a.principal_id, tenant)}{name}")
            if a.end is None:
                lines.append("      permanent: true")
            else:
                lines.append(f"      expires: {format_instant(a.end)}")
            lines.append("      # justification: unknown (Graph does not keep it on schedules)")
    return lines if len(lines) > 1 else []


def export_repo(tenant: TenantState, roles: list[str] | None = None) -> dict[str, str]:
    """The files of a policy repository (relative path → text)."""
    wanted = {r.casefold() for r in roles} if roles else None
    selected = sorted(
        (
            r
            for r in tenant.roles.values()
            if r.id in tenant.policies
            and (
                wanted is None
                or r.display_name.casefold() in wanted
                or r.id in wanted
                or r.template_id in wanted
            )
        ),
        key=lambda r: r.display_name.casefold(),
    )
    per_role = {r.id: _settings_words(tenant.policies[r.id].settings, tenant) for r in selected}
    defaults, templates, chosen, deviations = _plan_layers(per_role)
    domain = tenant.tenant_id
    files: dict[str, str] = {}
    head = (
        "# yaml-language-server: $schema=../schemas/policy-tenant.schema.json\n"
        "# Exported by pim-gitops from the tenant's live PIM settings.\n"
    )
    body: dict[str, Any] = {"defaults": _nest(defaults)}
    if templates:
        body["templates"] = {name: _nest(flat) for name, flat in templates.items()}
    files["pim.yaml"] = head + UNMANAGED_NOTE + f"tenant: {domain}\n" + _dump(body)
    by_role: dict[str, list[Assignment]] = {}
    for a in tenant.assignments:
        by_role.setdefault(a.role_id, []).append(a)
    for role in selected:
        lines = [
            "# yaml-language-server: $schema=../../schemas/policy-role.schema.json",
            f"role: {role.template_id if role.is_builtin else role.id}  # {role.display_name}"
            + ("" if role.is_builtin else " (custom role)"),
        ]
        if chosen[role.id]:
            lines.append(f"template: {chosen[role.id]}")
        dev = deviations[role.id]
        if dev:
            lines.append(_dump(_nest(dev)).rstrip("\n"))
        lines += _assignment_lines(tuple(by_role.get(role.id, ())), tenant)
        scoped = [a for a in tenant.unmanaged_scoped if a.role_id == role.id]
        for a in scoped:
            lines.append(
                f"# unmanaged: {a.kind} {_reference(a.principal_id, tenant)} at "
                f"{a.scope} (scoped assignments are listed, never changed)"
            )
        files[f"roles/{_slug(role.display_name)}.yaml"] = "\n".join(lines) + "\n"
    return files


def write_export(files: Mapping[str, str], out: Path, *, force: bool) -> None:
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} is not empty; use --force to overwrite")
    for relative, text in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
