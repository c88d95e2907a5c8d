"""How an export layers the roles' settings: ``defaults``, templates, role files.

Each role's settings are a flat map of policy-file paths to values (what the role would write
alone, over Entra's defaults). A layer holds only what changes the result of the layers below:

* **Entra's defaults** are the bottom layer of the compiler (``compile/merge.py``, from
  ``state.ENTRA_DEFAULT_SETTINGS``): an absent key means Entra's default, never "unmanaged",
  so a value equal to it is never written in ``defaults``.
* **defaults** hold, per setting, the value most roles have, where it differs from Entra's
  (a tie keeps Entra's). A setting some roles leave unset and cannot unset again without
  ``null`` (``authentication_context``) goes to ``defaults`` only when every role sets it.
* **templates** hold what at least ``MIN_TEMPLATE_ROLES`` roles share beyond ``defaults``:
  candidates are the roles sharing one deviation, a template holds every deviation they all
  share, and the one that saves most lines is taken first (each role takes one template).
  A template is named from what it holds (``template_name``).
* **role files** hold the rest: each value that differs from what defaults and template give.

A ``None`` never reaches a layer, so no ``null`` is written; every value of the tenant has a
policy word (Graph's notification level ``None`` is ``critical_only: none``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pim_gitops.yamlwrite import dump

MIN_TEMPLATE_ROLES = 3
#: Template names are cut to this many words.
NAME_WORDS = 2
Path = tuple[str, ...]
Flat = dict[Path, Any]
#: Settings whose absence in a role cannot be written over an inherited value (no ``null``).
UNSETTABLE = frozenset(
    {
        ("activation", "authentication_context"),
        ("activation", "custom_extension"),
        ("activation", "post_approval_extension"),
    }
)
REQUIRED = ("activation", "approval", "required")
APPROVERS = ("activation", "approval", "approvers")


def flatten(data: Mapping[str, Any], prefix: Path = ()) -> Flat:
    """Nested policy words → ``{path: value}``; ``None`` values are left out."""
    out: Flat = {}
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, path))
        elif value is not None:
            out[path] = value
    return out


def nest(flat: Flat) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, value in sorted(flat.items()):
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


def frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def thawed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Layers:
    """What each file of the export holds."""

    defaults: Flat
    templates: dict[str, Flat]
    #: Role id → its template's name (``None``: no template).
    template_of: dict[str, str | None]
    #: Role id → the values its file writes.
    own: dict[str, Flat]


def differing(flat: Flat, below: Flat) -> Flat:
    """The values of ``flat`` that ``below`` does not already give."""
    return {p: v for p, v in flat.items() if frozen(v) != frozen(below.get(p))}


def common_values(per_role: Mapping[Any, Flat], entra: Flat) -> Flat:
    """Per setting, the value most roles have, where it is not Entra's (ties keep Entra's)."""
    defaults: Flat = {}
    for path in sorted({p for flat in per_role.values() for p in flat}):
        counts = Counter(frozen(flat.get(path)) for flat in per_role.values())
        if path in UNSETTABLE and None in counts:
            continue
        keep = frozen(entra.get(path))
        value, count = max(counts.items(), key=lambda kv: (kv[1], kv[0] == keep, repr(kv[0])))
        if value is not None and value != keep and count > counts.get(keep, 0):
            defaults[path] = thawed(value)
    return defaults


def _lines(flat: Flat) -> int:
    return dump(nest(flat)).count("\n") if flat else 0


def _shared(flats: Iterable[Flat]) -> Flat:
    """The values every one of ``flats`` has."""
    sets = [{(p, frozen(v)) for p, v in flat.items()} for flat in flats]
    return {p: thawed(v) for p, v in set.intersection(*sets)} if sets else {}


@dataclass(frozen=True)
class _Scope:
    """The roles still without a template: their settings and what the layers below give."""

    per_role: Mapping[str, Flat]
    below: Flat

    def own(self, role: str, template: Flat) -> Flat:
        return differing(self.per_role[role], {**self.below, **template})

    def joins(self, role: str, template: Flat) -> int:
        """Lines ``role`` saves by taking ``template`` (0: it does not hold all of it, or
        saves nothing); a role never overrides what its template says."""
        alone = self.own(role, {})
        if any(frozen(alone.get(p, None)) != frozen(v) for p, v in template.items()):
            return 0
        return max(0, _lines(alone) - 1 - _lines(self.own(role, template)))  # 1: `template:`


def _candidates(scope: _Scope) -> list[tuple[int, tuple[str, ...], Flat]]:
    """Templates worth making: what a group of roles sharing one deviation all share, taken by
    every role that holds all of it; with the lines it saves, best first."""
    holders: dict[tuple[Path, Any], set[str]] = {}
    for role in scope.per_role:
        for path, value in scope.own(role, {}).items():
            holders.setdefault((path, frozen(value)), set()).add(role)
    found = []
    for group in sorted({tuple(sorted(roles)) for roles in holders.values()}):
        if len(group) < MIN_TEMPLATE_ROLES:
            continue
        content = _shared([scope.own(r, {}) for r in group])
        savings = {r: scope.joins(r, content) for r in scope.per_role}
        members = tuple(sorted(r for r, saved in savings.items() if saved))
        saved = sum(savings.values()) - _lines(content) - 1  # + the template's name line
        if len(members) >= MIN_TEMPLATE_ROLES and saved > 0:
            found.append((saved, members, content))
    return sorted(found, key=lambda c: (-c[0], -len(c[1]), c[1]))


def _templates(
    per_role: Mapping[str, Flat], below: Flat
) -> tuple[dict[str, Flat], dict[str, str | None]]:
    templates: dict[str, Flat] = {}
    template_of: dict[str, str | None] = dict.fromkeys(per_role)
    while True:
        open_roles = {r: f for r, f in per_role.items() if template_of[r] is None}
        candidates = _candidates(_Scope(open_roles, below))
        if not candidates:
            return templates, template_of
        _, roles, content = candidates[0]
        name = template_name(content, set(templates))
        templates[name] = content
        template_of.update(dict.fromkeys(roles, name))


def plan_layers(per_role: Mapping[str, Flat], entra: Flat) -> Layers:
    """Defaults, templates, each role's template and own values (the module docstring)."""
    defaults = common_values(per_role, entra)
    below = {**entra, **defaults}
    templates, template_of = _templates(per_role, below)
    own = {
        role: differing(flat, {**below, **templates.get(template_of[role] or "", {})})
        for role, flat in per_role.items()
    }
    return _implied(Layers(defaults, templates, template_of, own))


