"""Tenant → a policy repository a human would write (bootstrap). PIM for Groups:
``export_groups.py`` (which groups, ``group_defaults``, ``groups/<slug>.yaml``).

Settings are layered as a human would write them (``export_layers.py``): nothing equal to
what the compiler assumes when a key is absent (Entra's defaults), no ``null``; ``defaults``
hold what most roles share beyond Entra's defaults, a template (named from what it holds) what
at least three roles share where it saves lines, and each role file only what differs. Roles and
principals are written by immutable id or unambiguous reference with the display name
alongside; ``pim.yaml`` declares the ``break_glass:`` it proposes, to confirm
(``export_guards.py``); every assignment is marked ``adopted:`` on the export's date. Output
is deterministic: exporting twice at one ``now`` gives identical bytes; planning it shows no
changes.

Tenant strings are hostile input (a group named ``Ops #1``, a display name with a newline):
every value reaches the YAML text through one serializer (``_Dumper``), never by string
formatting; display names appear only in comments, made one printable line and truncated;
a principal whose reference would not read back as that same principal (a name the loader
refuses or strips, an ambiguous name) is written by object id. Each file is parsed back and
compared with the data it was written from before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pim_gitops.compile import settings_to_dict
from pim_gitops.export_alerts import export_alerts
from pim_gitops.export_groups import GROUP_SCHEMA, export_groups
from pim_gitops.export_guards import guard_block
from pim_gitops.export_layers import Flat, flatten, nest, plan_layers
from pim_gitops.export_reviews import REVIEW_SCHEMA, export_reviews
from pim_gitops.export_roles import check_roles, managed_scopes_entry, role_reference, scope_entry
from pim_gitops.extension_wire import name_extensions
from pim_gitops.model import PrincipalRef
from pim_gitops.resolve import Resolver
from pim_gitops.state import (
    ENTRA_DEFAULT_MAX,
    ENTRA_DEFAULT_SETTINGS,
    Assignment,
    Principal,
    RoleDefinition,
    RoleSettings,
    TenantState,
)
from pim_gitops.wire import format_duration, is_guid
from pim_gitops.yamlwrite import (
    ExportError,
    checked,
    dump,
    eol,
    line,
    safe_comment,
    written_instant,
)

#: Role file names are cut to this many characters (before ``.yaml``).
SLUG_LIMIT = 60
EXPORTED_NOTE = (
    "# Exported by pim-gitops from the tenant's live PIM settings.\n"
    "# Not managed by policy files (kept from the live rules on every write): approval\n"
    "# stages' timeout, escalation and approver justification, extension approval.\n"
)
JUSTIFICATION_NOTE = "      # justification: unknown (Graph does not keep it on schedules)"
#: What the loader accepts as a principal (the model's own validators).
_PRINCIPAL_REF: TypeAdapter[str] = TypeAdapter(PrincipalRef)
#: The export carries the JSON Schemas its ``$schema`` headers name, under this folder of
#: the policy directory (editors resolve a modeline path from the file that holds it).
SCHEMA_DIR = "schemas"
TENANT_SCHEMA = "policy-tenant.schema.json"
ROLE_SCHEMA = "policy-role.schema.json"


# --- names: how a principal or role is written -----------------------------------------------


@dataclass(frozen=True)
class _Names:
    """Principal references that read back as the same principal."""

    tenant: TenantState
    resolver: Resolver

    def reference(self, value: str) -> str:
        """``user:<id>``, ``group:<id>`` or an object id → how a policy file names it."""
        object_id = value.partition(":")[2] or value
        principal = self.tenant.principals.get(object_id)
        return object_id if principal is None else self.written(principal)

    def written(self, principal: Principal) -> str:
        ref = principal.reference
        if ref != principal.id and self._reads_back(ref, principal):
            return ref
        if not is_guid(principal.id):
            raise ExportError(
                f"principal {principal.id!r} ({safe_comment(principal.display_name)}) can be "
                "written neither by reference nor by object id"
            )
        return principal.id

    def _reads_back(self, ref: str, principal: Principal) -> bool:
        """The loader accepts ``ref`` verbatim (no stripping) and it resolves to ``principal``."""
        if ref != ref.strip():
            return False
        try:
            _PRINCIPAL_REF.validate_python(ref)
        except ValidationError:
            return False
        found = self.resolver.principal(ref)
        return isinstance(found, Principal) and found.id == principal.id

    def comment(self, object_id: str) -> str:
        principal = self.tenant.principals.get(object_id)
        if principal is None:
            return ""
        name = safe_comment(principal.display_name)
        if principal.reference != principal.id and self.written(principal) == principal.id:
            name = f"{name} (by object id: the name does not read back as this principal)"
        return eol(name)


def _settings_words(settings: RoleSettings, names: _Names) -> Flat:
    """A role's settings as the flat policy words it would write alone (no ``None``)."""
    words = settings_to_dict(settings)
    approval = words["activation"]["approval"]
    if approval.get("approvers"):
        approval["approvers"] = sorted(names.reference(a) for a in approval["approvers"])
    name_extensions(words["activation"], names.tenant)
    for name in ("eligible_assignment", "active_assignment"):
        if words[name]["allow_permanent"]:
            words[name].pop("max_duration", None)
    return flatten(words)


