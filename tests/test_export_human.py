"""An export a human would write (issue 20 item 5): no ``null``, no value the compiler would
assume anyway (Entra's defaults, or what ``defaults`` and the template already give), templates
named from what they hold, ``$schema`` headers that resolve inside the export, unknown
``--roles`` an error that writes nothing, and a non-empty directory refused before any Graph
request. Checked on the sample tenant before and after the demo's apply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.compile.merge import ENTRA_LAYER
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PolicyErrors
from pim_gitops.export import export_repo, write_export
from pim_gitops.export_layers import flatten, name_words, template_name
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import ENTRA_DEFAULT_MAX
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import parse_duration
from pim_gitops.workflow import load_desired
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"
SETTINGS = ("activation", "eligible_assignment", "active_assignment", "notifications")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", NOW, *args])


def live_export(live: Live, out: Path) -> dict[str, str]:
    result = run("--graph-url", live.url, "export", "--out", str(out))
    assert result.exit_code == 0, result.output
    return {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*.*"))}


def apply(live: Live, directory: Path) -> None:
    result = run("--graph-url", live.url, "apply", str(directory), "--auto-approve")
    assert result.exit_code == 0, result.output


def plans_no_change(live: Live, directory: Path) -> None:
    result = run("--graph-url", live.url, "plan", str(directory), "--detailed-exitcode")
    assert result.exit_code == 0, result.output


def documents(files: dict[str, str]) -> dict[str, Any]:
    return {name: yaml.safe_load(text) for name, text in files.items() if name.endswith(".yaml")}


def nones(value: Any, where: str = "") -> Iterator[str]:
    if value is None:
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from nones(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nones(item, f"{where}[{index}]")


def settings_blocks(files: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every block of settings the export wrote: defaults, each template, each role file."""
    for name, doc in documents(files).items():
        if name == "pim.yaml":
            yield "defaults", doc.get("defaults") or {}
            for template, block in (doc.get("templates") or {}).items():
                yield f"templates.{template}", block
        else:
            yield name, {k: v for k, v in doc.items() if k in SETTINGS}


ENTRA = flatten(ENTRA_LAYER.model_dump(mode="json"))


def equals_entra(path: tuple[str, ...], value: Any) -> bool:
    """The value is what the compiler assumes when ``path`` is absent (its bottom layer)."""
    if path == ("activation", "approval", "required"):
        return value is False  # unset follows the approvers: none by default, so off
    entra = ENTRA.get(path)
    if path[-1] == "max_duration" and path[0] in ENTRA_DEFAULT_MAX:  # when it must expire
        return bool(parse_duration(value) == ENTRA_DEFAULT_MAX[path[0]])
    if path[-1] == "max_duration" and entra is not None:
        return bool(parse_duration(value) == parse_duration(entra))
    return entra is not None and value == entra


def check_human(files: dict[str, str]) -> None:
    """No ``null`` in any file, no setting equal to Entra's default, no template called
    ``shared-N``, every ``$schema`` resolving to a schema file of the export."""
    for name, doc in documents(files).items():
        assert list(nones(doc)) == [], name
    for where, block in settings_blocks(files):
        same = [p for p, v in flatten(block).items() if equals_entra(p, v)]
        assert same == [], (where, same)
    templates = documents(files)["pim.yaml"].get("templates") or {}
    assert not [t for t in templates if t.startswith("shared-")]
    for name, text in files.items():
        if not name.endswith(".yaml"):
            continue
        header = text.splitlines()[0]
        assert header.startswith("# yaml-language-server: $schema="), name
        target = (Path("/export") / name).parent / header.partition("$schema=")[2]
        relative = target.resolve().relative_to(Path("/export")).as_posix()
        assert json.loads(files[relative])["title"], name


@pytest.fixture
def sample_export() -> dict[str, str]:
    return export_repo(normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW), now=SAMPLE_NOW)


def test_the_sample_export_is_what_a_human_would_write(sample_export: dict[str, str]) -> None:
    check_human(sample_export)
    assert "defaults:" not in sample_export["pim.yaml"]  # every majority value is Entra's
    assert "notifications" not in sample_export["pim.yaml"]


def test_before_and_after_the_demo_apply(live: Live, tmp_path: Path) -> None:
    """The must-hold of issue 20: a fresh export, before and after the demo's apply, has no
    ``null`` and no value equal to Entra's defaults, and plans to no change."""
    before = live_export(live, tmp_path / "before")
    check_human(before)
    plans_no_change(live, tmp_path / "before")
    apply(live, POLICIES)
    after = live_export(live, tmp_path / "after")
    check_human(after)
    plans_no_change(live, tmp_path / "after")
    names = set(documents(after)["pim.yaml"]["templates"])
    assert names == {"activation-4h-eligible-180d", "eligible-expiring-active-15d"}


def test_a_re_export_of_an_applied_export_is_byte_identical(live: Live, tmp_path: Path) -> None:
    """Export the demo's result, apply that export to the sample tenant as it was, export
    again: the same bytes (the layering depends on the settings only, not on history)."""
    apply(live, POLICIES)
    first = live_export(live, tmp_path / "first")
    live.emulator.store.reset()
    apply(live, tmp_path / "first")
    assert live_export(live, tmp_path / "second") == first


