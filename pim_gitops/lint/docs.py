"""The rule documentation, generated from the registry: one Markdown page per rule
(``docs/rules/<CODE>.md``, ``pim-gitops rules CODE``), the index, the ``pim-gitops rules``
listing and the help text SARIF carries."""

from __future__ import annotations

from pim_gitops.lint.registry import PRESETS, Rule, catalogue

TENANT_VIEW = "--snapshot or --live"
#: The clock the documented examples are linted at (tests/lint/test_examples.py).
EXAMPLES_NOW = "2026-11-24"
#: A value to show in the settings snippet of an option whose default depends on the preset.
_SAMPLE_VALUE = {"flag": "true", "integer": "3", "duration": "P180D"}


def _options_table(rule: Rule) -> str:
    if not rule.options:
        return "None.\n"
    rows = "\n".join(
        f"| `{o.name}` | {o.kind} | `{o.shown_default}` | {o.help} |" for o in rule.options
    )
    first = rule.options[0]
    value = first.shown_default if first.default is not None else _SAMPLE_VALUE[first.kind]
    example = f"{first.name}: {value}"
    return (
        "| Option | Type | Default | Meaning |\n|---|---|---|---|\n" + rows + "\n\n"
        f"Set in `pim.yaml`:\n\n```yaml\nlint:\n  rules:\n    {rule.code}: "
        f"{{options: {{{example}}}}}\n```\n"
    )


def _facts(rule: Rule) -> str:
    controls = ", ".join(rule.controls) or "best practice (no external control)"
    presets = ", ".join(rule.presets) if rule.presets != PRESETS else "all"
    tenant = f"yes ({TENANT_VIEW}; skipped without)" if rule.needs_tenant else "no"
    return (
        f"- Family: {rule.family} (`{rule.code[:3]}`)\n- Default severity: {rule.severity}\n"
        f"- Presets: {presets}\n- Needs a tenant view: {tenant}\n- Controls: {controls}\n"
    )


def rule_markdown(rule: Rule) -> str:
    """The rule's page: facts, options, then the docstring's sections."""
    sections = "".join(f"\n## {name}\n\n{text}\n" for name, text in rule.doc.sections)
    return (
        f"# {rule.code} {rule.name}\n\n**{rule.title}**\n\n{_facts(rule)}\n"
        f"## Options\n\n{_options_table(rule)}{sections}"
    )


def rule_help(rule: Rule) -> str:
    """Plain-text help (SARIF ``help.text``)."""
    options = ", ".join(f"{o.name} (default {o.shown_default})" for o in rule.options)
    return (
        f"{rule.title}\n\n{rule.doc.section('What it checks')}\n\n{rule.rationale}\n\n"
        f"Fix: {rule.doc.section('How to fix')}\n\n"
        f"Controls: {', '.join(rule.controls) or 'best practice'}\n"
        f"Options: {options or 'none'}\n"
        f"Needs a tenant view: {'yes' if rule.needs_tenant else 'no'}"
    )


_INDEX_HEAD = f"""# Lint rules

Generated from the rule registry (`make docs`, i.e. `pim-gitops rules --docs docs/rules`);
a test fails when a page is stale. Each rule's page is its docstring
(`pim_gitops/lint/rules/`).

Every example is linted by `tests/lint/test_examples.py` as of {EXAMPLES_NOW}: the
*Example* must raise the rule, *Use instead* must not. Each YAML block is a whole file,
named by its first line; files not shown are those of the smallest repository,
a `pim.yaml` holding only `tenant: contoso.onmicrosoft.com`. A `# tenant` block lists the
tenant facts a rule reads (users with `synced`, `guest`, `enabled`; `groups` with their
members; `service_principals`; `assignments` with `role`, `principal`, `kind`,
`outside_pim`); rules that need a tenant view are run against it.

Override any rule in `pim.yaml` (an unknown code or option is an error at its line):

```yaml
lint:
  preset: cisa
  rules:
    GEN005: {{enabled: false}}
    GEN004: {{severity: error}}
    ACT002: {{options: {{max: PT4H}}}}
```

| Code | Name | Severity | Tenant view | Options | Title | Controls |
|---|---|---|---|---|---|---|
"""


def rules_docs() -> dict[str, str]:
    """``docs/rules/``: one page per rule and an index."""
    rules = catalogue()
    pages = {f"{r.code}.md": rule_markdown(r) for r in rules}
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | "
        f"{'yes' if r.needs_tenant else 'no'} | "
        f"{', '.join(f'`{o.name}`' for o in r.options) or '—'} | {r.title} | "
        f"{', '.join(r.controls) or '—'} |"
        for r in rules
    )
    pages["README.md"] = _INDEX_HEAD + rows + "\n"
    return pages


def rules_listing() -> str:
    """``pim-gitops rules``: one line per rule, with its options and tenant need."""
    lines = []
    for r in catalogue():
        options = " ".join(f"{o.name}={o.shown_default}" for o in r.options)
        extras = [
            *(["needs tenant view"] if r.needs_tenant else []),
            *([options] if options else []),
        ]
        controls = f"  [{', '.join(r.controls)}]" if r.controls else ""
        detail = f"  ({'; '.join(extras)})" if extras else ""
        lines.append(f"{r.code}  {r.name:26} {r.severity:8} {r.title}{controls}{detail}\n")
    return "".join(lines)
