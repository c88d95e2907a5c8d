"""``pim-gitops stamp-starts``: a `start:` beside every `duration:` that lacks one, with the
file otherwise byte for byte as written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired
from tests.conftest import write

BEFORE = """\
role: Security Administrator   # tier 1
assignments:
  eligible:
    - principal: user:ann@contoso.com
      duration: P30D          # vendor month
      justification: "audit"
    - {principal: user:ben@co.com, duration: P30D, justification: y}
    - {principal: user:cid@contoso.com,
       duration: P30D}
    - duration: P10D
      principal: user:dan@contoso.com
    - {principal: user:eve@contoso.com, duration: P30D, renew: true}
  active:
    - principal: user:fay@contoso.com
      start: 2026-11-01
      duration: P7D
"""
AFTER = """\
role: Security Administrator   # tier 1
assignments:
  eligible:
    - principal: user:ann@contoso.com
      start: 2026-12-01T12:00:00Z
      duration: P30D          # vendor month
      justification: "audit"
    - {principal: user:ben@co.com, start: 2026-12-01T12:00:00Z, duration: P30D, justification: y}
    - {principal: user:cid@contoso.com,
       start: 2026-12-01T12:00:00Z, duration: P30D}
    - duration: P10D
      start: 2026-12-01T12:00:00Z
      principal: user:dan@contoso.com
    - {principal: user:eve@contoso.com, duration: P30D, renew: true}
  active:
    - principal: user:fay@contoso.com
      start: 2026-11-01
      duration: P7D
"""


def _stamp(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--now", "2026-12-01T12:00:00Z", "stamp-starts", str(root)])
    return result.exit_code, result.stdout


def test_stamp_starts_writes_only_the_missing_starts_and_keeps_everything_else(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    role = write(tmp_path / "roles" / "sec.yaml", BEFORE)
    code, out = _stamp(tmp_path)
    assert (code, out) == (0, f"{role}: 4 starts written (2026-12-01T12:00:00Z)\n")
    assert role.read_text() == AFTER
    load_desired(str(tmp_path), SAMPLE_NOW)  # valid: no duration without a start left
    assert _stamp(tmp_path) == (0, "")  # a second run writes nothing
    assert role.read_text() == AFTER


def test_stamp_starts_with_a_snapshot_writes_now_only_for_a_grant_the_tenant_does_not_hold(
    tmp_path: Path,
) -> None:
    """alice's Global Administrator eligibility is held (start 2026-11-04); grace's is not
    (the sample plan creates it): the held start for one, now for the other, no warning."""
    import shutil

    from pim_gitops.demo import SAMPLE_TENANT
    from tests.conftest import POLICIES

    shutil.copytree(POLICIES, tmp_path / "p")
    ga = tmp_path / "p" / "roles" / "global-administrator.yaml"
    text = ga.read_text(encoding="utf-8")
    starts = ("      start: 2026-11-04T09:00:00Z\n", "      start: 2026-11-24T09:00:00Z\n")
    ga.write_text(text.replace(starts[0], "").replace(starts[1], ""), encoding="utf-8")
    args = ["--now", "2026-11-30T10:00:00Z", "stamp-starts", str(tmp_path / "p")]
    result = CliRunner().invoke(cli, [*args, "--snapshot", str(SAMPLE_TENANT)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == (
        f"{ga}: eligible user:alice.admin@contoso.com: start: 2026-11-04T09:00:00Z "
        "(the start of the grant the tenant holds)\n"
        f"{ga}: eligible user:grace.identity@contoso.com: start: 2026-11-30T10:00:00Z "
        "(now: the tenant holds no such grant)\n"
    )
    assert ga.read_text(encoding="utf-8") == text.replace(
        starts[1], "      start: 2026-11-30T10:00:00Z\n"
    )