def _without_required(layer: Flat) -> Flat:
    """``layer`` without ``approval.required: true`` where it names approvers (which imply
    it when no layer below says otherwise)."""
    if layer.get(REQUIRED) is True and layer.get(APPROVERS):
        return {p: v for p, v in layer.items() if p != REQUIRED}
    return layer


def _implied(layers: Layers) -> Layers:
    """Approval is left to follow the approvers (the compiler's rule: unset, it is on when
    approvers are named) wherever no layer below states it, and, in ``defaults``, where every
    role that does not state it keeps named approvers."""
    defaults, templates, own = layers.defaults, layers.templates, dict(layers.own)
    for role, layer in own.items():
        template = templates.get(layers.template_of[role] or "", {})
        if REQUIRED not in defaults and REQUIRED not in template:
            own[role] = _without_required(layer)
    if REQUIRED not in defaults:
        templates = {name: _without_required(layer) for name, layer in templates.items()}

    def keeps_approvers(role: str) -> bool:
        above = {**templates.get(layers.template_of[role] or "", {}), **own[role]}
        return REQUIRED in above or bool(above.get(APPROVERS, True))

    if all(keeps_approvers(role) for role in own):
        defaults = _without_required(defaults)
    return Layers(defaults, templates, layers.template_of, own)


# --- template names ------------------------------------------------------------------------


def _short(duration: str) -> str:
    """``PT4H`` → ``4h``, ``P180D`` → ``180d``, ``PT1H30M`` → ``1h30m``."""
    return duration.replace("P", "").replace("T", "").lower()


def _assignment_word(kind: str, content: Flat) -> str | None:
    permanent = content.get((f"{kind}_assignment", "allow_permanent"))
    longest = content.get((f"{kind}_assignment", "max_duration"))
    if longest is not None:
        return f"{kind}-{_short(longest)}"
    if permanent is not None:
        return f"{kind}-{'permanent' if permanent else 'expiring'}"
    return None


def _notify_word(content: Flat) -> str | None:
    recipients = sorted(
        r
        for p, v in content.items()
        if p[0] == "notifications" and p[-1] == "recipients"
        for r in v
    )
    return f"notify-{recipients[0].partition('@')[0]}" if recipients else None


def name_words(content: Flat) -> list[str]:
    """What a template holds, most distinguishing first: approval, authentication context,
    activation length and requirements, assignment lengths, notification recipients."""
    activation = {p[1:]: v for p, v in content.items() if p[0] == "activation"}
    words = []
    if activation.get(("approval", "required")) is True:
        words.append("requires-approval")
    elif activation.get(("approval", "required")) is False:
        words.append("no-approval")
    if ("authentication_context",) in activation:
        words.append(f"context-{activation[('authentication_context',)]}")
    if ("max_duration",) in activation:
        words.append(f"activation-{_short(activation[('max_duration',)])}")
    if ("require",) in activation:
        words.append("-".join(activation[("require",)]) or "no-requirements")
    words += [w for kind in ("eligible", "active") if (w := _assignment_word(kind, content))]
    words += [w for w in (_notify_word(content),) if w]
    return [w.replace("_", "-") for w in words] or ["shared-settings"]


def template_name(content: Flat, taken: set[str]) -> str:
    """A readable name from ``content`` (``name_words``), unique among ``taken``: more words
    when the first ones are taken, then a number."""
    words = name_words(content)
    for count in range(NAME_WORDS, len(words) + 1):
        name = "-".join(words[:count])
        if name not in taken:
            return name
    base = "-".join(words)
    return (
        base
        if base not in taken
        else next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)
    )


__all__ = [
    "MIN_TEMPLATE_ROLES",
    "Layers",
    "common_values",
    "differing",
    "flatten",
    "name_words",
    "nest",
    "plan_layers",
]
