"""The ``lint --format json`` document as frozen models; ``schemas/lint-result.schema.json``
is generated from ``LintReport``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pim_gitops.lint.engine import Finding, LintResult, Severity, View

#: The presets ``lint --preset`` accepts (``engine.PRESETS``).
Preset = Literal["default", "cisa", "cis", "strict"]
#: A rule code: family prefix and three digits (``ASG001``).
RULE_CODE = r"^[A-Z]{3}[0-9]{3}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LintFinding(_Frozen):
    """One finding: which rule, where in the policy files, about which role and principal."""

    rule: str = Field(pattern=RULE_CODE)
    name: str
    severity: Severity
    message: str
    file: str
    #: 0 for a finding about the tenant that no line of policy states (``file`` is then the
    #: tenant file; ``role`` and ``principal`` say what it is about).
    line: int = Field(
        ge=0,
        description="1-based line; 0: about the tenant, no line of policy states it "
        "(file is the tenant file, role and principal say what it is about).",
    )
    role: str | None
    principal: str | None
    controls: tuple[str, ...]
    #: The waiver's reason when an accepted exception covers this finding.
    waived: str | None
    view: View = Field(
        description="policy: the repository, what apply makes of the tenant; posture: the "
        "tenant as it is now (snapshot or live)."
    )
    roles: tuple[str, ...] = Field(
        (),
        description="A finding of one shared line (defaults, a template) reported once: the "
        "roles it affects (role is then null).",
    )


class LintSummary(_Frozen):
    """Findings counted by severity; waived findings count only as waived."""

    error: int = Field(ge=0)
    warning: int = Field(ge=0)
    info: int = Field(ge=0)
    waived: int = Field(ge=0)


class LintReport(_Frozen):
    preset: Preset
    #: The views linted, in order.
    views: tuple[View, ...]
    #: The privileged-role set the rules judged (cisa, cis, microsoft, microsoft+cisa, custom).
    privileged_roles: str
    findings: tuple[LintFinding, ...]
    #: Posture findings the policy view also makes (the repository keeps the problem): shown
    #: once, in the policy view.
    folded: int = Field(ge=0)
    #: How many policy findings those are (a shared line counts once).
    folded_into: int = Field(ge=0)
    #: Rules the preset runs that this run did not (--select, --ignore, lint settings).
    not_run: tuple[str, ...]
    ran: dict[str, tuple[View, ...]] = Field(
        description="Rule code → the views the rule ran in; a rule absent judged nothing (not "
        "in the preset, turned off, or skipped); one also in skipped ran without the part "
        "that reads the tenant."
    )
    #: Rule code → the severity ``lint.rules`` set for it.
    severities: dict[str, Severity]
    #: Rules that need a tenant view (``--snapshot`` or ``--live``) and had none.
    skipped: tuple[str, ...]
    summary: LintSummary


def lint_finding(finding: Finding) -> LintFinding:
    return LintFinding(
        rule=finding.rule,
        name=finding.name,
        severity=finding.severity,
        message=finding.message,
        file=finding.file,
        line=finding.line,
        role=finding.role,
        principal=finding.principal,
        controls=finding.controls,
        waived=finding.waived,
        view=finding.view,
        roles=finding.roles,
    )


def lint_report(result: LintResult) -> LintReport:
    return LintReport(
        preset=result.preset,  # validated: one of engine.PRESETS
        views=result.views,
        privileged_roles=result.privileged_roles,
        folded=len(result.folded),
        folded_into=result.folded_into,
        not_run=result.not_run,
        ran=dict(result.ran),
        severities=dict(result.severities),
        findings=tuple(lint_finding(f) for f in result.findings),
        skipped=result.skipped,
        summary=LintSummary(**result.summary()),
    )
