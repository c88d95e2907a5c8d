"""Setting values as a plan shows them: JSON words (sets as lists), with the ids a policy
file would not use named as it names them (approvers as ``group:Name``, a PIM custom
extension by its display name). Display only: plans compare canonical leaves
(``diff.changed_paths``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.extension_wire import extension_reference
from pim_gitops.state import POST_APPROVAL_PATH, PRE_APPROVAL_PATH, Leaf, TenantState

APPROVERS = "activation.approval.approvers"


def _shown(value: Leaf) -> Any:
    """A leaf as JSON shows it (sets as lists)."""
    return list(value) if isinstance(value, tuple) else value


def readable(leaves: Mapping[str, Leaf], tenant: TenantState) -> dict[str, Any]:
    """Leaves in JSON words, approver and custom extension ids shown as the references a
    policy file uses."""
    shown: dict[str, Any] = {k: _shown(v) for k, v in leaves.items()}
    refs = []
    for value in shown[APPROVERS]:
        object_id = str(value).partition(":")[2]
        principal = tenant.principals.get(object_id)
        refs.append(principal.reference if principal else value)
    shown[APPROVERS] = sorted(refs)
    for path in (PRE_APPROVAL_PATH, POST_APPROVAL_PATH):
        if shown.get(path):
            shown[path] = extension_reference(tenant, str(shown[path]))
    return shown
