"""How every list of the policy files combines: one table, read by the merge (which lists
``merge_layers`` reports as replaced), by lint (GEN008) and by the docs (the generated table
in ``docs/policy-reference.md``). ``tests/test_merge_semantics.py`` walks the models and
fails when a list field is missing here, and checks the merge does what the table says.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


class Combine(StrEnum):
    """What happens to a list across the files that may write it."""

    #: Inherited Entra defaults → ``defaults`` → template chain → role file; the last layer
    #: that writes the list wins it whole, nothing of the layers below is kept.
    REPLACES = "replaces"
    #: Written in one place only: nothing to merge with.
    ONE_PLACE = "one place"
    #: Read from every place that writes it; none replaces another.
    COMBINED = "combined"
    #: Replaced by the command line's list when one is given.
    COMMAND_LINE = "command line replaces"


@dataclass(frozen=True)
class ListField:
    #: ``settings.<path>`` for the inherited settings, else ``<file>:<path>``.
    key: str
    combine: Combine
    #: What a reader needs to know, one sentence.
    note: str
    #: GEN008 reports a replacement that drops items of the inherited list (lists of people
    #: and addresses; a dropped ``require`` flag is judged by its own rule, e.g. ACT001).
    linted: bool = False

    @property
    def setting(self) -> str | None:
        """The settings path of an inherited list (``activation.require``), else ``None``."""
        return self.key.removeprefix("settings.") if self.key.startswith("settings.") else None


def _recipients(event: str, who: str) -> ListField:
    return ListField(
        f"settings.notifications.{event}.{who}.recipients",
        Combine.REPLACES,
        "e-mail addresses; a role's list replaces the template's and the defaults' (repeat "
        "an inherited address to keep it)",
        linted=True,
    )


_EVENTS = ("eligible_assigned", "active_assigned", "activated")
_WHO = ("admin", "requestor", "approver")

#: Every list of the policy files, inherited settings first.
LIST_FIELDS: tuple[ListField, ...] = (
    ListField(
        "settings.activation.require",
        Combine.REPLACES,
        "`[mfa, justification]` in a role drops a `ticket` the defaults require (ACT001 "
        "reports a missing ticket or MFA, so GEN008 does not)",
    ),
    ListField(
        "settings.activation.approval.approvers",
        Combine.REPLACES,
        "a role's approvers replace the template's; with approval on, `approvers: []` leaves "
        "approving to Entra's default approvers",
        linted=True,
    ),
    ListField(
        "settings.eligible_assignment.require",
        Combine.REPLACES,
        "MFA and/or justification on eligible assignment",
    ),
    ListField(
        "settings.active_assignment.require",
        Combine.REPLACES,
        "MFA and/or justification on active assignment",
    ),
    *(_recipients(event, who) for event in _EVENTS for who in _WHO),
    ListField(
        "pim.yaml:break_glass", Combine.ONE_PLACE, "the emergency-access accounts, in pim.yaml"
    ),
    ListField(
        "pim.yaml:automation", Combine.ONE_PLACE, "service accounts allowed a permanent grant"
    ),
    ListField(
        "pim.yaml:waivers",
        Combine.COMBINED,
        "tenant-file waivers (with `role:`) apply beside each role file's `waivers`",
    ),
    ListField(
        "pim.yaml:graph_beta", Combine.ONE_PLACE, "the Graph beta APIs reads and writes may use"
    ),
    ListField(
        "pim.yaml:lint.privileged_roles",
        Combine.ONE_PLACE,
        "a set name or a list of roles; replaces the preset's set",
    ),
    ListField(
        "pim.yaml:lint.select",
        Combine.COMMAND_LINE,
        "replaces the preset's choice of rules; `--select` replaces this list",
    ),
    ListField(
        "pim.yaml:lint.extend_select",
        Combine.COMMAND_LINE,
        "rules run as well; `--extend-select` replaces this list",
    ),
    ListField(
        "pim.yaml:lint.ignore", Combine.COMMAND_LINE, "rules not run; `--ignore` replaces this list"
    ),
    ListField(
        "role:assignments.eligible",
        Combine.ONE_PLACE,
        "the role file only (templates hold no assignments); authoritative at the file's "
        "`managed_scopes` (default `/`) unless `assignments_mode: additive`",
    ),
    ListField("role:assignments.active", Combine.ONE_PLACE, "as `assignments.eligible`"),
    ListField(
        "role:managed_scopes",
        Combine.ONE_PLACE,
        "the role file only; `all` or a list of scopes, `['/']` when absent",
    ),
    ListField(
        "role:waivers",
        Combine.COMBINED,
        "the role file's waivers apply beside the tenant file's waivers for this role",
    ),
    ListField(
        "group:assignments.eligible",
        Combine.ONE_PLACE,
        "a group section (`member:` or `owner:`) only: eligible members or owners, users "
        "and groups; authoritative unless the section says `assignments_mode: additive`",
    ),
    ListField("group:assignments.active", Combine.ONE_PLACE, "as `assignments.eligible`"),
    ListField(
        "group:waivers",
        Combine.COMBINED,
        "a group section's waivers apply beside the tenant file's waivers",
    ),
)

#: The inherited settings that are lists, each replaced whole by a layer that writes it.
REPLACED_LISTS: frozenset[str] = frozenset(
    f.setting for f in LIST_FIELDS if f.setting is not None and f.combine is Combine.REPLACES
)
#: The replaced lists GEN008 reports when a layer drops inherited items.
LINTED_LISTS: frozenset[str] = frozenset(
    f.setting for f in LIST_FIELDS if f.setting is not None and f.linted
)


def _types_in(annotation: Any) -> Iterator[Any]:
    """The types an annotation may hold (``X | None``, ``Annotated[...]``, ``dict`` values)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _types_in(get_args(annotation)[0])
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _types_in(arg)
    else:
        yield annotation


def list_paths(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The dotted paths of every list-valued field of ``model`` (nested models followed,
    ``dict`` values as ``<field>.*``), leaving out the top-level fields in ``skip``."""
    return tuple(dict.fromkeys(_list_paths(model, "", skip)))


def _list_paths(model: type[BaseModel], prefix: str, skip: frozenset[str]) -> Iterator[str]:
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        here = f"{prefix}.{name}" if prefix else name
        for kind in _types_in(info.annotation):
            origin = get_origin(kind)
            if origin is tuple or origin is list:
                yield here
            elif origin is dict:
                value = get_args(kind)[1]
                if isinstance(value, type) and issubclass(value, BaseModel):
                    yield from _list_paths(value, f"{here}.*", frozenset())
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _list_paths(kind, here, frozenset())
