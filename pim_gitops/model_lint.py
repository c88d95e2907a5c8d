"""The ``lint:`` block of ``pim.yaml`` (``model.py`` re-exports both models)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pim_gitops.model_base import Strict


class RuleOverride(Strict):
    severity: Literal["error", "warning", "info"] | None = None
    enabled: bool | None = None
    options: dict[str, Any] | None = None


class LintSettings(Strict):
    preset: Literal["default", "cisa", "cis", "strict"] = "default"
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    privileged_roles: Literal["cisa", "cis", "microsoft"] | tuple[str, ...] | None = Field(
        None,
        description="The privileged-role set the rules judge: cisa (SCuBA's eight highly "
        "privileged roles), cis (CIS 5.3.1's list), microsoft (roles Microsoft marks "
        "privileged), or a list of role names. Default by preset: strict microsoft, cis cis, "
        "else cisa.",
    )
    select: tuple[str, ...] | None = Field(
        None,
        description="Rules to run (codes, prefixes such as ASG, names, ALL): replaces "
        "the preset's choice.",
    )
    extend_select: tuple[str, ...] | None = Field(None, description="Rules to run as well.")
    ignore: tuple[str, ...] | None = Field(None, description="Rules not to run.")
    baseline: str | None = Field(
        None,
        description="A waivers file written by `lint --baseline FILE` (relative to this "
        "file): accepted findings of the day the repository was adopted.",
    )

    @field_validator("select", "extend_select", "ignore", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``select: ASG, NTF001`` as the list ``[ASG, NTF001]``, as on the command line."""
        if isinstance(value, str):
            return tuple(w.strip() for w in value.split(",") if w.strip())
        return value
