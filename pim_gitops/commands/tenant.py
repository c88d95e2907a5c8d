"""The commands about the tenant itself: write a snapshot of it, or serve an emulated one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pim_gitops.commands import CommandOptions, ExitCode, tenant_snapshot
from pim_gitops.console import Console
from pim_gitops.wording import plural

if TYPE_CHECKING:
    from pim_gitops.emulator.faults import FaultConfig

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def write_tenant_snapshot(console: Console, options: CommandOptions, out: str) -> int:
    """Read the live tenant and write it as a snapshot file, once it normalizes cleanly."""
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.snapshot import write_snapshot

    data = tenant_snapshot(console, options, None)
    state = normalize_tenant(data, options.now)  # refuse to write what we could not read back
    write_snapshot(data, Path(out))
    console.data(
        f"wrote {out}: {plural(len(state.roles), 'role')}, "
        f"{plural(len(state.policies), 'policy', 'policies')}, "
        f"{plural(len(state.assignments), 'assignment')}, "
        f"{plural(len(state.principals), 'principal')}\n"
    )
    return ExitCode.OK


def serve_emulator(
    console: Console,
    options: CommandOptions,
    *,
    snapshot: str | None,
    host: str,
    port: int,
    page_size: int,
    faults: FaultConfig,
    pin_clock: bool,
) -> int:
    """Serve the emulator seeded from ``snapshot`` (default the sample tenant) until
    interrupted; with ``pin_clock`` its clock is ``options.now``."""
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.server import serve
    from pim_gitops.snapshot import read_snapshot

    now = options.now
    emu = Emulator(read_snapshot(snapshot or SAMPLE_TENANT), page_size=page_size, faults=faults)
    if pin_clock:
        emu.clock = lambda: now
    if host not in LOOPBACK:
        console.message("warning: the emulator accepts any token; keep it off shared networks")
    console.message(f"emulator: http://{host}:{port}/v1.0 (Ctrl-C to stop)")
    serve(emu, host, port)
    return ExitCode.OK