def _entra_words(names: _Names) -> Flat:
    """What the compiler assumes where a policy says nothing: Entra's defaults, and, for an
    assignment that must expire but names no maximum, Entra's maximum."""
    longest: Flat = {
        (kind, "max_duration"): format_duration(s) for kind, s in ENTRA_DEFAULT_MAX.items()
    }
    return {**_settings_words(ENTRA_DEFAULT_SETTINGS, names), **longest}


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _file_names(roles: list[RoleDefinition]) -> dict[str, str]:
    """Role id → ``roles/<slug>.yaml``, unique (case-insensitively) and never empty."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for role in roles:
        slug = _slug(role.display_name)[:SLUG_LIMIT].strip("-") or "role"
        while slug.casefold() in taken:
            slug = f"{slug}-{_slug(role.id)}"
        taken.add(slug.casefold())
        names[role.id] = f"roles/{slug}.yaml"
    return names


# --- the files -------------------------------------------------------------------------------


def _schedule_entry(a: Assignment) -> dict[str, Any]:
    """When an assignment runs; a request not provisioned yet keeps its (future) start, and
    a direct role assignment is marked as made outside PIM (``outside.py``)."""
    entry: dict[str, Any] = {}
    if a.request is not None and a.start is not None:
        entry["start"] = written_instant(a.start)
    if a.end is None:
        entry["permanent"] = True
    else:
        entry["expires"] = written_instant(a.end)
    if a.outside_pim and a.kind == "active" and a.end is None:
        entry["outside_pim"] = True
    return entry


def _assignment_lines(
    assignments: tuple[Assignment, ...], names: _Names, adopted: date
) -> tuple[list[str], dict[str, Any]]:
    """The ``assignments:`` block and the data it holds (both empty without assignments);
    each assignment is marked ``adopted:`` on the export's date (Graph keeps no
    justification of it, so lint asks for none)."""
    lines = ["assignments:"]
    data: dict[str, list[dict[str, Any]]] = {}
    for kind in ("eligible", "active"):
        rows = sorted(
            ((names.reference(a.principal_id), a) for a in assignments if a.kind == kind),
            key=lambda row: (row[0], row[1].scope),
        )
        if not rows:
            continue
        lines.append(f"  {kind}:")
        data[kind] = []
        for ref, a in rows:
            entry: dict[str, Any] = {"principal": ref, **scope_entry(a, names.tenant)}
            lines.append("    - " + line("principal", ref) + names.comment(a.principal_id))
            entry.update(_schedule_entry(a))
            entry["adopted"] = adopted
            lines += ["      " + line(*item) for item in list(entry.items())[1:]]
            lines.append(JUSTIFICATION_NOTE)
            data[kind].append(entry)
    return (lines, {"assignments": data}) if data else ([], {})


def _selected_roles(tenant: TenantState, roles: list[str] | None) -> list[RoleDefinition]:
    wanted = {r.casefold() for r in roles} if roles else None
    return sorted(
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
        key=lambda r: (r.display_name.casefold(), r.id),
    )


def _tenant_file(
    names: _Names,
    defaults: Flat,
    templates: dict[str, Flat],
    now: datetime,
    group_defaults: dict[str, Any] | None = None,
) -> str:
    tenant, head = names.tenant.tenant_id, schema_header("pim.yaml", TENANT_SCHEMA) + "\n"
    body: dict[str, Any] = {"defaults": nest(defaults)} if defaults else {}
    if group_defaults:
        body["group_defaults"] = group_defaults
    if templates:
        body["templates"] = {name: nest(flat) for name, flat in templates.items()}
    body |= export_alerts(names.tenant)
    guards, declared = guard_block(names.tenant, names.written, names.comment, now)
    text = (
        head + EXPORTED_NOTE + line("tenant", tenant) + "\n" + guards + (dump(body) if body else "")
    )
    return checked("pim.yaml", text, {"tenant": tenant, **declared, **body})


def _role_file(
    path: str,
    role: RoleDefinition,
    template: str | None,
    deviations: Flat,
    assignments: tuple[Assignment, ...],
    names: _Names,
    adopted: date,
) -> str:
    role_ref, label = role_reference(role, names.tenant)
    lines = [schema_header(path, ROLE_SCHEMA), line("role", role_ref) + eol(label)]
    data: dict[str, Any] = {"role": role_ref}
    if template:
        lines.append(line("template", template))
        data["template"] = template
    if deviations:
        lines.append(dump(nest(deviations)).rstrip("\n"))
        data.update(nest(deviations))
    if scopes := managed_scopes_entry(assignments, names.tenant):
        lines.append(dump(scopes).rstrip("\n"))
        data.update(scopes)
    block, held = _assignment_lines(assignments, names, adopted)
    lines += block
    data.update(held)
    for a in names.tenant.unmanaged_scoped:
        if a.role_id == role.id:
            lines.append(
                f"# unmanaged: {a.kind} {safe_comment(names.reference(a.principal_id))} at "
                f"{safe_comment(a.scope)} (scoped assignments are listed, never changed)"
            )
    return checked(path, "\n".join(lines) + "\n", data)


def schema_header(path: str, schema: str) -> str:
    """The modeline naming ``schema`` in the export's own ``schemas/``, relative to ``path``."""
    up = "../" * path.count("/")
    return f"# yaml-language-server: $schema={up}{SCHEMA_DIR}/{schema}"


