"""The approval rule (``Approval_EndUser_Assignment``): who approves an activation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.policy_rules.common import COMMON_DOCS, default_approval_stage
from pim_gitops.policy_rules.spec import Leaves, PropertyDoc, RuleSpec, always_relax, merge_values
from pim_gitops.rawjson import RawObject
from pim_gitops.state import Leaf, words_of


def _approver_refs(setting: RawObject) -> list[str]:
    refs = []
    for index, stage in enumerate(setting.items("approvalStages")):
        stage_reader = RawObject(stage, f"{setting.what}, stage #{index}")
        for approver in stage_reader.items("primaryApprovers"):
            a = RawObject(approver, f"{stage_reader.what}, approver")
            kind = (a.text("@odata.type", optional=True) or "").rsplit(".", 1)[-1]
            if kind == "singleUser":
                refs.append("user:" + (a.text("userId", optional=True) or a.req("id")))
            elif kind == "groupMembers":
                refs.append("group:" + (a.text("groupId", optional=True) or a.req("id")))
            else:
                refs.append(kind or "unknown")
    return refs


def _read_approval(rule: RawObject) -> dict[str, Leaf]:
    if not isinstance(rule.obj.get("setting"), dict):
        raise rule.fail("missing 'setting' (an approval rule always carries one)")
    setting = rule.child("setting")
    required = setting.flag("isApprovalRequired", False)
    approvers = tuple(sorted(set(_approver_refs(setting)))) if required else ()
    return {"activation.approval.required": required, "activation.approval.approvers": approvers}


def _subject(ref: str) -> dict[str, Any]:
    kind, _, object_id = ref.partition(":")
    if kind == "group":
        return {"@odata.type": "#microsoft.graph.groupMembers", "groupId": object_id}
    return {"@odata.type": "#microsoft.graph.singleUser", "userId": object_id}


def _write_approval(live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    """``isApprovalRequired`` and one approval stage's primary approvers are managed: with
    approval on, the rule is written with exactly one stage (the live first stage, its other
    properties kept) in ``SingleStage`` mode, so a multi-stage or ``NoApproval`` rule read
    back converges; the other settings are kept from the live rule."""
    body = merge_values(live, {})
    setting = body.setdefault("setting", {})
    required = bool(want["activation.approval.required"])
    setting["isApprovalRequired"] = required
    if required:
        stage = (setting.get("approvalStages") or [default_approval_stage()])[0]
        approvers = words_of(want["activation.approval.approvers"])
        stage["primaryApprovers"] = [_subject(a) for a in approvers]
        setting["approvalStages"] = [stage]
        setting["approvalMode"] = "SingleStage"
    return body


# long: a data table, one row a property
def _approval_docs() -> tuple[PropertyDoc, ...]:  # pragma: no mutate block
    stage = "setting.approvalStages[]"
    kept = "kept from the live rule."
    escalation = (
        "Escalation is not stored by Graph for directory roles (author note in DC "
        "how-to-pim-update-rules.md Ex. 3); " + kept
    )
    approvers = "activation.approval.approvers"
    return (
        PropertyDoc(
            "setting.@odata.type", reason="Wire annotation (`#microsoft.graph.approvalSettings`)."
        ),
        PropertyDoc("setting.isApprovalRequired", "activation.approval.required"),
        PropertyDoc(
            "setting.isApprovalRequiredForExtension",
            reason="Not used by directory-role activation; kept from the live rule "
            "(DC approvalsettings.md).",
        ),
        PropertyDoc(
            "setting.isRequestorJustificationRequired",
            reason="The requestor's justification is governed by `Enablement_EndUser_Assignment` "
            "(`activation.require: [justification]`); " + kept,
        ),
        PropertyDoc(
            "setting.approvalMode",
            reason="Derived: `SingleStage` when approval is on; Entra's PIM UI offers one stage "
            "for directory roles. Kept from the live rule.",
        ),
        PropertyDoc(
            "setting.approvalStages",
            "activation.approval",
            note="One stage is managed; approval off ⇒ stages are not compared (Graph reports a "
            "default stage; azuread#1398).",
        ),
        PropertyDoc(f"{stage}.@odata.type", reason="Wire annotation."),
        PropertyDoc(
            f"{stage}.approvalStageTimeOutInDays",
            reason="Fixed at 1 day in the Entra admin center; " + kept,
        ),
        PropertyDoc(
            f"{stage}.isApproverJustificationRequired",
            reason="Always on in the Entra admin center; " + kept,
        ),
        PropertyDoc(f"{stage}.escalationTimeInMinutes", reason=escalation),
        PropertyDoc(f"{stage}.isEscalationEnabled", reason="As above."),
        PropertyDoc(f"{stage}.escalationApprovers", reason="As above."),
        PropertyDoc(f"{stage}.primaryApprovers", approvers, note="Users and groups; a set."),
        PropertyDoc(
            f"{stage}.primaryApprovers[].@odata.type",
            approvers,
            note="`#microsoft.graph.singleUser` ⇔ `user:…`, `#microsoft.graph.groupMembers` ⇔ "
            "`group:…`.",
        ),
        PropertyDoc(
            f"{stage}.primaryApprovers[].userId", approvers, note="`user:UPN` resolved to this id."
        ),
        PropertyDoc(
            f"{stage}.primaryApprovers[].groupId",
            approvers,
            note="`group:name` resolved to this id.",
        ),
        PropertyDoc(
            f"{stage}.primaryApprovers[].id",
            approvers,
            note="Alternative spelling of the user id in the group-policy example; read as "
            "`userId`.",
        ),
        PropertyDoc(
            f"{stage}.primaryApprovers[].isBackup",
            reason="Backup approvers are a PIM-for-Groups notion; read, never written.",
        ),
        PropertyDoc(
            f"{stage}.primaryApprovers[].description",
            reason="Display text; not stored meaningfully.",
        ),
        *COMMON_DOCS,
    )


def approval_spec() -> RuleSpec:  # pragma: no mutate block
    return RuleSpec(
        id="Approval_EndUser_Assignment",
        kind="Approval",
        paths=("activation.approval.required", "activation.approval.approvers"),
        read=_read_approval,
        write=_write_approval,
        phase=always_relax,
        docs=_approval_docs(),
    )
