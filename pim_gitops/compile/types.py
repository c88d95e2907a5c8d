"""What compiling produces: roles as referenced, declared assignments, where each setting
came from, and the desired state of the tenant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from pim_gitops.alerts import AlertSetting
from pim_gitops.errors import Location, PolicyError
from pim_gitops.loader import SourceMap
from pim_gitops.model import LintSettings, Settings, Waiver
from pim_gitops.reviews import AccessReview, Rotation
from pim_gitops.roles import BUILTIN_ROLES, builtin_role_by_name
from pim_gitops.scopes import DEFAULT_MANAGED, ManagedScopes
from pim_gitops.state import Kind, RoleSettings
from pim_gitops.targets import Access
from pim_gitops.wire import is_guid

ENTRA_DEFAULT_LAYER = "Entra default"
#: Where a group section's undeclared setting comes from (``group_defaults.py``).
ENTRA_GROUP_DEFAULT_LAYER = "Entra default for groups"
ROLE_LAYER = "role"


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A role as a policy file names it, and what is known without a tenant."""

    written: str
    #: Template id (built-ins) or object id (a GUID written in the file).
    id: str | None
    display_name: str | None

    @property
    def label(self) -> str:
        return self.display_name or self.written

    @property
    def key(self) -> str:
        return self.id.lower() if self.id else f"name:{self.written.strip().casefold()}"


def resolve_role_ref(written: str) -> RoleRef:
    text = written.strip()
    if is_guid(text):
        return RoleRef(text, text.lower(), BUILTIN_ROLES.get(text.lower()))
    template_id = builtin_role_by_name(text)
    if template_id:
        return RoleRef(text, template_id, BUILTIN_ROLES[template_id])
    return RoleRef(text, None, text)


@dataclass(frozen=True, slots=True, order=True)
class Source:
    """Where one setting's value came from: a layer of the policy files at a position, or
    Entra's own default (``location`` is ``None`` then).

    ``layer`` is ``defaults``, ``templates.<name>``, ``role`` or ``Entra default``; ``note``
    says how a value followed from another (``implied by activation.approval.approvers``).
    """

    layer: str
    location: Location | None = None
    note: str = ""

    @property
    def declared(self) -> bool:
        return self.location is not None

    def __str__(self) -> str:
        if self.location is None:
            return self.layer
        words = [w for w in (self.layer if self.layer != ROLE_LAYER else "", self.note) if w]
        return f"{self.location} ({', '.join(words)})" if words else str(self.location)


ENTRA_DEFAULT = Source(ENTRA_DEFAULT_LAYER)
ENTRA_GROUP_DEFAULT = Source(ENTRA_GROUP_DEFAULT_LAYER)


@dataclass(frozen=True, slots=True)
class ReplacedList:
    """A list one layer wrote over a different list of a layer below (lists are replaced
    whole, never merged: ``lists.py``): what was dropped, and where each list is written."""

    path: str
    #: The layer that wrote the list in effect above ``replaced``.
    by: Source
    #: The declared list it replaced (``defaults`` or a template).
    replaced: Source
    #: The items of the replaced list the new one does not have, in their order there.
    dropped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeclaredAssignment:
    """An assignment as declared: the principal is still a reference (resolved at plan time).

    ``end`` is when it ends as the repository alone says: ``expires``, or ``start`` +
    ``duration`` for a one-off ``duration``; ``None`` for a permanent one and for a rolling
    one (``renew: true``), whose end counts from whenever it is granted."""

    kind: Kind
    principal: str
    scope: str
    start: datetime | None
    end: datetime | None
    duration: int | None
    permanent: bool
    justification: str | None
    ticket_number: str | None
    ticket_system: str | None
    location: Location
    #: Declared ``outside_pim: true``: a direct role assignment the tenant holds.
    outside_pim: bool = False
    #: Declared ``adopted: <date>``: taken over from the tenant (by export) on that date;
    #: a marker for lint only, never compared with the tenant.
    adopted: date | None = None
    #: Declared ``renew: true``: a rolling ``duration``, granted again from now when missing.
    renew: bool = False


