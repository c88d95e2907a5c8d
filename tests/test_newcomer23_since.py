"""What a newcomer typing a very long ``--since`` gets: a usage error naming the limit, as
``P99999D`` already does, never a traceback (``9999999999d`` overflowed ``timedelta``,
``999999d`` the date, ``0001-01-01`` wrote a year Graph's format cannot hold)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.commands.history_options import parse_window, since_instant
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.wire import parse_instant
from tests.conftest import POLICIES

NOW = "2026-11-24T09:00:00Z"


@pytest.mark.parametrize("value", ["9999999999d", "999999d", "5300w", "900000h", "0001-01-01"])
def test_a_window_beyond_a_hundred_years_is_a_usage_error(value: str) -> None:
    args = ["--now", NOW, "report", str(POLICIES), "--snapshot", str(SAMPLE_TENANT)]
    result = CliRunner().invoke(cli, [*args, "--since", value])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2, result.output
    assert "100 years" in result.output, result.output


def test_a_hundred_years_is_the_boundary() -> None:
    now = parse_instant(NOW)
    assert parse_window("36500d") == timedelta(days=36500)
    assert since_instant(parse_window("36500d"), now) == now - timedelta(days=36500)
    with pytest.raises(ValueError, match="longer than 100 years"):
        parse_window("36501d")
