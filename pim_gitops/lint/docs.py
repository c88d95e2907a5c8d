"""The rule documentation, generated from the registry: one Markdown page per rule
(``docs/rules/<CODE>.md``, ``pim-gitops rules CODE``), the index, the ``pim-gitops rules``
listing and the help text SARIF carries."""

from __future__ import annotations

import textwrap

from pim_gitops.lint.references import CIS_VERSION_NOTE, control
from pim_gitops.lint.registry import PRESETS, Rule, catalogue

TENANT_VIEW = "--snapshot or --live"
#: The clock the documented examples are linted at (tests/lint/test_examples.py).
EXAMPLES_NOW = "2026-11-24"
#: A value to show in the settings snippet of an option whose default depends on the preset.
_SAMPLE_VALUE = {
    "flag": "true",
    "integer": "3",
    "duration": "P180D",
    "pattern": '"^CHG[0-9]+$"',
}


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


def views_of(rule: Rule) -> str:
    """The views a rule runs in (``policy, posture``), or that it judges the waivers."""
    if rule.phase == "waivers":
        return "waivers (after the other rules, over how each waiver was used)"
    return ", ".join(rule.views)


def tenant_need(rule: Rule) -> str:
    """Whether the rule needs a tenant view, as its page says it."""
    if rule.phase == "policy" and "policy" not in rule.views:
        return f"yes ({TENANT_VIEW}): it runs in the posture view only"
    if rule.needs_tenant:
        return f"yes ({TENANT_VIEW}); without one it is skipped and listed under `skipped`"
    if rule.needs_tenant_for:
        return (
            f"partly ({TENANT_VIEW}) for {rule.needs_tenant_for}; without one that part is "
            "not run and the rule is listed under `skipped`"
        )
    return "no"


def _facts(rule: Rule) -> str:
    controls = ", ".join(rule.controls) or "none (a best practice, no baseline control)"
    presets = ", ".join(rule.presets) if rule.presets != PRESETS else "all"
    return (
        f"- Code: `{rule.code}` (family {rule.family}, `{rule.code[:3]}`)\n"
        f"- Name: `{rule.name}`\n- Default severity: {rule.severity}\n"
        f"- Presets: {presets}\n- Views: {views_of(rule)}\n"
        f"- Needs a tenant view: {tenant_need(rule)}\n- Controls: {controls}\n"
    )


def _controls_section(rule: Rule) -> str:
    """Each cited control's published text, quoted (``lint/references.py``)."""
    if not rule.controls:
        return "None: this rule checks a best practice that no baseline control states.\n"
    quotes = []
    for cited in rule.controls:
        c = control(cited)
        quotes.append(f"> **{c.id}** ({c.baseline}): {c.text}\n>\n> <{c.url}>\n")
    return "\n".join(quotes)


def rule_markdown(rule: Rule) -> str:
    """The rule's page: facts, the controls it cites (quoted), options, then the
    docstring's sections."""
    sections = "".join(f"\n## {name}\n\n{text}\n" for name, text in rule.doc.sections)
    return (
        f"# {rule.code} {rule.name}\n\n**{rule.title}**\n\n{_facts(rule)}\n"
        f"## Controls\n\n{_controls_section(rule)}\n"
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
        f"Needs a tenant view: {_tenant_short(rule)}"
    )


def _tenant_short(rule: Rule) -> str:
    if rule.tenant_view == "partly":
        return f"partly, for {rule.needs_tenant_for}"
    return rule.tenant_view


_INDEX_HEAD = """# Lint rules

Generated from the rule registry (`make docs`, i.e. `pim-gitops rules --docs docs/rules`);
a test fails when a page is stale. Each rule's page is its docstring
(`pim_gitops/lint/rules/`).

Every example is linted by `tests/lint/test_examples.py` as of {EXAMPLES_NOW}: the
*Example* must raise the rule, *Use instead* must not. Each YAML block is a whole file,
named by its first line; files not shown are those of the smallest repository,
a `pim.yaml` holding only `tenant: contoso.onmicrosoft.com`. A `# tenant` block lists the
tenant facts a rule reads (users with `synced`, `guest`, `enabled`, `immutable_id`;
`groups` with their members; `service_principals`; `assignments` with `role`, `principal`,
`kind`, `outside_pim`, `days_left`; live `policies`); rules that need a tenant view are run
against it.

Each page says the views a rule runs in (*policy*: the repository as apply will make the
tenant; *posture*: the tenant as it is, with `--snapshot` or `--live`), whether it needs a
tenant view, and quotes the published text of every control it cites (SCuBA v1 ids of
CISA's M365 Entra ID baseline, section MS.AAD.7; CIS Microsoft 365 Foundations Benchmark
ids). A finding carries a control id only when it violates exactly that control.

{CIS_VERSION_NOTE}

Override any rule in `pim.yaml` (an unknown code or option is an error at its line):

```yaml
lint:
  preset: cisa
  rules:
    GEN005: {{enabled: false}}
    GEN004: {{severity: error}}
    ACT002: {{options: {{max: PT4H}}}}
```

| Code | Name | Severity | Views | Tenant view | Options | Title | Controls |
|---|---|---|---|---|---|---|---|
"""


def rules_docs() -> dict[str, str]:
    """``docs/rules/``: one page per rule and an index."""
    rules = catalogue()
    pages = {f"{r.code}.md": rule_markdown(r) for r in rules}
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {_short_views(r)} | "
        f"{r.tenant_view} | "
        f"{', '.join(f'`{o.name}`' for o in r.options) or '—'} | {r.title} | "
        f"{', '.join(r.controls) or '—'} |"
        for r in rules
    )
    note = textwrap.fill(CIS_VERSION_NOTE, width=92)
    head = _INDEX_HEAD.format(EXAMPLES_NOW=EXAMPLES_NOW, CIS_VERSION_NOTE=note)
    pages["README.md"] = head + rows + "\n"
    return pages


def _short_views(rule: Rule) -> str:
    return "waivers" if rule.phase == "waivers" else "+".join(rule.views)


def rules_listing() -> str:
    """``pim-gitops rules``: one line per rule: code, name, severity, views, title, the
    controls it cites, and its tenant need and options when it has them."""
    lines = []
    for r in catalogue():
        options = " ".join(f"{o.name}={o.shown_default}" for o in r.options)
        extras = [
            *(["needs tenant view"] if r.tenant_view == "yes" else []),
            *(["needs tenant view in part"] if r.tenant_view == "partly" else []),
            *([options] if options else []),
        ]
        controls = f"  [{', '.join(r.controls)}]" if r.controls else ""
        detail = f"  ({'; '.join(extras)})" if extras else ""
        lines.append(
            f"{r.code}  {r.name:26} {r.severity:8} {_short_views(r):14} "
            f"{r.title}{controls}{detail}\n"
        )
    return "".join(lines)