@dataclass(frozen=True)
class CompiledRole:
    ref: RoleRef
    file: str
    location: Location
    template_chain: tuple[str, ...]
    settings: RoleSettings
    assignments: tuple[DeclaredAssignment, ...]
    assignments_mode: str
    waivers: tuple[Waiver, ...]
    approvers_reviewed: date | None
    #: Setting path (``activation.max_duration``) → where its value was declared; paths
    #: left at Entra's default are absent.
    provenance: Mapping[str, Location] = field(default_factory=dict)
    #: Every setting path → where its value came from (``ENTRA_DEFAULT`` when undeclared).
    sources: Mapping[str, Source] = field(default_factory=dict)
    #: The layers merged, in policy words (``None`` for a role built without compiling).
    policy: Settings | None = None
    #: Approver reference → where the winning layer writes it (empty: use ``source_of``).
    approver_locations: Mapping[str, Location] = field(default_factory=dict)
    #: Inherited lists that a layer (a template, the role file) replaced, dropping items.
    replaced_lists: tuple[ReplacedList, ...] = ()
    #: ``managed_scopes``: where the file declares assignments and, in authoritative mode,
    #: removes undeclared ones (``scopes.py``); the whole tenant only by default.
    managed_scopes: ManagedScopes = DEFAULT_MANAGED

    def approver_location(self, ref: str) -> Location:
        """Where an approver reference is written (the approvers setting when unknown)."""
        found = self.approver_locations.get(ref)
        return found if found is not None else self.source_of("activation.approval.approvers")

    def source_of(self, setting: str) -> Location:
        """Where a setting was declared: the setting itself, else the first declared setting
        below it (``activation.approval`` → ``activation.approval.approvers``); the role
        file when nothing was declared."""
        found = self.provenance.get(setting)
        if found is not None:
            return found
        prefix = setting + "."
        below = sorted(k for k in self.provenance if k.startswith(prefix))
        return self.provenance[below[0]] if below else self.location


@dataclass(frozen=True)
class CompiledGroup:
    """A managed group (``groups/<name>.yaml``): its PIM-for-Groups ``member`` and ``owner``
    sections, each compiled like a role file. In each section's ``CompiledRole`` the ``ref``
    names the group as the file writes it (``RoleRef.id`` is the object id when a GUID is
    written, else ``None``; ``display_name`` the name written); the group resolves to its
    object id at plan time, and the section's target id is ``state.group_target(id, access)``.
    """

    #: The group as written (display name or object id).
    written: str
    file: str
    location: Location
    #: The sections the file has, by access; an absent section is not managed.
    sections: Mapping[Access, CompiledRole] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledAlerts:
    """``pim.yaml``'s ``alerts:``: the declared alerts (``AlertKind.name`` → setting; an
    alert not written is not managed) and where each is written."""

    settings: Mapping[str, AlertSetting] = field(default_factory=dict)
    locations: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledReview:
    """A declared access review (``reviews/*.yaml``): the definition as the repository wants
    it today (``review.reviewers`` = the rotation's set due at compile time's ``now``, or the
    declared reviewers), its rotation, and where it is written. Reviewer and target
    references are policy references until plan time resolves them."""

    file: str
    location: Location
    review: AccessReview
    #: The target as written (``role: Global Administrator`` / ``group: Tier0 Admins``).
    target_written: str
    rotation: Rotation | None = None
    #: Setting path (``recurrence``, ``reviewers``…) → where it is written.
    provenance: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredState:
    tenant: str
    roles: tuple[CompiledRole, ...]
    break_glass: tuple[str, ...]
    automation: tuple[tuple[str, str], ...]
    apply_identity: str | None
    lint: LintSettings
    waivers: tuple[Waiver, ...]
    tenant_file: str
    #: Non-fatal findings (e.g. an expiry already in the past).
    warnings: tuple[PolicyError, ...] = ()
    #: Where each ``break_glass`` entry is written, in the same order.
    break_glass_locations: tuple[Location, ...] = ()
    apply_identity_location: Location | None = None

    def break_glass_location(self, index: int) -> Location:
        if index < len(self.break_glass_locations):
            return self.break_glass_locations[index]
        return Location(self.tenant_file)

    def apply_identity_at(self) -> Location:
        return self.apply_identity_location or Location(self.tenant_file)

    #: Where each key of the tenant file sits (lint locates its ``lint.rules`` errors).
    tenant_source: SourceMap | None = field(default=None, compare=False, repr=False)
    #: The managed groups (``groups/*.yaml``), sorted by file.
    groups: tuple[CompiledGroup, ...] = ()
    #: The declared access reviews (``reviews/*.yaml``), sorted by name.
    reviews: tuple[CompiledReview, ...] = ()
    #: ``pim.yaml``'s ``alerts:``; ``None`` when absent (alerts neither read nor managed).
    alerts: CompiledAlerts | None = None
    #: ``pim.yaml``'s ``graph_beta:``: the Graph beta APIs reads and writes may use.
    graph_beta: frozenset[str] = frozenset()

    @property
    def assignment_count(self) -> int:
        roles = sum(len(r.assignments) for r in self.roles)
        return roles + sum(len(s.assignments) for g in self.groups for s in g.sections.values())

    def find_role(self, name_or_id: str) -> CompiledRole | None:
        """A managed role by display name (any case), as written, or by id."""
        wanted = name_or_id.strip()
        ref = resolve_role_ref(wanted)
        for role in self.roles:
            if role.ref.key == ref.key or role.ref.label.casefold() == wanted.casefold():
                return role
        return None