def schema_files(groups: bool = False, reviews: bool = False) -> dict[str, str]:
    """The policy-file schemas the headers point at, as ``pim-gitops schema`` writes them
    (the group file's only when ``groups`` are exported, the review file's with ``reviews``)."""
    from pim_gitops.schemas import all_schemas, render_schema

    schemas = all_schemas()
    names = (TENANT_SCHEMA, ROLE_SCHEMA, *((GROUP_SCHEMA,) if groups else ()))
    names += (REVIEW_SCHEMA,) if reviews else ()
    return {f"{SCHEMA_DIR}/{n}": render_schema(schemas[n]) for n in names}


def export_repo(
    tenant: TenantState, roles: list[str] | None = None, *, now: datetime
) -> dict[str, str]:
    """The files of a policy repository (relative path → text), its assignments marked
    adopted on ``now``'s date (UTC)."""
    check_roles(tenant, roles or [])
    selected = _selected_roles(tenant, roles)
    names = _Names(tenant, Resolver(tenant))
    per_role = {r.id: _settings_words(tenant.policies[r.id].settings, names) for r in selected}
    layers = plan_layers(per_role, _entra_words(names))
    adopted = now.astimezone(UTC).date()
    group_defaults, group_files = (
        ({}, {})
        if roles
        else export_groups(
            tenant,
            names.resolver,
            layers.defaults,
            lambda settings: _settings_words(settings, names),
            lambda rows: _assignment_lines(rows, names, adopted),
            _slug,
        )
    )
    review_files = {} if roles else export_reviews(tenant, names.resolver, adopted)
    files = {
        "pim.yaml": _tenant_file(names, layers.defaults, layers.templates, now, group_defaults),
        **schema_files(bool(group_files), bool(review_files)),
        **group_files,
        **review_files,
    }
    by_role: dict[str, list[Assignment]] = {}
    for a in tenant.assignments:
        if a.principal_id in tenant.principals:  # a deleted principal's lingering schedule
            by_role.setdefault(a.role_id, []).append(a)  # is not exported (diff notes it)
    paths = _file_names(selected)
    for role in selected:
        files[paths[role.id]] = _role_file(
            paths[role.id],
            role,
            layers.template_of[role.id],
            layers.own[role.id],
            tuple(by_role.get(role.id, ())),
            names,
            adopted,
        )
    return files


def check_target(out: Path, *, force: bool) -> None:
    """Refuse a non-empty ``out`` unless ``force``: before anything is read or written."""
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} is not empty; use --force to overwrite")


def write_export(files: Mapping[str, str], out: Path, *, force: bool) -> None:
    check_target(out, force=force)
    for relative, text in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
