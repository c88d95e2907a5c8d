"""``docs/settings-map.md``, generated from the policy-rule table (``pim_gitops.policy_rules``).

For each policy scope: every Graph property of every rule, mapped to the policy-file path that
manages it or marked unmanaged with the reason; then, per rule, the paths it carries and the
apply phase a change of it runs in (the docstring of the rule's phase function).
``tests/test_settings_map.py`` checks that the checked-in page equals this output.

Regenerate with ``make docs`` (``python -m pim_gitops.render.settings_map docs/settings-map.md``).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pim_gitops.policy_rules import POLICY_RULES, Phase, PolicyScope, PropertyDoc, RuleSpec

#: How the page names a scope's policies (an adjective: "directory-role policy rules").
SCOPE_NAMES: dict[PolicyScope, str] = {
    PolicyScope.DIRECTORY_ROLE: "directory-role",
    PolicyScope.GROUP: "PIM-for-Groups",
}

PROPERTY_HEADER = (
    "| Rule id | Type | Graph property | Policy-file path | Unmanaged: reason | Notes |\n"
    "|---|---|---|---|---|---|\n"
)
PHASE_HEADER = (
    "| Rule id | Policy-file paths | When a change relaxes or tightens |\n|---|---|---|\n"
)

INTRO = """\
Every property of every rule of a PIM policy, mapped to the policy-file path that manages it,
or marked **unmanaged** with the reason and source. Unmanaged properties are kept from the live
rule on every write (the writer PATCHes a copy of the live rule), so nothing is silently dropped
or overwritten. Sources: `../shared/reference/graph-pim.md` (§3) and the payloads in
`../shared/graph-samples/`. `tests/test_settings_map.py` fails when a property found in those
payloads appears in neither column.

Generated from the policy-rule table (`pim_gitops/policy_rules/`) by `make docs`; do not edit by
hand. `tests/test_settings_map.py` fails when this page is out of date.
"""


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, no bare column separator."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


def _property_row(spec: RuleSpec, doc: PropertyDoc) -> str:
    cells = (
        _code(spec.id),
        spec.kind,
        _code(doc.prop),
        _code(doc.path),
        _cell(doc.reason),
        _cell(doc.note),
    )
    return "| " + " | ".join(cells) + " |\n"


def phase_behaviour(spec: RuleSpec) -> str:
    """What the rule's phase function says about when a change relaxes or tightens."""
    return _cell(inspect.getdoc(spec.phase) or "")


def _phase_row(spec: RuleSpec) -> str:
    paths = ", ".join(_code(path) for path in spec.paths)
    return f"| {_code(spec.id)} | {paths} | {phase_behaviour(spec)} |\n"


def _phase_legend() -> str:
    phases = "".join(f"{phase.value}. {phase.title}\n" for phase in Phase)
    return (
        f"Apply writes in {len(Phase)} phases (DESIGN.md, safety rules):\n\n{phases}\n"
        "A change of a rule switches a control off, relaxes or tightens, decided from the live "
        "and desired values of its paths:\n"
    )


def _title(rules: Mapping[PolicyScope, Sequence[RuleSpec]]) -> str:
    counts = " and ".join(f"{len(specs)} {SCOPE_NAMES[scope]}" for scope, specs in rules.items())
    return f"# Settings map: Graph's {counts} policy rules ↔ policy files\n"


def _same_rows(scope: PolicyScope, like: PolicyScope) -> list[str]:
    """A scope whose rows are another scope's: said once, not printed twice."""
    name, other = SCOPE_NAMES[scope], SCOPE_NAMES[like]
    return [
        f"## {name.capitalize()} policies\n\n",
        f"A group's `member` and `owner` policies (`scopeType: Group`) carry the same rules, "
        f"rule ids, properties, policy-file paths and phases as {other} policies above; only "
        "Entra's defaults for a policy nobody edited differ (docs/policy-reference.md, "
        '"Groups").\n',
    ]


def _scope_sections(scope: PolicyScope, specs: Sequence[RuleSpec]) -> list[str]:
    name = SCOPE_NAMES[scope].capitalize()
    properties = [_property_row(spec, doc) for spec in specs for doc in spec.docs]
    phases = [_phase_row(spec) for spec in specs]
    return [
        f"## {name} policies: every Graph property\n\n",
        PROPERTY_HEADER,
        *properties,
        f"\n## {name} policies: when apply writes a change\n\n",
        _phase_legend(),
        "\n",
        PHASE_HEADER,
        *phases,
    ]


def render_settings_map(rules: Mapping[PolicyScope, Sequence[RuleSpec]]) -> str:
    """The whole page; scopes and rules in the table's order (Graph's documented order)."""
    parts = [_title(rules), "\n", INTRO]
    seen: dict[int, PolicyScope] = {}
    for scope, specs in rules.items():
        like = seen.setdefault(id(specs), scope)
        parts += [
            "\n",
            *(_scope_sections(scope, specs) if like is scope else _same_rows(scope, like)),
        ]
    return "".join(parts)


def main(argv: Sequence[str]) -> int:
    """Write the page to the path given, or print it."""
    page = render_settings_map(POLICY_RULES)
    if argv:
        Path(argv[0]).write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
