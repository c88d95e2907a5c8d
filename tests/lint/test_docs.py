"""The generated rule documentation and the control references: every cited id is one the
baselines publish (SCuBA v1 ids, CIS v5.0.0 numbering) and each page quotes its text; pages
say the views a rule runs in and whether it needs a tenant view; options come from the
registry; rule docs cite only URLs or files the repository ships."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.lint.docs import rule_help, rule_markdown, rules_docs, rules_listing, tenant_need
from pim_gitops.lint.references import CONTROLS
from pim_gitops.lint.registry import Registry, catalogue, integer, rule
from tests.lint.helpers import lint_repo, write_repo
from tests.lint.test_registry import DOC, _check

ROOT = Path(__file__).resolve().parents[2]
#: Written out here, not derived from lint/references.py, so a typo there fails too.
KNOWN_IDS = {
    *(f"MS.AAD.7.{n}v1" for n in range(1, 10)),
    *(f"CIS 1.1.{n}" for n in range(1, 5)),
    *(f"CIS 5.3.{n}" for n in range(1, 6)),
}
BY_CODE = {r.code: r for r in catalogue()}


def test_the_known_controls_are_exactly_the_published_ids() -> None:
    assert set(CONTROLS) == KNOWN_IDS
    assert all(c.text and c.url.startswith("https://") for c in CONTROLS.values())


@pytest.mark.parametrize("item", catalogue(), ids=lambda r: r.code)
def test_every_control_a_rule_cites_is_a_published_id(item: Any) -> None:
    assert set(item.controls) <= KNOWN_IDS


@pytest.mark.parametrize(
    "kwargs",
    [{"scuba": ("MS.AAD.7.10v1",)}, {"scuba": ("MS.AAD.3.6v1",)}, {"cis": ("1.1.5",)}],
)
def test_an_id_no_baseline_publishes_fails_at_registration(kwargs: dict[str, Any]) -> None:
    _check.__doc__ = DOC
    with pytest.raises(ValueError, match="unknown control ids"):
        rule(code="ACT905", name="n", severity="info", registry=Registry(), **kwargs)(_check)


@pytest.mark.parametrize("item", catalogue(), ids=lambda r: r.code)
def test_each_page_quotes_the_text_of_every_control_it_cites(item: Any) -> None:
    page = rule_markdown(item)
    controls = page.split("## Controls\n\n", 1)[1].split("\n## ", 1)[0]
    for cited in item.controls:
        assert f"> **{cited}** " in controls and CONTROLS[cited].text in controls, cited
    if not item.controls:
        assert controls.startswith("None: ")


@pytest.mark.parametrize("item", catalogue(), ids=lambda r: r.code)
def test_each_rules_docstring_explains_every_control_it_cites(item: Any) -> None:
    doc = " ".join((item.check.__doc__ or "").split())
    for cited in item.controls:
        assert cited.removeprefix("CIS ") in doc, f"{item.code} cites {cited}; its doc does not"


def test_a_page_shows_code_name_severity_presets_views_tenant_need_and_controls() -> None:
    facts = rule_markdown(BY_CODE["GEN001"]).split("## Controls")[0]
    assert facts.splitlines()[4:] == [
        "- Code: `GEN001` (family structure, `GEN`)",
        "- Name: `break-glass-accounts`",
        "- Default severity: error",
        "- Presets: all",
        "- Views: policy, posture",
        "- Needs a tenant view: partly (--snapshot or --live) for the member-user, enabled "
        "and cloud-only checks (and the domain of an account named by object id); without "
        "one that part is not run and the rule is listed under `skipped`",
        "- Controls: CIS 1.1.2",
        "",
    ]


@pytest.mark.parametrize(
    ("code", "need"),
    [
        ("ACT002", "no"),
        ("ASG004", "yes (--snapshot or --live); without one it is skipped and listed under"),
        ("ASG005", "yes (--snapshot or --live): it runs in the posture view only"),
        ("GEN001", "partly (--snapshot or --live) for the member-user"),
        ("GEN004", "no"),
    ],
)
def test_the_tenant_need_is_the_rules_own(code: str, need: str) -> None:
    assert tenant_need(BY_CODE[code]).startswith(need)


def test_gen001_offline_checks_what_it_can_and_says_the_rest_was_skipped(tmp_path: Path) -> None:
    pim = "tenant: contoso.onmicrosoft.com\nbreak_glass: [user:bg1@contoso.com]\n"
    offline = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), None)
    assert "GEN001" in offline.skipped
    messages = [f.message for f in offline.findings if f.rule == "GEN001"]
    assert "1 break-glass account declared; exactly 2 expected" in messages
    assert any("*.onmicrosoft.com domain" in m for m in messages)
    facts = {"users": {"bg1@contoso.com": {}}}
    assert "GEN001" not in lint_repo(tmp_path, facts).skipped


def test_the_options_table_is_the_registrys() -> None:
    for item in catalogue():
        options = rule_markdown(item).split("## Options\n\n", 1)[1].split("\n## ", 1)[0]
        assert options.startswith("None.") == (not item.options), item.code
        for o in item.options:
            assert f"| `{o.name}` | {o.kind} | `{o.shown_default}` | {o.help} |" in options
        assert "options: none" not in (item.check.__doc__ or "").lower(), item.code


_FILE = re.compile(r"(?<![\w/.:-])((?:\.\./|/)?[\w.-]+(?:/[\w.-]+)*\.(?:md|py|json|txt))\b")
_URL = re.compile(r"https?://\S+")


def cited_files(text: str) -> list[str]:
    """Files a rule's prose names (URLs, YAML examples and ``pim.yaml`` left out)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return _FILE.findall(_URL.sub("", prose))


