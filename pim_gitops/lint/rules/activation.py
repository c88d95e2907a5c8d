"""ACT: what activating a role requires and how long it lasts."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.lint.engine import Finding, LintContext, Rule, register
from pim_gitops.lint.rules.views import managed
from pim_gitops.roles import HIGHLY_PRIVILEGED
from pim_gitops.wire import format_duration, parse_duration


def _activation_controls(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for role, _ in managed(ctx):
        act = role.settings.activation
        where = role.source_of("activation.require")
        missing = []
        if not act.require_mfa and not act.authentication_context:
            missing.append("MFA or an authentication context")
        if not act.require_justification:
            missing.append("a justification")
        if missing:
            yield rule.finding(
                f"{role.ref.label}: activation does not require {' and '.join(missing)}",
                where,
                role=role.ref.label,
            )
        if not act.require_ticket and ctx.option("ticket", True):
            yield rule.finding(
                f"{role.ref.label}: activation does not require a ticket",
                where,
                role=role.ref.label,
                severity="warning",
            )


register(
    Rule(
        "ACT001",
        "activation-requirements",
        "error",
        "Activation requires MFA (or an authentication context), a justification and a ticket",
        "Activation is when standing risk becomes real privilege; it must be strongly "
        "authenticated and explained. A missing ticket is a warning (option ticket: false).",
        "activation: {require: [mfa, justification, ticket]}",
        "activation: {require: [justification]}",
        "activation: {require: [mfa, justification, ticket]}",
        _activation_controls,
        options={"ticket": True},
    )
)


def _activation_duration(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for role, template in managed(ctx):
        limit = parse_duration(str(ctx.option("max", "PT8H")))
        if ctx.preset == "strict" and template in HIGHLY_PRIVILEGED:
            limit = min(limit, 4 * 3600)
        duration = role.settings.activation.max_duration
        if duration > limit:
            yield rule.finding(
                f"{role.ref.label}: activation lasts up to "
                f"{format_duration(duration)}, more than "
                f"{format_duration(limit)}",
                role.source_of("activation.max_duration"),
                role=role.ref.label,
            )


register(
    Rule(
        "ACT002",
        "activation-duration",
        "warning",
        "Activation lasts at most 8 hours (4 for highly privileged roles in strict)",
        "Shorter activations shrink the window in which a stolen session holds privilege.",
        "Lower activation.max_duration.",
        "max_duration: PT12H",
        "max_duration: PT4H",
        _activation_duration,
        options={"max": "PT8H"},
    )
)


def _automation_mfa(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for role, _ in managed(ctx):
        for name in ("eligible_assignment", "active_assignment"):
            if getattr(role.settings, name).require_mfa:
                yield rule.finding(
                    f"{role.ref.label}: {name} requires MFA, which app-only apply (CI) cannot "
                    "satisfy: Graph answers RoleAssignmentRequestPolicyValidationFailed "
                    '["MfaRule"]; assign from an interactive session or drop the requirement',
                    role.source_of(f"{name}.require"),
                    role=role.ref.label,
                )


register(
    Rule(
        "ACT003",
        "mfa-breaks-automation",
        "warning",
        "Admin-side MFA requirements do not block the CI apply identity",
        "An app-only token carries no MFA claim, so every assignment request fails (graph-pim.md "
        "§7, microsoft-graph-docs-contrib#2302).",
        "Remove mfa from eligible_assignment/active_assignment require, or apply interactively.",
        "active_assignment: {require: [mfa, justification]}",
        "active_assignment: {require: [justification]}",
        _automation_mfa,
    )
)
