"""Hostile ``pim.yaml`` ``alerts:`` values (issue 23): Graph's alert thresholds are Int32
(resources/tooManyGlobalAdminsAssignedToTenantAlertConfiguration.md,
sequentialActivationRenewalsAlertConfiguration.md), so a count past 2147483647 is an error
at its line, not a PATCH Graph refuses at apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_alerts_compile import HEAD, _compile, _errors


@pytest.mark.parametrize(
    ("entry", "at"),
    [
        ("too_many_global_admins: {accounts: 2147483648}", "4:38"),
        ("sequential_activation_renewals: {renewals: 99999999999, within: PT1H}", "4:46"),
    ],
)
def test_a_count_past_int32_is_an_error_at_its_line(tmp_path: Path, entry: str, at: str) -> None:
    (error,) = _errors(tmp_path, HEAD + f"  {entry}\n")
    assert f"pim.yaml:{at}:" in error and "at most 2147483647" in error


def test_the_largest_int32_count_compiles(tmp_path: Path) -> None:
    state = _compile(tmp_path, HEAD + "  too_many_global_admins: {accounts: 2147483647}\n")
    assert state.alerts is not None
    assert dict(state.alerts.settings["too_many_global_admins"].values) == {
        "accounts": "2147483647"
    }
