"""What a newcomer declaring alert thresholds gets: the ranges Entra takes (ED
pim-how-to-configure-security-alerts.md: Global Administrators 2 to 100, renewals 2 to 100,
stale sign-in 1 to 365 days, redundant assignment 0 to 100 days) are checked by `validate`
at the value's `file:line:col`, not refused by Graph in the middle of an apply."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.errors import PolicyErrors
from pim_gitops.loader import load_policies

from .conftest import write

NOW = datetime(2026, 2, 1, tzinfo=UTC)
HEAD = "tenant: t\ngraph_beta: [alerts]\nalerts:\n"


def _compile(tmp_path: Path, line: str) -> DesiredState:
    write(tmp_path / "pim.yaml", HEAD + line + "\n")
    return compile_policies(load_policies(tmp_path), NOW)


@pytest.mark.parametrize(
    ("line", "ok", "words"),
    [
        ("  too_many_global_admins: {accounts: 2}", True, ""),
        ("  too_many_global_admins: {accounts: 100}", True, ""),
        ("  too_many_global_admins: {accounts: 1}", False, "2 to 100"),
        ("  too_many_global_admins: {accounts: 101}", False, "2 to 100"),
        ("  sequential_activation_renewals: {renewals: 2}", True, ""),
        ("  sequential_activation_renewals: {renewals: 1}", False, "2 to 100"),
        ("  sequential_activation_renewals: {renewals: 101}", False, "2 to 100"),
        ("  stale_sign_in: {duration: P1D}", True, ""),
        ("  stale_sign_in: {duration: P365D}", True, ""),
        ("  stale_sign_in: {duration: PT23H}", False, "1 to 365 days"),
        ("  stale_sign_in: {duration: P366D}", False, "1 to 365 days"),
        ("  redundant_assignment: {duration: P100D}", True, ""),
        ("  redundant_assignment: {duration: P101D}", False, "0 to 100 days"),
    ],
)
def test_alert_thresholds_within_what_entra_takes(
    tmp_path: Path, line: str, ok: bool, words: str
) -> None:
    if ok:
        assert _compile(tmp_path, line).alerts is not None
        return
    with pytest.raises(PolicyErrors) as caught:
        _compile(tmp_path, line)
    (error,) = [str(e) for e in caught.value.errors]
    assert "pim.yaml:4:" in error and words in error, error
