"""GEN006, GEN007: waivers whose reason is still the baseline's placeholder, and waivers that
accept a finding for longer than a review cycle (waivers phase)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import duration, rule
from pim_gitops.lint.waivers import PLACEHOLDER, WaiverUse
from pim_gitops.wording import plural


def placeholder_reason(ctx: LintContext) -> Iterator[Finding]:
    """Every waiver says why it is accepted

    ## What it checks

    No waiver's reason is still the placeholder `lint --baseline` writes ("TODO: say why
    this is accepted"). One finding per file, at its first such waiver, with the count.
    Such a waiver quiets warnings only: an error it names stays open until a reason is
    written (nobody has accepted it yet).

    ## Why

    A baseline makes the first day quiet; the placeholder keeps it honest. A waiver is an
    accepted exception, and an auditor asks who accepted it and why: until the reason is
    written, nobody has.

    ## How to fix

    Replace each placeholder with the reason (the change, ticket or person that accepts the
    finding), or fix the finding and delete the waiver.

    ## Example

    ```yaml
    # roles/global-reader.yaml
    role: Global Reader
    activation: {require: [mfa, justification]}
    waivers:
      - rule: ACT001
        reason: "TODO: say why this is accepted (baseline of 2026-11-24)"
        expires: 2027-02-22
    ```

    ## Use instead

    ```yaml
    # roles/global-reader.yaml
    role: Global Reader
    activation: {require: [mfa, justification]}
    waivers:
      - {rule: ACT001, reason: read-only role; CHG-1234 accepts no ticket, expires: 2027-02-22}
    ```
    """
    by_file: dict[str, list[WaiverUse]] = {}
    for use in ctx.waivers:
        if use.waiver.reason.startswith(PLACEHOLDER):
            by_file.setdefault(use.where.path, []).append(use)
    for path in sorted(by_file):
        count = len(by_file[path])
        use = by_file[path][0]
        yield ctx.finding(
            f"{plural(count, 'waiver')} in this file still {'has' if count == 1 else 'have'} "
            f"the placeholder reason {PLACEHOLDER!r}: write why each is accepted",
            use.where,
        )


rule(code="GEN006", name="placeholder-reason", severity="warning", phase="waivers")(
    placeholder_reason
)


def long_waiver(ctx: LintContext) -> Iterator[Finding]:
    """Waivers end within a year

    ## What it checks

    No waiver's `expires:` is more than `max` (P365D) after today: exactly a year passes, a
    day more fails.

    ## Why

    An accepted exception is re-decided when it expires; a waiver until 2999 is a rule
    switched off for one role, unreviewed forever. A year is the longest review cycle the
    baselines and Microsoft's access reviews use.

    ## How to fix

    Set an expiry within a year; renew it, with a reason, when it comes.

    ## Example

    ```yaml
    # roles/global-reader.yaml
    role: Global Reader
    activation: {require: [mfa, justification]}
    waivers:
      - {rule: ACT001, reason: read-only role, expires: 2999-12-31}
    ```

    ## Use instead

    ```yaml
    # roles/global-reader.yaml
    role: Global Reader
    activation: {require: [mfa, justification]}
    waivers:
      - {rule: ACT001, reason: read-only role, expires: 2027-06-30}
    ```
    """
    longest = ctx.seconds("max") // 86400
    today = ctx.now.date()
    for use in ctx.waivers:
        w = use.waiver
        if (w.expires - today).days > longest:
            yield ctx.finding(
                f"the waiver of {w.rule} ({w.reason!r}) lasts until {w.expires}, more than "
                f"{plural(longest, 'day')} from today: set an expiry within that",
                use.where,
                role=use.role,
                principal=w.principal,
            )


rule(
    code="GEN007",
    name="long-waiver",
    severity="warning",
    phase="waivers",
    options=(duration("max", "P365D", "The longest a waiver may last from today."),),
)(long_waiver)