def test_every_written_setting_changes_some_role(tmp_path: Path, live: Live) -> None:
    """Removing any one setting the export wrote (in defaults, a template or a role file)
    changes what some role compiles to: nothing is restated."""
    apply(live, POLICIES)
    live_export(live, tmp_path)
    compiled = _compiled(tmp_path)
    checked = 0
    for name in ["pim.yaml", *sorted(p.name for p in (tmp_path / "roles").iterdir())]:
        path = tmp_path / name if name == "pim.yaml" else tmp_path / "roles" / name
        original = path.read_text()
        doc = yaml.safe_load(original)
        for keys in _setting_leaves(doc, name == "pim.yaml"):
            path.write_text(yaml.safe_dump(_without(doc, keys)))
            assert _compiled(tmp_path) != compiled, (name, keys)
            checked += 1
        path.write_text(original)
    assert checked >= 30  # the loop really ran over the files


def _compiled(directory: Path) -> dict[str, Any]:
    """Each role's compiled settings (a policy that no longer compiles differs from any)."""
    try:
        roles = load_desired(str(directory), SAMPLE_NOW).state.roles
    except PolicyErrors as exc:
        return {"errors": str(exc)}
    return {r.ref.label: r.settings for r in roles}


def _setting_leaves(doc: dict[str, Any], tenant: bool) -> Iterator[tuple[str, ...]]:
    blocks: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    if tenant:
        blocks.append((("defaults",), doc.get("defaults") or {}))
        blocks += [(("templates", n), b) for n, b in (doc.get("templates") or {}).items()]
    else:
        blocks.append(((), {k: v for k, v in doc.items() if k in SETTINGS}))
    for prefix, block in blocks:
        for path in flatten(block):
            yield (*prefix, *path)


def _without(doc: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``doc`` without the leaf at ``keys`` (emptied parents removed)."""
    if len(keys) == 1:
        return {k: v for k, v in doc.items() if k != keys[0]}
    inner = _without(doc[keys[0]], keys[1:])
    rest = {k: v for k, v in doc.items() if k != keys[0]}
    return {**rest, keys[0]: inner} if inner else rest


# --- template names --------------------------------------------------------------------------


def test_a_template_is_named_from_what_it_holds() -> None:
    approval = {
        ("activation", "approval", "required"): True,
        ("activation", "approval", "approvers"): ["group:Tier0"],
        ("activation", "max_duration"): "PT1H",
        ("activation", "require"): ["mfa", "justification", "ticket"],
    }
    assert template_name(approval, set()) == "requires-approval-activation-1h"
    words = {("activation", "require"): ["mfa", "justification", "ticket"]}
    assert template_name(words, set()) == "mfa-justification-ticket"
    context = {("activation", "authentication_context"): "c1", ("activation", "require"): []}
    assert name_words(context) == ["context-c1", "no-requirements"]
    notify = {("notifications", "activated", "admin", "recipients"): ["soc@contoso.com"]}
    assert template_name(notify, set()) == "notify-soc"


def test_template_name_collisions_take_more_words_then_a_number() -> None:
    content = {
        ("activation", "max_duration"): "PT4H",
        ("eligible_assignment", "max_duration"): "P180D",
        ("active_assignment", "max_duration"): "P15D",
    }
    assert template_name(content, set()) == "activation-4h-eligible-180d"
    taken = {"activation-4h-eligible-180d"}
    assert template_name(content, taken) == "activation-4h-eligible-180d-active-15d"
    taken.add("activation-4h-eligible-180d-active-15d")
    assert template_name(content, taken) == "activation-4h-eligible-180d-active-15d-2"
    assert template_name({}, set()) == "shared-settings"


def test_two_templates_of_one_export_never_share_a_name(tmp_path: Path) -> None:
    """Two groups of roles whose first words agree (activation PT3H) get distinct names."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    for index, policy in enumerate(snapshot["roleManagementPolicies"][:8]):
        rules = {r["id"]: r for r in policy["rules"]}
        rules["Expiration_EndUser_Assignment"]["maximumDuration"] = "PT3H"
        rules["Enablement_EndUser_Assignment"]["enabledRules"] = (
            ["MultiFactorAuthentication", "Justification", "Ticketing"]
            if index < 4
            else ["Justification"]
        )
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW), now=SAMPLE_NOW)
    templates = yaml.safe_load(files["pim.yaml"])["templates"]
    assert sorted(templates) == [
        "activation-3h-justification",
        "activation-3h-mfa-justification-ticket",
    ]
    write_export(files, tmp_path, force=True)
    assert load_desired(str(tmp_path), SAMPLE_NOW).state.roles


# --- refusals --------------------------------------------------------------------------------


def test_unknown_roles_exit_1_with_a_suggestion_and_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "repo"
    result = run(
        "export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out), "--roles", "Global Admin"
    )
    assert result.exit_code == 1
    assert "did you mean 'Global Administrator'?" in result.output
    assert not out.exists()
    known = run(
        "export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out), "--roles", "global reader"
    )
    assert known.exit_code == 0, known.output
    assert sorted(p.name for p in (out / "roles").iterdir()) == ["global-reader.yaml"]


def test_a_non_empty_directory_is_refused_before_any_graph_request(
    live: Live, tmp_path: Path
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = run("--graph-url", live.url, "export", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "is not empty; use --force" in result.output
    assert live.emulator.stats.requests == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    forced = run("--graph-url", live.url, "export", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert live.emulator.stats.requests > 0
