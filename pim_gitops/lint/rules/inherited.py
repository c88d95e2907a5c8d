"""GEN008, structure: a role file or a template that writes a list it also inherits, with
items of the inherited list missing. Lists replace, they never merge (``compile/lists.py``,
docs/policy-reference.md "Merging"), so the missing items are dropped; the compiler records
each such replacement (``CompiledRole.replaced_lists``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pim_gitops.compile import Source
from pim_gitops.compile.lists import LINTED_LISTS
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import rule


# long: the docstring is the rule's documentation page; the body is 14 lines
def replaced_inherited_list(ctx: LintContext) -> Iterator[Finding]:
    """A list written over an inherited one keeps the inherited items

    ## What it checks

    A role file or a template that writes a list of people or addresses (notification
    `recipients`, `activation.approval.approvers`) which it also inherits from a template
    or from `defaults`, and leaves out some of the inherited items. Lists are replaced
    whole, never merged, so those items are dropped: the finding names the inherited list's
    `file:line` and each dropped item. A list that keeps every inherited item (and adds
    others) is not reported, and neither is an explicit `null` or `[]` (they say "none of
    the inherited ones" in so many words). A template's list is reported once, at the
    template, naming the roles that use it. A `require` list is replaced the same way, but
    a dropped `mfa` or `ticket` is the finding of its own rule (ACT001), so it is not
    reported here.

    ## Why

    Someone who adds `recipients: [helpdesk@contoso.com]` to a role expects a helpdesk copy
    of the alert, not that the security team's address from `defaults` stops receiving it.
    Neither `validate`'s summary nor the plan says that the inherited address is gone (the
    plan shows the new list, not why it lost an address).

    ## How to fix

    Repeat the inherited items that should stay (the list is then kept and extended), or
    write `[]` when none of them should; `validate --show ROLE` prints the list in effect
    and the line it comes from.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    defaults:
      notifications:
        activated: {admin: {recipients: [secops@contoso.com]}}
    ```

    ```yaml
    # roles/helpdesk-administrator.yaml
    role: Helpdesk Administrator
    notifications:
      activated: {admin: {recipients: [helpdesk@contoso.com]}}
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    defaults:
      notifications:
        activated: {admin: {recipients: [secops@contoso.com]}}
    ```

    ```yaml
    # roles/helpdesk-administrator.yaml
    role: Helpdesk Administrator
    notifications:
      activated: {admin: {recipients: [secops@contoso.com, helpdesk@contoso.com]}}
    ```
    """
    root = Path(ctx.desired.tenant_file).parent
    for role in ctx.desired.roles:
        name = role.ref.label
        for item in role.replaced_lists:
            if item.path not in LINTED_LISTS:
                continue
            assert item.by.location is not None  # a layer that wrote the list
            text = (
                f"{item.path} replaces the list from {_named(item.replaced, root)}; drops "
                f"{', '.join(item.dropped)} (lists are not merged: repeat an item to keep it)"
            )
            yield ctx.finding(f"{name}: {text}", item.by.location, role=name, detail=text)


def _named(source: Source, root: Path) -> str:
    """``pim.yaml:5:27 (defaults)``: an inherited list's place, relative to the policy
    directory (the message reads the same wherever lint runs)."""
    where = source.location
    assert where is not None  # an inherited list is declared
    path = os.path.relpath(where.path, root) if where.path else where.path
    return f"{path}:{where.line}:{where.col} ({source.layer})"


rule(
    code="GEN008",
    name="replaced-inherited-list",
    severity="info",
    views=("policy",),
)(replaced_inherited_list)
