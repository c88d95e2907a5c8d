"""The bundled sample tenant and the ``demo`` loop."""

from __future__ import annotations

from pathlib import Path

SAMPLE_TENANT = Path(__file__).with_name("tenant.json")
