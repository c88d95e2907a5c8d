"""``validate --show GROUP``: a managed group's sections (``member``, ``owner``), each shown
as a role is (``render/sources.py``), headed ``<group> (member)``: every setting with its
value and where it came from (the section, a template, ``group_defaults``, ``defaults`` or
``Entra default for groups``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.compile.types import RoleRef


def shown_group_sections(desired: DesiredState, written: str) -> tuple[CompiledRole, ...]:
    """The sections of the managed group ``written`` names (its ``group:`` as written, in any
    case, or its file's path, name or stem), member first; ``()`` when no group matches."""
    wanted = written.strip()
    for group in desired.groups:
        path = PurePath(group.file)
        if wanted.casefold() == group.written.casefold() or wanted in (
            group.file,
            path.name,
            path.stem,
        ):
            return tuple(
                replace(section, ref=_section_ref(section.ref, f"{group.written} ({access})"))
                for access, section in sorted(
                    group.sections.items(), key=lambda s: s[0] != "member"
                )
            )
    return ()


def _section_ref(ref: RoleRef, label: str) -> RoleRef:
    return RoleRef(ref.written, ref.id, label)
