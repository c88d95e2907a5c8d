"""The auditor's report: plain words, holders, findings, drift, provenance; HTML seen in a
real browser (headless Chromium, installed by .ci/run)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.normalize import normalize_tenant
from pim_gitops.render.report import activation_words
from pim_gitops.roles import BUILTIN_ROLES
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import make_activation
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, write

GLOBAL_READER = next(i for i, n in BUILTIN_ROLES.items() if n == "Global Reader")

NOW = "2026-11-24T09:00:00Z"
ARGS = ["--now", NOW, "report", str(POLICIES), "--snapshot", str(SAMPLE_TENANT)]


def test_activation_in_plain_words() -> None:
    act = make_activation(
        max_duration=3600,
        require_mfa=True,
        require_justification=True,
        require_ticket=True,
        authentication_context=None,
        approval_required=True,
        approvers=["group:PIM Tier0 Approvers"],
    )
    assert activation_words(act) == (
        "activation up to 1 hour, requires MFA, a justification, a ticket number and approval "
        "by one of: group:PIM Tier0 Approvers"
    )


def test_markdown_report() -> None:
    result = CliRunner().invoke(cli, ARGS)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# PIM report")
    # The tenant's activation beside the repository's: the tenant allows 2 hours, the
    # repository says 1 (the report used to show only what the repository intends).
    assert (
        "| [Global Administrator](#role-global-administrator) | activation up to 2 hours, "
        "requires MFA and a justification | activation up to 1 hour, requires MFA" in text
    )
    # Break-glass status: in the tenant, cloud-only, usable, permanent Global Administrator.
    assert "| user:bg1@contoso.onmicrosoft.com | yes | yes | yes | yes |" in text
    # Both views are named, with their own counts.
    assert "- Repository (what the tenant will be once applied): " in text
    assert "- Tenant now (as it is): " in text
    assert "of them the repository keeps)." in text
    assert (
        "**ASG005 (error, tenant now): user:carol.it@contoso.com was assigned Global "
        "Administrator outside PIM" in text
    )
    # One difference per change `plan` finds on the same inputs (counted on a tiny tenant in
    # test_drift_count).
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    plan = plan_against(load_desired(str(POLICIES), SAMPLE_NOW), state, SAMPLE_NOW)
    assert plan.changes and f"Drift: {len(plan.changes)} differences" in text


def test_drift_count(tmp_path: Path) -> None:
    """The report counts one difference per setting leaf or assignment that differs: here two
    leaves of Global Reader's activation, then none once the file matches the tenant."""
    tenant = TenantBuilder("11111111-2222-4333-8444-555555555555", SAMPLE_NOW)
    tenant.add_role(GLOBAL_READER, "Global Reader")
    snapshot = write_snapshot_file(tenant, tmp_path / "tenant.json")
    write(tmp_path / "repo" / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    role = write(
        tmp_path / "repo" / "roles" / "reader.yaml",
        "role: Global Reader\nassignments_mode: additive\n"
        "activation: {max_duration: PT4H, require: [mfa, justification, ticket]}\n",
    )
    args = ["--now", NOW, "report", str(tmp_path / "repo"), "--snapshot", str(snapshot)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Drift: 2 differences" in result.output  # PT8H → PT4H, and the added ticket
    role.write_text("role: Global Reader\nassignments_mode: additive\n")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Drift: none" in result.output


def write_snapshot_file(tenant: TenantBuilder, path: Path) -> Path:
    from pim_gitops.snapshot import write_snapshot

    write_snapshot(tenant.snapshot(), path)
    return path


def _png_has_content(data: bytes) -> tuple[int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    return width, height, len(set(pixels[:400_000]))


def test_html_report_renders_in_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = CliRunner().invoke(cli, [*ARGS, "--format", "html", "--out", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert (
        text.startswith("<!doctype html>")
        and "<style>" in text
        and "http" not in text.split("<body>")[0]
    ), "one self-contained file"
    assert "@media print" in text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (.ci/run installs it; apt-get install chromium)"
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    width, height, distinct = _png_has_content(shot.read_bytes())
    assert (width, height) == (1200, 1600)
    assert distinct > 10, "the page rendered blank"


#: Measures the laid-out page: the page, body, every table, pre and table cell whose content
#: is wider than its box or that reaches past the body's right edge, recorded on ``body`` for
#: ``--dump-dom``. The probe (a pre too wide for its clipped box) proves the measure finds one.
MEASURE = """
<div id=probe style="width:200px;overflow:hidden"><pre>%s</pre></div>
<script>
(function () {
  var root = document.documentElement, body = document.body;
  var right = body.getBoundingClientRect().right + 0.5;
  function wide(e) {
    return e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right;
  }
  var probe = document.querySelector('#probe pre');
  var out = [];
  if (root.scrollWidth > root.clientWidth) out.push('page ' + root.scrollWidth);
  if (body.scrollWidth > body.clientWidth) out.push('body ' + body.scrollWidth);
  document.querySelectorAll('table, pre, td, th').forEach(function (e) {
    if (e !== probe && wide(e)) out.push(e.tagName + ':' + e.textContent.slice(0, 40));
  });
  body.setAttribute('data-overflow', out.join(' | '));
  body.setAttribute('data-probe', wide(probe) ? 'wide' : 'fits');
  body.setAttribute('data-width', String(root.clientWidth));
  document.getElementById('probe').remove();
})();
</script>
""" % ("x" * 400)


def test_html_report_layout_in_chromium(tmp_path: Path) -> None:
    """The sample tenant's HTML, laid out by headless Chromium at a print-like width (1000
    px): every section heading and the per-control table (every control id) are in the DOM
    it dumps, and nothing is wider than the page."""
    from pim_gitops.lint.references import CONTROLS
    from tests.report_dom import ReportPage

    page = tmp_path / "report.html"
    result = CliRunner().invoke(cli, [*ARGS, "--format", "html", "--out", str(page)])
    assert result.exit_code == 0, result.output
    written = page.read_text(encoding="utf-8")
    wrapper = tmp_path / "measured.html"
    wrapper.write_text(written.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (.ci/run installs it; apt-get install chromium)"
    dumped = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1000,1400",
            "--dump-dom",
            wrapper.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout
    dom = ReportPage(dumped)
    assert dom.body.get("data-width") == "1000", dom.body
    assert dom.body.get("data-probe") == "wide", "the measure finds a too-wide block"
    assert dom.body.get("data-overflow") == "", dom.body.get("data-overflow")
    assert dom.headings == ReportPage(written).headings
    for title in ("Summary", "Controls", "Who can become what", "Break-glass accounts"):
        assert title in dom.headings
    assert [row[0] for row in dom.controls] == list(CONTROLS)
    assert all(
        row[2] in ("pass", "fail", "warning", "accepted", "not checked") for row in dom.controls
    )
