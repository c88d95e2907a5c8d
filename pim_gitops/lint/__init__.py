"""Lint: best practice, CISA SCuBA MS.AAD.7 and CIS controls over the compiled policy."""

from pim_gitops.lint.engine import Finding, LintContext, LintResult, run_lint
from pim_gitops.lint.registry import Option, Rule, catalogue, rule

__all__ = [
    "Finding",
    "LintContext",
    "LintResult",
    "Option",
    "Rule",
    "catalogue",
    "rule",
    "run_lint",
]
