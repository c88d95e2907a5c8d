"""The lint engine: the registered rules run over the compiled policy (the policy view) and,
when a tenant is given, over the tenant as it is (the posture view: ``registry.View``), with
presets, rule selection, per-rule overrides and waivers. Rules of the ``waivers`` phase
(GEN004, GEN005) run last, over the waivers as applied to the other rules' findings; the
same overrides apply to every rule. A finding that a shared line (``defaults``, a template)
causes for several roles is reported once, naming the roles (``collapse``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.collapse import collapse, fold_posture
from pim_gitops.lint.config import check_overrides
from pim_gitops.lint.privileged import privileged_set
from pim_gitops.lint.registry import (
    PRESETS,
    VIEWS,
    Option,
    OptionValue,
    Rule,
    Severity,
    View,
    catalogue,
    iter_rules,
    rule,
)
from pim_gitops.lint.selection import Selection
from pim_gitops.lint.waivers import BaselineWaiver, WaiverUse, apply_waivers
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
    "View",
    "catalogue",
    "iter_rules",
    "rule",
    "run_lint",
]

T = TypeVar("T")

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
    view: View = "policy"
    #: The message without its ``"<role>: "`` subject (findings about one role's setting).
    detail: str | None = None
    #: The roles a finding reported once for a shared line covers (``role`` is then None).
    roles: tuple[str, ...] = ()
    #: About a setting no file declares (the role has Entra's default): roles with the same
    #: such finding are reported once, at the tenant file.
    unset: bool = False

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column if self.line else 0)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            VIEWS.index(self.view),
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
    view: View = "policy"
    #: Template ids of the privileged-role set (``lint.privileged_roles``).
    privileged: frozenset[str] = frozenset()
    #: What the rules of one run share once computed (``memo``): the same dict for every
    #: rule of the run, so a tenant's 50,000 assignments are walked once per view.
    shared: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per run and ``key``."""
        if key not in self.shared:
            self.shared[key] = compute()
        return self.shared[key]  # type: ignore[no-any-return]

    def _value(self, name: str) -> OptionValue | None:
        declared = self.rule.option(name)  # KeyError: the rule reads an undeclared option
        return self.options.get(name, declared.default)

    def flag(self, name: str) -> bool:
        return bool(self._value(name))

    def integer(self, name: str, by_preset: int = 0) -> int:
        value = self._value(name)
        return by_preset if not isinstance(value, int) else int(value)

    def seconds(self, name: str, by_preset: str = "PT0S") -> int:
        value = self._value(name)
        return parse_duration(by_preset if value is None else str(value))

    def names(self, name: str) -> tuple[str, ...]:
        value = self._value(name)
        return tuple(value) if isinstance(value, list | tuple) else ()

    def finding(
        self,
        message: str,
        where: Location,
        *,
        role: str | None = None,
        principal: str | None = None,
        controls: tuple[str, ...] | None = None,
        severity: Severity | None = None,
        detail: str | None = None,
        unset: bool = False,
    ) -> Finding:
        """A finding of this context's rule in this context's view (its default severity and
        controls unless given)."""
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
            view=self.view,
            detail=detail,
            unset=unset,
        )

    def role_id(self, compiled: CompiledRole) -> str | None:
        return self._role_ids().get(compiled.ref.key, compiled.ref.id)

    def _role_ids(self) -> dict[str, str | None]:
        def compute() -> dict[str, str | None]:
            found: dict[str, str | None] = {}
            for compiled in self.desired.roles:
                role = self.resolver.role(compiled) if self.resolver is not None else None
                found[compiled.ref.key] = role.id if role is not None else compiled.ref.id
            return found

        return self.memo("role ids", compute)

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
        managed = self.memo(
            "managed locations",
            lambda: {self.role_id(r): r.location for r in reversed(self.desired.roles)},
        )
        found = managed.get(role_id) if role_id is not None else None
        return found if found is not None else Location(self.desired.tenant_file)

    def tenant_role_id(self, template_id: str) -> str | None:
        """The tenant's object id of a built-in role (``None`` without a tenant view)."""
        found = self.tenant_role(template_id)
        return found.id if found is not None else None

    def tenant_role(self, role_id: str) -> RoleDefinition | None:
        return self.tenant.role_by_template(role_id) if self.tenant else None


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...]
    preset: str
    #: The views linted: ``policy``, and ``posture`` when a tenant was given.
    views: tuple[View, ...] = ("policy",)
    #: The privileged-role set the rules used (``cisa``, ``cis``, ``microsoft``, ``custom``).
    privileged_roles: str = "cisa"
    #: Posture findings shown in the policy view instead (the same problem, which the
    #: repository keeps: ``collapse.fold_posture``).
    folded: tuple[Finding, ...] = ()
    #: How many policy findings the folded ones are (each the same problem, kept).
    folded_into: int = 0
    #: Rules the preset runs that this run did not (``--ignore``, ``--select``,
    #: ``lint.rules.<CODE>.enabled: false``): "0 errors" is then not "checked".
    not_run: tuple[str, ...] = ()
    #: Rules whose severity ``lint.rules`` changed, with the severity they report at.
    severities: tuple[tuple[str, str], ...] = ()
    #: Every rule that ran, with the views it ran in (one also in ``skipped`` ran without
    #: the part that reads the tenant): a rule not here judged nothing.
    ran: tuple[tuple[str, tuple[View, ...]], ...] = ()

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
    privileged: frozenset[str]
    shared: dict[Any, Any] = field(default_factory=dict, compare=False)

    def by_preset(self, item: Rule) -> bool:
        override = self.overrides.get(item.code)
        if override is not None and override.enabled is not None:
            return override.enabled
        return self.preset in item.presets

    def context(self, item: Rule, view: View, waivers: tuple[WaiverUse, ...] = ()) -> LintContext:
        override = self.overrides.get(item.code)
        options = dict(override.options or {}) if override is not None else {}
        return LintContext(
            self.desired,
            self.tenant,
            self.preset,
            self.now,
            item,
            options,
            self.resolver,
            waivers,
            view,
            self.privileged,
            self.shared,
        )

    def run(self, item: Rule, view: View, waivers: tuple[WaiverUse, ...] = ()) -> Iterator[Finding]:
        ctx = self.context(item, view, waivers)
        override = self.overrides.get(item.code)
        severity = override.severity if override is not None else None
        for finding in item.check(ctx):
            yield finding if severity is None else replace(finding, severity=severity)


