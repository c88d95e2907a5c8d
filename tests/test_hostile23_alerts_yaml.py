"""Hostile ``pim.yaml`` ``alerts:`` values (issue 23): a count past what Entra takes (2 to
100 Global Administrators or renewals; Graph's type is Int32, so far past it too) is an error
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
    assert f"pim.yaml:{at}:" in error and "Entra takes 2 to 100" in error


def test_the_largest_count_entra_takes_compiles(tmp_path: Path) -> None:
    state = _compile(tmp_path, HEAD + "  too_many_global_admins: {accounts: 100}\n")
    assert state.alerts is not None
    assert dict(state.alerts.settings["too_many_global_admins"].values) == {"accounts": "100"}
