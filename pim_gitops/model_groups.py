"""Pydantic model of a group policy file (``groups/<name>.yaml``): one managed group's
PIM-for-Groups ``member`` and ``owner`` sections.

A section holds the same settings as a role file (the rule table's rows for
``scopeType: Group``), a template, and eligible/active assignments of users and groups: no
``scope`` (a group has none) and no ``outside_pim`` (a direct membership is no PIM grant).
A section left out is not managed at all: neither its policy nor its assignments.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from pim_gitops.model import GrantSpec, Settings, Strict, Waiver
from pim_gitops.wire import is_guid


def check_group_name(value: str) -> str:
    """A group's display name or object id: one line of text, no ``group:`` prefix."""
    if not value.strip():
        raise ValueError("the group is empty: write its display name or object id")
    if not value.isprintable():
        raise ValueError("the group's name must be one line of printable text")
    if value.startswith("group:"):
        raise ValueError(
            "write the group's display name or object id without `group:` "
            f"(group: {value.removeprefix('group:').strip()})"
        )
    return value


GroupName = Annotated[
    str,
    AfterValidator(check_group_name),
    Field(
        json_schema_extra={"pattern": r"\S"},
        description="The group's display name (one group of the tenant must have it) or its "
        "object id; resolved at plan time, and it must be a group.",
    ),
]


class GroupGrant(GrantSpec):
    """An eligible or active membership or ownership granted through PIM for Groups."""

    @model_validator(mode="after")
    def _user_or_group(self) -> GroupGrant:
        if self.principal.startswith("sp:"):
            raise ValueError(
                "PIM for Groups grants membership or ownership to users and groups; "
                f"{self.principal} is a service principal"
            )
        return self


class GroupAssignments(Strict):
    eligible: tuple[GroupGrant, ...] = ()
    active: tuple[GroupGrant, ...] = ()


class GroupSection(Settings):
    """A group's ``member:`` or ``owner:`` section: settings as a role file's, over
    ``defaults`` → ``group_defaults`` → the template chain (Entra's group defaults below)."""

    template: str | None = None
    assignments_mode: Literal["authoritative", "additive"] = Field(
        "authoritative",
        description="authoritative: undeclared eligible/active grants of this access are "
        "removed; additive: only declared ones are created or updated.",
    )
    assignments: GroupAssignments = Field(default_factory=GroupAssignments)
    waivers: tuple[Waiver, ...] = ()


class GroupFile(Strict):
    """``groups/<name>.yaml``: one managed group (PIM for Groups)."""

    group: GroupName
    description: str | None = None
    member: GroupSection | None = Field(
        None,
        description="The group's membership: its policy and eligible/active members. "
        "Absent: member policy and member assignments are not managed.",
    )
    owner: GroupSection | None = Field(
        None,
        description="The group's ownership: its policy and eligible/active owners. "
        "Absent: owner policy and owner assignments are not managed.",
    )

    def group_is_id(self) -> bool:
        return is_guid(self.group)
