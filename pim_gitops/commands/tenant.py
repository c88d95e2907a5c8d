"""The commands about the tenant itself: write a snapshot of it, or serve an emulated one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pim_gitops.commands import CommandOptions, ExitCode, tenant_snapshot
from pim_gitops.console import Console
from pim_gitops.snapshot import snapshot_tenant
from pim_gitops.state import TenantState
from pim_gitops.wording import plural

if TYPE_CHECKING:
    from pim_gitops.emulator.faults import FaultConfig

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def write_tenant_snapshot(
    console: Console,
    options: CommandOptions,
    out: str,
    policy: str | None = None,
    since: datetime | None = None,
) -> int:
    """Read the live tenant and write it as a snapshot file, once it normalizes cleanly.
    With ``policy`` (a policy directory), also look up every principal it names, through
    the resolver ``plan`` uses, so offline commands resolve those who hold no role, and
    read what its tenant file allows (``graph_beta``); with ``since``, the request history."""
    from pim_gitops.commands.history_options import live_snapshot_since
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.snapshot import write_snapshot

    if policy is None and since is None:
        data = tenant_snapshot(console, options, None)
    elif policy is None and since is not None:
        data, requests = live_snapshot_since(
            options.graph_url, options.tenant_id, options.now, since
        )
        console.message(f"read the tenant in {requests} Graph requests")
    else:
        data = _snapshot_with_policy(console, options, str(policy), since)
    state = normalize_tenant(data, options.now)  # refuse to write what we could not read back
    write_snapshot(data, Path(out))
    console.data(
        f"wrote {out}: {plural(len(state.roles), 'role')}, "
        f"{plural(len(state.policies), 'policy', 'policies')}, "
        f"{plural(len(state.assignments), 'assignment')}, "
        f"{plural(len(state.principals), 'principal')}\n"
    )
    console.message(stored_words(state))
    return ExitCode.OK


def stored_words(state: TenantState) -> str:
    """What the snapshot holds beyond roles and assignments, and what it could not read:
    the monthly backup's log says whether it stored the alerts and the history."""
    from pim_gitops.wire import format_instant

    parts: list[str] = []
    if state.alerts is not None:
        count = plural(len(state.alerts.configs), "PIM alert setting")
        parts.append(f"{count} ({len(state.alerts.open)} open)")
    else:
        why = state.alert_read_error or "--policy DIR with `graph_beta: [alerts]` reads them"
        parts.append(f"PIM alerts not read ({why})")
    history = state.history
    if history is not None:
        gaps = "; ".join(f"{name}: {why}" for name, why in history.gaps)
        since = format_instant(history.since)
        words = f"{plural(len(history.requests), 'request')} since {since}"
        parts.append(words + (f" (not read: {gaps})" if gaps else ""))
    else:
        parts.append("request history not read (--since reads it)")
    if state.reviews is not None:
        parts.append(plural(len(state.reviews.definitions), "access review"))
    else:
        parts.append(f"access reviews not read ({state.review_read_error or 'not asked'})")
    return "stored: " + ", ".join(parts)


def _snapshot_with_policy(
    console: Console, options: CommandOptions, policy: str, since: datetime | None = None
) -> dict[str, Any]:
    """The live snapshot completed with the principals ``policy`` names (``lookedUpReferences``
    records every reference asked about, found or not)."""
    import asyncio

    from pim_gitops.compile import all_principals
    from pim_gitops.graph.extras import extra_reads
    from pim_gitops.graph.group_reader import managed_group_refs
    from pim_gitops.graph.reader import fetch_snapshot
    from pim_gitops.graph.session import open_graph
    from pim_gitops.resolve import Resolver
    from pim_gitops.snapshot import with_looked_up
    from pim_gitops.workflow import complete_snapshot, load_desired

    desired = load_desired(policy, options.now).state
    now = options.now

    async def go() -> tuple[dict[str, Any], int]:
        async with open_graph(options.graph_url, options.tenant_id) as transport:
            extras = extra_reads(desired, since)
            data = await fetch_snapshot(
                transport, now=now, tenant_id=options.tenant_id or "", extras=extras
            )
            completed, _ = await complete_snapshot(transport, data, [desired], now)
            return completed, transport.requests

    data, requests = asyncio.run(go())
    refs = [*all_principals(desired), *managed_group_refs([desired])]
    data = with_looked_up(data, refs)
    missing = [
        r for r in refs if isinstance(Resolver(snapshot_tenant(data, now)).principal(r), str)
    ]
    console.message(
        f"read the tenant in {requests} Graph requests; looked up "
        f"{plural(len(refs), 'principal')} named in {policy}"
        + (f" ({len(missing)} not in the tenant)" if missing else "")
    )
    return data


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
