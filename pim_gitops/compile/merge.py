"""Merge the layers of a role's settings as typed models: Entra's defaults, then the
tenant's ``defaults``, then the template chain (base first), then the role file.

A layer contributes exactly the fields it wrote (pydantic's ``model_fields_set``): a
nested block merges field by field, a leaf (a duration, a list, a flag) replaces the value
below it, and an explicit ``null`` puts the field (or the whole block) back to Entra's
default. Every leaf path of the result records where its value came from, and every
inherited list a layer replaced with one that drops items is recorded (``lists.py``
says which lists those are; GEN008 reports them).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from pim_gitops.errors import Location, PolicyError, UnresolvedReferenceError
from pim_gitops.loader import SourceMap, YamlPath
from pim_gitops.model import (
    Activation,
    Approval,
    AssignmentRulesSpec,
    Notification,
    NotificationEvent,
    Notifications,
    Settings,
    Template,
)
from pim_gitops.state import (
    ENTRA_DEFAULT_SETTINGS,
    LEVEL_LEAF,
    AssignmentRules,
    RoleSettings,
)

from .lists import REPLACED_LISTS
from .settings import require_words
from .types import ENTRA_DEFAULT, ReplacedList, Source

M = TypeVar("M", bound=BaseModel)
Sources = dict[str, Source]


@dataclass(frozen=True)
class Layer:
    """One file's contribution: its settings and where they sit in that file."""

    settings: Settings
    source: SourceMap
    #: The settings' place in the file (``("templates", "critical")``; ``()`` in a role file).
    prefix: YamlPath
    #: ``defaults``, ``templates.<name>`` or ``role``.
    label: str

    def at(self, path: tuple[str, ...]) -> Source:
        return Source(self.label, self.source.value((*self.prefix, *path)))


@dataclass(frozen=True)
class Merged:
    """A role's settings after all layers: complete, typed, in policy words."""

    settings: Settings
    #: Every leaf path → where its value came from, sorted by path.
    sources: Mapping[str, Source]
    #: Inherited lists replaced by a later layer that drops some of their items.
    replaced: tuple[ReplacedList, ...] = ()


# --- Entra's defaults as the bottom layer --------------------------------------------------


def _require_words(mfa: bool, justification: bool, ticket: bool | None = None) -> tuple[Any, ...]:
    return tuple(require_words(mfa, justification, ticket))  # the model's Literal words


def _assignment_layer(rules: AssignmentRules) -> AssignmentRulesSpec:
    return AssignmentRulesSpec.model_construct(
        allow_permanent=rules.allow_permanent,
        max_duration=rules.max_duration,
        require=_require_words(rules.require_mfa, rules.require_justification),
    )


def _notifications_layer(settings: RoleSettings) -> Notifications:
    def one(event: str, who: str) -> Notification:
        n = settings.notification(event, who)
        return Notification.model_construct(
            default_recipients=n.default_recipients,
            recipients=n.recipients,
            critical_only=LEVEL_LEAF[n.level],
        )

    def event(name: str) -> NotificationEvent:
        return NotificationEvent.model_construct(
            admin=one(name, "admin"),
            requestor=one(name, "requestor"),
            approver=one(name, "approver"),
        )

    return Notifications.model_construct(
        eligible_assigned=event("eligible_assigned"),
        active_assigned=event("active_assigned"),
        activated=event("activated"),
    )


def entra_layer(settings: RoleSettings = ENTRA_DEFAULT_SETTINGS) -> Settings:
    """Entra's defaults in policy words, every field present. ``approval.required`` stays
    unset: it follows the approvers unless a layer states it."""
    act = settings.activation
    approval = Approval.model_construct(required=None, approvers=act.approvers, reviewed=None)
    return Settings.model_construct(
        activation=Activation.model_construct(
            max_duration=act.max_duration,
            require=_require_words(act.require_mfa, act.require_justification, act.require_ticket),
            authentication_context=act.authentication_context,
            approval=approval,
        ),
        eligible_assignment=_assignment_layer(settings.eligible_assignment),
        active_assignment=_assignment_layer(settings.active_assignment),
        notifications=_notifications_layer(settings),
    )


def leaf_paths(model: BaseModel, prefix: str = "") -> Iterator[str]:
    """The dotted paths of a complete model's leaves, in field order."""
    for name in type(model).model_fields:
        here = f"{prefix}.{name}" if prefix else name
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from leaf_paths(value, here)
        else:
            yield here


