"""An apply's requests come back in the live report's history marked with the run's commit
and pull request (issue 23), over the emulator with the real client: apply writes the trace
into each request's justification (``plan.build``), ``report --live`` reads the last 90 days
of requests and parses it back (``history_wire``)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from tests.conftest import Live
from tests.test_outside_pim import HELPDESK, add_entry, export, role_file
from tests.test_real_graph import NOW

JUDY = "judy.compliance@contoso.com"
RUN = {
    "GITHUB_SHA": "feedfacecafe0123456789",
    "GITHUB_REPOSITORY": "contoso/pim-policies",
    "GITHUB_REF": "refs/pull/5/merge",
    "GITHUB_SERVER_URL": "https://github.com",
}


def test_an_applied_assignment_is_in_the_live_history_with_its_commit(
    live: Live, tmp_path: Path
) -> None:
    out = export(live, tmp_path)
    add_entry(
        role_file(out, HELPDESK),
        "eligible",
        JUDY,
        "expires: 2027-03-15T09:00:00Z",
        "justification: Onboarding",
    )
    base = ["--now", NOW, "--graph-url", live.url]
    applied = CliRunner().invoke(cli, [*base, "apply", str(out), "--auto-approve"], env=RUN)
    assert applied.exit_code == 0, applied.output
    report = CliRunner().invoke(cli, [*base, "report", str(out), "--live"], env=RUN)
    assert report.exit_code == 0, report.output
    text = report.output
    start = text.index(f"### Activation and approval history: {HELPDESK}")
    (row,) = [
        line
        for line in text[start : text.index("\n#", start + 5)].splitlines()
        if f"user:{JUDY}" in line
    ]
    assert "| assignment (eligible) |" in row and "| Onboarding |" in row
    assert "[pim-gitops feedfacecafe, PR #5](https://github.com/contoso/pim-policies/pull/5)" in row
