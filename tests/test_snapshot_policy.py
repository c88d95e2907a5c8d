"""``snapshot --policy DIR`` (issue 17, item 2 offline): a snapshot that also records the
principals a policy names who hold no role, so ``lint``/``plan``/``report --snapshot``
resolve them; a snapshot without them says so, rather than "not in the tenant"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pim_gitops.cli import cli
from tests.conftest import Live
from tests.test_real_graph import NEW_APP, NEW_GROUP, NEW_USERS, add_unassigned, name_them
from tests.test_schema import valid

NOW = "2026-11-24T09:00:00Z"
GHOST = "user:ghost.nobody@contoso.com"


def run(*args: str, url: str | None = None) -> Any:
    graph = ["--graph-url", url] if url else []
    return CliRunner().invoke(cli, ["--now", NOW, *graph, *args])


def take(live: Live, out: Path, *extra: str) -> Any:
    result = run("snapshot", "--out", str(out), *extra, url=live.url)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def offline(snapshot: Path, policies: Path) -> dict[str, Any]:
    """lint, plan and report against the snapshot file, no Graph URL at all."""
    return {
        "lint": run("lint", str(policies), "--snapshot", str(snapshot), "--format", "json"),
        "plan": run("plan", str(policies), "--snapshot", str(snapshot), "--format", "json"),
        "report": run("report", str(policies), "--snapshot", str(snapshot)),
    }


def test_snapshot_with_policy_resolves_principals_who_hold_no_role(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    add_unassigned(live)
    name_them(policy_copy)
    before = live.stats()["requests"]
    data = take(live, tmp_path / "t.json", "--policy", str(policy_copy))
    valid("tenant-snapshot.schema.json", data)
    upns = {o.get("userPrincipalName") for o in data["directoryObjects"]}
    assert set(NEW_USERS) <= upns
    assert any(o.get("appId") == NEW_APP for o in data["directoryObjects"])
    assert any(o.get("displayName") == NEW_GROUP for o in data["directoryObjects"])
    assert f"group:{NEW_GROUP}" in data["lookedUpReferences"]
    assert live.stats()["requests"] > before
    out = offline(tmp_path / "t.json", policy_copy)
    for name, result in out.items():
        assert "was not found" not in result.output, (name, result.output)
    assert out["plan"].exit_code == 0, out["plan"].output
    assert out["report"].exit_code == 0, out["report"].output
    assert out["plan"].output.count('"action": "create"') >= 5


def test_snapshot_without_policy_says_how_to_take_one(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    add_unassigned(live)
    name_them(policy_copy)
    data = take(live, tmp_path / "t.json")
    assert "lookedUpReferences" not in data
    out = offline(tmp_path / "t.json", policy_copy)
    lint = out["lint"]
    assert lint.exit_code == 1
    assert "not found in the snapshot" in lint.output
    assert "snapshot --policy DIR" in lint.output
    assert "was not found in the tenant" not in lint.output
    assert out["plan"].exit_code == 1
    assert "snapshot --policy DIR" in out["plan"].output


def test_a_principal_looked_up_and_absent_is_not_in_the_tenant(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    add_unassigned(live)
    name_them(policy_copy)
    path = policy_copy / "roles" / "helpdesk-administrator.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + f'    - principal: "{GHOST}"\n      duration: P365D\n'
        "      renew: true\n      justification: Ghost\n",
        encoding="utf-8",
    )
    data = take(live, tmp_path / "t.json", "--policy", str(policy_copy))
    assert GHOST in data["lookedUpReferences"]
    lint = offline(tmp_path / "t.json", policy_copy)["lint"]
    assert f"principal {GHOST} was not found in the tenant" in lint.output
    assert "not found in the snapshot" not in lint.output
    # The five newcomers resolve; only the ghost is reported.
    assert lint.output.count("was not found") == 1