def _chosen_preset(desired: DesiredState, preset: str | None) -> str:
    chosen = preset or desired.lint.preset
    if chosen not in PRESETS:
        raise LintConfigError(f"unknown preset {chosen!r}; presets: {', '.join(PRESETS)}")
    return chosen


def _chosen_views(tenant: TenantState | None, views: tuple[View, ...] | None) -> tuple[View, ...]:
    if views is None:
        return VIEWS if tenant is not None else ("policy",)
    if "posture" in views and tenant is None:
        raise LintConfigError("the posture view lints the tenant: give --snapshot or --live")
    return tuple(v for v in VIEWS if v in views)


def _judged(
    uses: tuple[WaiverUse, ...],
    rules: list[Rule],
    ran: set[str],
    shown: tuple[View, ...],
    managed: set[str],
) -> tuple[WaiverUse, ...]:
    """Mark the waivers whose rule did not look where the waiver's finding would be: the
    rule was not selected or was skipped for want of a tenant view, or the view that judges
    it was not shown (a posture-only rule, or a role without a file, needs the posture
    view). That such a waiver covered nothing says nothing, so GEN005 keeps quiet."""
    by_code = {r.code: r for r in rules}
    out = []
    for use in uses:
        item = by_code.get(use.waiver.rule)
        views = [v for v in item.views if v in shown] if item is not None else []
        unmanaged = use.role is not None and use.role.casefold() not in managed
        judged = (
            item is not None
            and item.code in ran
            and bool(views)
            and ("policy" in item.views or "posture" in shown)
            and not (unmanaged and "posture" in item.views and "posture" not in shown)
        )
        out.append(use if judged else replace(use, judged=False))
    return tuple(out)


def run_lint(
    desired: DesiredState,
    tenant: TenantState | None,
    now: datetime,
    *,
    preset: str | None = None,
    selection: Selection | None = None,
    views: tuple[View, ...] | None = None,
    baseline: tuple[BaselineWaiver, ...] = (),
) -> LintResult:
    """Lint the policy (and the tenant as it is, when given); raises ``LintConfigError``
    (located) for a bad ``lint`` section or selection."""
    rules = catalogue()
    check_overrides(desired, rules)
    chosen = _chosen_preset(desired, preset)
    set_name, privileged = privileged_set(desired, tenant, chosen)
    resolver = Resolver(tenant) if tenant is not None else None
    run = _Run(desired, tenant, now, chosen, desired.lint.rules, resolver, privileged)
    picked = (selection or Selection()).over(desired.lint).chosen(rules, run.by_preset)
    active = [r for r in rules if r.code in picked]
    shown = _chosen_views(tenant, views)
    findings: list[Finding] = []
    skipped: list[str] = []
    ran_in: dict[str, tuple[View, ...]] = {}
    for item in active:
        if item.phase != "policy":
            continue
        views_run = [v for v in shown if v in item.views]
        if tenant is None and (item.needs_tenant or not views_run):
            skipped.append(item.code)
            continue
        if tenant is None and item.needs_tenant_for:
            skipped.append(item.code)  # runs, but not the part that reads the tenant
        views_run = [v for v in views_run if item.judges(run.context(item, v))]
        ran_in[item.code] = tuple(views_run)
        for view in views_run:
            findings.extend(run.run(item, view))
    findings, uses = apply_waivers(findings, desired, now, baseline)
    ran = {r.code for r in active} - set(skipped)
    uses = _judged(uses, rules, ran, shown, {r.ref.label.casefold() for r in desired.roles})
    for item in active:
        if item.phase == "waivers":
            ran_in[item.code] = ("policy",)
            findings.extend(run.run(item, "policy", uses))
    unique = sorted(set(collapse(findings, desired.tenant_file)), key=Finding.sort_key)
    folded: tuple[Finding, ...] = ()
    into = 0
    if len(shown) == len(VIEWS):
        unique, folded, into = fold_posture(unique)
    not_run = tuple(sorted({r.code for r in rules if chosen in r.presets} - picked))
    severities = tuple(
        sorted((code, o.severity) for code, o in desired.lint.rules.items() if o.severity)
    )
    found = (tuple(unique), tuple(skipped), chosen, shown, set_name, folded, into, not_run)
    return LintResult(*found, severities, tuple(sorted(ran_in.items())))
