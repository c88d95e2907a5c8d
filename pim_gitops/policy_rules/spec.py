"""The shape of a row of the policy-rule table."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import partial
from typing import Any, TypeVar

from pim_gitops.rawjson import RawObject
from pim_gitops.state import Leaf

RULE_TYPE_PREFIX = "#microsoft.graph.unifiedRoleManagementPolicy"


class PolicyScope(StrEnum):
    """Which kind of object a policy governs (Graph's ``scopeType`` and role kind)."""

    DIRECTORY_ROLE = "directoryRole"
    #: A PIM-for-Groups member or owner policy (``scopeType: Group``).
    GROUP = "group"


class Phase(IntEnum):
    """Apply order (DESIGN.md, safety rules): a control is switched off before another is
    switched on, policies are relaxed before assignments are made, and tightened last, so
    Graph's policy validation never rejects a new assignment."""

    SWITCH_OFF = 1
    RELAX = 2
    ASSIGN = 3
    REMOVE = 4
    TIGHTEN = 5

    @property
    def title(self) -> str:
        return {
            1: "switch off policy controls",
            2: "relax and update policies",
            3: "create and update assignments",
            4: "remove assignments",
            5: "tighten policies",
        }[self.value]


@dataclass(frozen=True)
class PropertyDoc:
    """One Graph property of a rule: the policy path managing it, or why it is unmanaged."""

    prop: str
    path: str | None = None
    reason: str = ""
    note: str = ""


Leaves = Mapping[str, Leaf]
Reader = Callable[[RawObject], dict[str, Leaf]]
Writer = Callable[[Mapping[str, Any], Leaves], dict[str, Any]]
PhaseRule = Callable[[Leaves, Leaves], Phase]


def merge_values(live: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the live rule (its ``target`` echoed, graph-pim.md §3.1) with the managed
    properties replaced; the response annotation is dropped."""
    body = copy.deepcopy(dict(live))
    body.pop("@odata.context", None)
    body.update(copy.deepcopy(dict(values)))
    return body


T = TypeVar("T")


def bind(function: Callable[..., T], prefix: str) -> partial[T]:  # pragma: no mutate block
    """``function`` with its first argument (a row's policy-file path prefix) bound and its
    docstring kept: ``docs/settings-map.md`` shows the phase functions' docstrings. Called
    while the table is built, at import (so not mutated: docs/quality.md)."""
    bound = partial(function, prefix)
    bound.__doc__ = function.__doc__
    return bound


def always_relax(before: Leaves, after: Leaves) -> Phase:
    """Any change relaxes: the rule constrains no assignment the same apply makes."""
    return Phase.RELAX


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a policy scope."""

    id: str
    #: ``Expiration`` | ``Enablement`` | ``Approval`` | ``AuthenticationContext`` |
    #: ``Notification`` | ``CustomExtension``
    kind: str
    #: The policy-file paths this rule carries, in display order.
    paths: tuple[str, ...]
    #: Raw rule → the values of ``paths`` (canonical leaves); raises ``SnapshotError``.
    read: Reader
    #: (live raw rule, desired leaves of ``paths``) → the PATCH body.
    write: Writer
    #: (live leaves, desired leaves) → the phase a change of this rule runs in.
    phase: PhaseRule
    #: Every Graph property of the rule, for docs/settings-map.md.
    docs: tuple[PropertyDoc, ...]
    #: The values of ``paths`` for a policy that lacks the rule (Graph lists a rule only once
    #: it was configured: the custom extension rules); ``None``: every policy has the rule.
    when_absent: Mapping[str, Leaf] | None = None

    @property
    def odata_type(self) -> str:
        return f"{RULE_TYPE_PREFIX}{self.kind}Rule"