def test_cited_files_finds_unshipped_references() -> None:
    text = "see (graph-pim.md §7) and ../shared/DESIGN.md, https://x.io/a.md, docs/emulator.md"
    assert cited_files(text) == ["graph-pim.md", "../shared/DESIGN.md", "docs/emulator.md"]


@pytest.mark.parametrize("item", catalogue(), ids=lambda r: r.code)
def test_rule_docs_cite_only_urls_or_shipped_files(item: Any) -> None:
    text = item.check.__doc__ or ""
    assert "../shared" not in text and "§" not in text, item.code
    for name in cited_files(text):
        assert (ROOT / name).is_file(), f"{item.code} cites {name}, which the repo does not ship"


def test_the_index_lists_views_and_controls_and_the_cis_version() -> None:
    index = rules_docs()["README.md"]
    assert "| Code | Name | Severity | Views | Tenant view | Options | Title | Controls |" in index
    assert "v5.0.0" in index and "v6.0.x" in index and "v6.0.1" in index
    row = next(line for line in index.splitlines() if line.startswith("| [GEN001]"))
    assert "| policy+posture | partly |" in row and row.endswith("| CIS 1.1.2 |")
    row = next(line for line in index.splitlines() if line.startswith("| [ASG005]"))
    assert "| posture | yes |" in row


def test_no_lint_text_says_the_ids_are_cis_v4() -> None:
    for path in (ROOT / "pim_gitops" / "lint").rglob("*.py"):
        assert "Benchmark v4" not in " ".join(path.read_text().split()), path


@pytest.mark.parametrize(
    ("code", "views"),
    [
        ("ACT003", "policy"),
        ("ASG005", "posture"),
        ("GEN001", "policy+posture"),
        ("GEN004", "waivers"),
    ],
)
def test_the_listing_shows_each_rules_views(code: str, views: str) -> None:
    line = next(x for x in rules_listing().splitlines() if x.startswith(code))
    assert line.split()[3] == views


def test_rule_help_says_a_partial_tenant_need() -> None:
    _check.__doc__ = DOC
    registry = Registry()
    rule(
        code="GEN905",
        name="n",
        severity="info",
        needs_tenant_for="the cloud-only part",
        options=(integer("count", 2, "x"),),
        registry=registry,
    )(_check)
    assert rule_help(registry.rules()[0]).endswith(
        "Needs a tenant view: partly, for the cloud-only part"
    )


def test_pim_gitops_rules_lists_views_and_controls_and_shows_a_page() -> None:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    listing = CliRunner().invoke(cli, ["rules"]).output
    line = next(x for x in listing.splitlines() if x.startswith("GEN001"))
    assert line.split()[1:4] == ["break-glass-accounts", "error", "policy+posture"]
    assert "[CIS 1.1.2]" in line
    page = CliRunner().invoke(cli, ["rules", "GEN001"]).output
    assert "- Views: policy, posture" in page and CONTROLS["CIS 1.1.2"].text in page