#: Entra's defaults as the bottom layer of every merge (a frozen, complete model).
ENTRA_LAYER = entra_layer()
#: Every setting path a policy file can write, in field order.
SETTING_PATHS: tuple[str, ...] = tuple(leaf_paths(ENTRA_LAYER))


# --- merging --------------------------------------------------------------------------------


def _merge_model(
    base: M, overlay: BaseModel, default: BaseModel, layer: Layer, path: tuple[str, ...]
) -> tuple[M, Sources]:
    """``overlay``'s written fields over ``base`` (``default`` is where ``null`` leads)."""
    updates: dict[str, Any] = {}
    sources: Sources = {}
    for name in type(base).model_fields:
        if name not in overlay.model_fields_set:
            continue
        here = (*path, name)
        value = getattr(overlay, name)
        below = getattr(base, name)
        if value is None:
            updates[name] = reset = getattr(default, name)
            prefix = ".".join(here)
            paths = leaf_paths(reset, prefix) if isinstance(reset, BaseModel) else [prefix]
            sources.update(dict.fromkeys(paths, layer.at(here)))
        elif isinstance(value, BaseModel) and isinstance(below, BaseModel):
            updates[name], found = _merge_model(below, value, getattr(default, name), layer, here)
            sources.update(found)
        else:
            updates[name] = value
            sources[".".join(here)] = layer.at(here)
    return base.model_copy(update=updates), sources


def merge_layers(
    layers: Iterable[Layer], bottom: Settings = ENTRA_LAYER, bottom_source: Source = ENTRA_DEFAULT
) -> Merged:
    """Entra's defaults (``bottom``: a directory role's unless told), then each layer in
    order, the last one winning; ``null`` puts a field back to ``bottom``'s value."""
    merged = bottom
    sources: Sources = dict.fromkeys(SETTING_PATHS, bottom_source)
    replaced: list[ReplacedList] = []
    for layer in layers:
        below = merged
        merged, found = _merge_model(merged, layer.settings, bottom, layer, ())
        replaced.extend(_replaced_lists(below, merged, layer, sources, found))
        sources.update(found)
    _imply_approval(sources)
    return Merged(merged, dict(sorted(sources.items())), tuple(replaced))


def value_at(model: BaseModel | None, path: str) -> Any:
    """The value at a dotted path of a settings model (``None`` where a block is unset)."""
    value: Any = model
    for name in path.split("."):
        value = getattr(value, name, None) if value is not None else None
    return value


def _replaced_lists(
    below: Settings, merged: Settings, layer: Layer, sources: Sources, found: Sources
) -> Iterator[ReplacedList]:
    """The inherited lists ``layer`` replaced with a list that lacks some of their items.
    Not counted: a list first declared here (below it is Entra's default), and an explicit
    ``null`` or ``[]``, which say "none of the inherited ones" in so many words."""
    for path in sorted(REPLACED_LISTS & found.keys()):
        inherited = sources[path]
        written = value_at(layer.settings, path)
        if not inherited.declared or not written:
            continue
        kept = set(value_at(merged, path))
        dropped = tuple(str(x) for x in value_at(below, path) if x not in kept)
        if dropped:
            yield ReplacedList(path, found[path], inherited, dropped)


def _imply_approval(sources: Sources) -> None:
    """Approval left unstated but approvers named: approval is on, because of them."""
    required = "activation.approval.required"
    approvers = sources.get("activation.approval.approvers", ENTRA_DEFAULT)
    if not sources[required].declared and approvers.declared:
        sources[required] = Source(
            approvers.layer, approvers.location, "implied by activation.approval.approvers"
        )


# --- the template chain ------------------------------------------------------------------


def unknown_template_message(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    listed = ", ".join(names) or "none"
    hint = f"did you mean {close[0]!r}?" if close else f"known templates: {listed}"
    return f"unknown template {name!r}; {hint}"


def template_chain(
    name: str, templates: Mapping[str, Template], where: Location
) -> tuple[list[str], PolicyError | None]:
    """The templates a role builds on, base first, or the cycle / unknown name that breaks it."""
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        if current in chain:
            cycle = " → ".join([*chain[chain.index(current) :], current])
            return chain, UnresolvedReferenceError(where, f"template cycle: {cycle}")
        if current not in templates:
            message = unknown_template_message(current, templates)
            if chain:
                message += f" (extended by template {chain[-1]!r})"
            return chain, UnresolvedReferenceError(where, message)
        chain.append(current)
        current = templates[current].extends
    return list(reversed(chain)), None
