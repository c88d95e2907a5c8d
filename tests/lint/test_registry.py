"""The registry: ``@rule`` validates its metadata and docstring, a duplicate code fails, and
docs, ``pim-gitops rules`` and SARIF all come from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.lint.docstring import RuleDocError
from pim_gitops.lint.engine import Finding, LintContext, LintResult
from pim_gitops.lint.registry import Registry, catalogue, duration, flag, rule
from pim_gitops.lint.render import render_sarif, rule_markdown

RULES_DIR = Path(__file__).resolve().parents[2] / "pim_gitops" / "lint" / "rules"
DOC = """A title

## What it checks

x

## Why

y

## How to fix

z

## Example

```yaml
# pim.yaml
tenant: a
```

## Use instead

```yaml
# pim.yaml
tenant: b
```
"""


def _check(ctx: LintContext) -> Iterator[Finding]:
    yield from ()


def _register(registry: Registry, code: str, doc: str = DOC, name: str = "") -> None:
    _check.__doc__ = doc
    rule(code=code, name=name or f"n-{code.lower()}", severity="warning", registry=registry)(_check)


def test_a_duplicate_code_fails_at_registration() -> None:
    registry = Registry()
    _register(registry, "ACT901")
    with pytest.raises(ValueError, match="duplicate rule code ACT901"):
        _register(registry, "ACT901", name="another-name")


def test_a_docstring_without_a_section_fails() -> None:
    with pytest.raises(RuleDocError, match="missing: \\['How to fix'\\]"):
        _register(Registry(), "ACT902", DOC.replace("## How to fix", "## Fixing"))


def test_an_example_block_must_name_its_file() -> None:
    with pytest.raises(RuleDocError, match="must open with '# <file>'"):
        _register(Registry(), "ACT903", DOC.replace("# pim.yaml\ntenant: a", "tenant: a"))


@pytest.mark.parametrize("code", ["XYZ001", "ACT01", "ACTxyz"])
def test_a_code_outside_the_families_fails(code: str) -> None:
    with pytest.raises(ValueError, match="family prefix"):
        _register(Registry(), code)


def test_every_family_module_is_imported_explicitly() -> None:
    init = (RULES_DIR / "__init__.py").read_text()
    modules = {p.stem for p in RULES_DIR.glob("*.py")} - {"__init__", "views", "judged"}
    assert all(f"    {m},  #" in init for m in modules)
    assert {r.check.__module__.rsplit(".", 1)[1] for r in catalogue()} == modules


def test_rules_lists_every_rule_with_options_and_tenant_need() -> None:
    out = CliRunner().invoke(cli, ["rules"]).output
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert sorted(lines) == [r.code for r in catalogue()]
    assert "max=PT8H" in lines["ACT002"] and "needs tenant view" not in lines["ACT002"]
    assert "needs tenant view" in lines["ASG004"]
    assert "min=2 max=8" in lines["ASG002"]


@pytest.mark.parametrize("query", ["ACT002", "act002", "activation-duration"])
def test_rules_explains_one_rule_by_code_or_name(query: str) -> None:
    out = CliRunner().invoke(cli, ["rules", query]).output
    page = rule_markdown(next(r for r in catalogue() if r.code == "ACT002"))
    assert out == page
    assert "| `max` | duration | `PT8H` |" in page and "max_duration: PT12H" in page


def test_every_rule_page_shows_its_tested_examples() -> None:
    for item in catalogue():
        page = rule_markdown(item)
        for example in (*item.doc.bad, *item.doc.good):
            assert f"```yaml\n# {example.path}\n{example.text}```" in page, item.code


def test_sarif_rule_metadata_comes_from_the_registry() -> None:
    sarif = json.loads(render_sarif(LintResult((), (), "default")))
    driver = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in driver] == [r.code for r in catalogue()]
    by_id = {r["id"]: r for r in driver}
    assert by_id["ACT002"]["properties"]["options"] == {
        "tier0": "PT1H",
        "tier0_roles": [
            "Global Administrator",
            "Privileged Role Administrator",
            "Privileged Authentication Administrator",
        ],
        "privileged": "PT2H",
        "max": "PT8H",
    }
    assert by_id["ASG005"]["properties"]["needsTenantView"] is True
    assert by_id["ASG005"]["defaultConfiguration"] == {"level": "error"}
    assert "MS.AAD.7.5v1" in by_id["ASG005"]["properties"]["tags"]
    assert by_id["GEN004"]["fullDescription"]["text"].startswith("No waiver's `expires:`")


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"scuba": ("MS.AAD.7.4",)}, "control references"),
        ({"cis": ("CIS 1.1.1",)}, "control references"),
        ({"options": (duration("max", "8 hours", "x"),)}, "bad default"),
        ({"options": (flag("a", True, "x"), flag("a", False, "y"))}, "duplicate option"),
        ({"severity": "fatal"}, "unknown severity"),
        ({"name": "Bad Name"}, "kebab-case"),
    ],
)
def test_rule_metadata_is_validated(kwargs: dict[str, Any], problem: str) -> None:
    settings: dict[str, Any] = {"code": "ACT904", "name": "n", "severity": "warning"}
    with pytest.raises(ValueError, match=problem):
        rule(**{**settings, **kwargs}, registry=Registry())(_check)
