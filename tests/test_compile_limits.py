"""Limits compile enforces on a role's settings that the value types alone do not: an
activation maximum in whole minutes (Graph stores minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_compile import _compile, _errors


@pytest.mark.parametrize("written", ["PT90S", "PT1H30S"])
def test_an_activation_maximum_that_is_not_whole_minutes_is_refused(
    tmp_path: Path, written: str
) -> None:
    role = f"role: Global Reader\nactivation: {{max_duration: {written}}}\n"
    (message,) = _errors(tmp_path, a=role)
    assert message == "Global Reader: activation.max_duration must be whole minutes"


def test_an_activation_maximum_of_whole_minutes_is_accepted(tmp_path: Path) -> None:
    desired = _compile(tmp_path, a="role: Global Reader\nactivation: {max_duration: PT90M}\n")
    assert desired.roles[0].settings.activation.max_duration == 90 * 60
