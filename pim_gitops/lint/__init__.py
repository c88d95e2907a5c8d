"""Lint: best practice, CISA SCuBA MS.AAD.7 and CIS controls over the compiled policy."""

from pim_gitops.lint.engine import Finding, LintResult, Rule, catalogue, run_lint

__all__ = ["Finding", "LintResult", "Rule", "catalogue", "run_lint"]
