"""The lint engine: the registered rules run over the compiled policy (and, when given, a
view of the tenant), presets, per-rule overrides and waivers. Rules of the ``waivers`` phase
(GEN004, GEN005) run last, over the waivers as applied to the other rules' findings; the
same overrides apply to every rule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.config import check_overrides
from pim_gitops.lint.registry import (
    PRESETS,
    Option,
    OptionValue,
    Rule,
    Severity,
    catalogue,
    iter_rules,
    rule,
)
from pim_gitops.lint.waivers import WaiverUse, apply_waivers
from pim_gitops.model import RuleOverride
from pim_gitops.resolve import Resolver
from pim_gitops.state import Principal, RoleDefinition, TenantState
from pim_gitops.wire import parse_duration

__all__ = [
    "PRESETS",
    "Finding",
    "LintContext",
    "LintResult",
    "Option",
    "Rule",
    "Severity",
    "catalogue",
    "iter_rules",
    "rule",
    "run_lint",
]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One finding; ``line`` 0 when it is about the tenant and no line of policy says it
    (``file`` is then the tenant file, and the message names the role and principal)."""

    rule: str
    name: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int = 1
    role: str | None = None
    principal: str | None = None
    controls: tuple[str, ...] = ()
    #: The waiver's reason when an accepted exception covers this finding.
    waived: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column if self.line else 0)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file,
            self.line,
            self.rule,
            self.role or "",
            self.principal or "",
            self.message,
        )


@dataclass(frozen=True)
class LintContext:
    """What one rule sees: the policy, the tenant view, its options, and (for the waivers
    phase) how the waivers were used."""

    desired: DesiredState
    tenant: TenantState | None
    preset: str
    now: datetime
    rule: Rule
    options: Mapping[str, OptionValue]
    resolver: Resolver | None = None
    waivers: tuple[WaiverUse, ...] = ()

    def _value(self, name: str) -> OptionValue | None:
        declared = self.rule.option(name)  # KeyError: the rule reads an undeclared option
        return self.options.get(name, declared.default)

    def flag(self, name: str) -> bool:
        return bool(self._value(name))

    def integer(self, name: str, by_preset: int = 0) -> int:
        value = self._value(name)
        return by_preset if value is None else int(value)

    def seconds(self, name: str, by_preset: str = "PT0S") -> int:
        value = self._value(name)
        return parse_duration(by_preset if value is None else str(value))

    def finding(
        self,
        message: str,
        where: Location,
        *,
        role: str | None = None,
        principal: str | None = None,
        controls: tuple[str, ...] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this context's rule (its default severity and controls unless given)."""
        return Finding(
            self.rule.code,
            self.rule.name,
            severity or self.rule.severity,
            message,
            where.path,
            where.line,
            where.col,
            role,
            principal,
            self.rule.controls if controls is None else controls,
        )

    def role_id(self, compiled: CompiledRole) -> str | None:
        if self.resolver is not None:
            role = self.resolver.role(compiled)
            if role is not None:
                return role.id
        return compiled.ref.id

    def principal(self, ref: str) -> Principal | None:
        if self.resolver is None:
            return None
        found = self.resolver.principal(ref)
        return None if isinstance(found, str) else found

    def role_named(self, role_id: str) -> str:
        if self.tenant is not None and role_id in self.tenant.roles:
            return self.tenant.roles[role_id].display_name
        from pim_gitops.roles import BUILTIN_ROLES

        return BUILTIN_ROLES.get(role_id, role_id)

    def tenant_location(self, role_id: str | None = None) -> Location:
        """Where a finding about the tenant (not about a line of policy) is shown: the
        ``role:`` line of the role's file when the role is managed, else the tenant file
        with no line (line 0: the message names the role and principal)."""
        if role_id is not None:
            for role in self.desired.roles:
                if self.role_id(role) == role_id:
                    return role.location
        return Location(self.desired.tenant_file)

    def tenant_role(self, role_id: str) -> RoleDefinition | None:
        return self.tenant.role_by_template(role_id) if self.tenant else None


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...]
    preset: str

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and f.waived is None]

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0, "waived": 0}
        for finding in self.findings:
            if finding.waived is not None:
                counts["waived"] += 1
            else:
                counts[finding.severity] += 1
        return counts


@dataclass(frozen=True)
class _Run:
    """One lint run's fixed inputs."""

    desired: DesiredState
    tenant: TenantState | None
    now: datetime
    preset: str
    overrides: Mapping[str, RuleOverride]
    resolver: Resolver | None

    def enabled(self, item: Rule) -> bool:
        override = self.overrides.get(item.code)
        if override is not None and override.enabled is not None:
            return override.enabled
        return self.preset in item.presets

    def run(self, item: Rule, waivers: tuple[WaiverUse, ...] = ()) -> Iterator[Finding]:
        override = self.overrides.get(item.code)
        options = dict(override.options or {}) if override is not None else {}
        ctx = LintContext(
            self.desired, self.tenant, self.preset, self.now, item, options, self.resolver, waivers
        )
        severity = override.severity if override is not None else None
        for finding in item.check(ctx):
            yield finding if severity is None else replace(finding, severity=severity)


def _chosen_preset(desired: DesiredState, preset: str | None) -> str:
    chosen = preset or desired.lint.preset
    if chosen not in PRESETS:
        raise LintConfigError(f"unknown preset {chosen!r}; presets: {', '.join(PRESETS)}")
    return chosen


def run_lint(
    desired: DesiredState,
    tenant: TenantState | None,
    now: datetime,
    *,
    preset: str | None = None,
) -> LintResult:
    """Lint the policy; raises ``LintConfigError`` (located) for a bad ``lint.rules``."""
    rules = catalogue()
    check_overrides(desired, rules)
    resolver = Resolver(tenant) if tenant is not None else None
    run = _Run(desired, tenant, now, _chosen_preset(desired, preset), desired.lint.rules, resolver)
    findings: list[Finding] = []
    skipped: list[str] = []
    active = [r for r in rules if run.enabled(r)]
    for item in active:
        if item.needs_tenant and tenant is None:
            skipped.append(item.code)
        elif item.phase == "policy":
            findings.extend(run.run(item))
    findings, uses = apply_waivers(findings, desired, now)
    for item in active:
        if item.phase == "waivers":
            findings.extend(run.run(item, uses))
    unique = sorted(set(findings), key=Finding.sort_key)
    return LintResult(tuple(unique), tuple(skipped), run.preset)
