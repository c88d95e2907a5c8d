"""The lint engine: a catalogue of rules run over the compiled policy (and, when given, a
view of the tenant), presets, per-rule overrides and waivers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.resolve import Resolver
from pim_gitops.state import Principal, RoleDefinition, TenantState

Severity = Literal["error", "warning", "info"]
PRESETS = ("default", "cisa", "cis", "strict")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
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

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file,
            self.line,
            self.rule,
            self.role or "",
            self.principal or "",
            self.message,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "role": self.role,
            "principal": self.principal,
            "controls": list(self.controls),
            "waived": self.waived,
        }


@dataclass
class LintContext:
    """What a rule sees."""

    desired: DesiredState
    tenant: TenantState | None
    preset: str
    now: datetime
    options: Mapping[str, Any]
    resolver: Resolver | None = None
    #: Role id (or reference key) → compiled role, for managed roles.
    roles: dict[str, CompiledRole] = field(default_factory=dict)

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

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

    def tenant_role(self, role_id: str) -> RoleDefinition | None:
        return self.tenant.role_by_template(role_id) if self.tenant else None


Check = Callable[[LintContext, "Rule"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    bad: str
    good: str
    check: Check
    #: CISA SCuBA ids (``MS.AAD.7.4v1``) this rule decides, exactly as the baseline words them.
    scuba: tuple[str, ...] = ()
    #: CIS Microsoft 365 Foundations Benchmark (v4.0.0) recommendation ids.
    cis: tuple[str, ...] = ()
    presets: tuple[str, ...] = PRESETS
    needs_tenant: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def controls(self) -> tuple[str, ...]:
        return self.scuba + tuple(f"CIS {c}" for c in self.cis)

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
        return Finding(
            self.code,
            self.name,
            severity or self.severity,
            message,
            where.path,
            where.line,
            where.col,
            role,
            principal,
            self.controls if controls is None else controls,
        )


CATALOGUE: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.code in CATALOGUE:
        raise ValueError(f"duplicate rule code {rule.code}")
    CATALOGUE[rule.code] = rule
    return rule


def catalogue() -> list[Rule]:
    import pim_gitops.lint.rules  # noqa: F401  (registers the rules)

    return [CATALOGUE[c] for c in sorted(CATALOGUE)]


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


def _waive(
    findings: list[Finding], desired: DesiredState, now: datetime, tenant_file: str
) -> list[Finding]:
    """Mark waived findings; an expired or unused waiver is itself a finding."""
    out = list(findings)
    waivers = [(w, None) for w in desired.waivers] + [
        (w, role) for role in desired.roles for w in role.waivers
    ]
    for waiver, role in waivers:
        role_label = role.ref.label if role is not None else waiver.role
        where = role.location if role is not None else Location(tenant_file, 1, 1)
        if waiver.expires < now.date():
            out.append(
                Finding(
                    "GEN004",
                    "expired-waiver",
                    "warning",
                    f"the waiver of {waiver.rule} ({waiver.reason!r}) expired on "
                    f"{waiver.expires}; renew it or fix the finding",
                    where.path,
                    where.line,
                    role=role_label,
                )
            )
            continue
        used = False
        for index, finding in enumerate(out):
            if finding.rule != waiver.rule or finding.waived is not None:
                continue
            if role_label and (finding.role or "").casefold() != role_label.casefold():
                continue
            if (
                waiver.principal
                and (finding.principal or "").casefold() != waiver.principal.casefold()
            ):
                continue
            out[index] = replace(finding, waived=waiver.reason)
            used = True
        if not used:
            out.append(
                Finding(
                    "GEN005",
                    "unused-waiver",
                    "warning",
                    f"the waiver of {waiver.rule} ({waiver.reason!r}) matches no "
                    "finding; remove it",
                    where.path,
                    where.line,
                    role=role_label,
                )
            )
    return out


def run_lint(
    desired: DesiredState,
    tenant: TenantState | None,
    now: datetime,
    *,
    preset: str | None = None,
) -> LintResult:
    rules = catalogue()
    chosen = preset or desired.lint.preset
    if chosen not in PRESETS:
        raise LintConfigError(f"unknown preset {chosen!r}; presets: {', '.join(PRESETS)}")
    overrides = desired.lint.rules
    unknown = sorted(set(overrides) - set(CATALOGUE))
    if unknown:
        raise LintConfigError(
            f"{desired.tenant_file}: lint.rules names unknown rules: {', '.join(unknown)}"
        )
    findings: list[Finding] = []
    skipped: list[str] = []
    resolver = Resolver(tenant) if tenant is not None else None
    for rule in rules:
        override = overrides.get(rule.code)
        enabled = chosen in rule.presets
        if override is not None and override.enabled is not None:
            enabled = override.enabled
        if not enabled:
            continue
        if rule.needs_tenant and tenant is None:
            skipped.append(rule.code)
            continue
        options = {**rule.options, **((override.options if override else None) or {})}
        ctx = LintContext(desired, tenant, chosen, now, options, resolver)
        for finding in rule.check(ctx, rule):
            if override is not None and override.severity is not None:
                finding = replace(finding, severity=override.severity)
            findings.append(finding)
    findings = _waive(findings, desired, now, desired.tenant_file)
    unique = sorted(set(findings), key=Finding.sort_key)
    return LintResult(tuple(unique), tuple(skipped), chosen)


def iter_rules(codes: Iterable[str] | None = None) -> Iterator[Rule]:
    wanted = {c.upper() for c in codes} if codes else None
    for rule in catalogue():
        if wanted is None or rule.code in wanted or rule.name in (wanted or set()):
            yield rule
