"""Pydantic models of the policy files (``pim.yaml`` and ``roles/*.yaml``).

Every field is optional where it may be inherited (defaults → template chain → role), so
each file is validated on its own and an error points into the file that made it. The
words are an identity engineer's, not Graph's; ``docs/settings-map.md`` maps each Graph
rule property to its path here.

Values are parsed once, here, by the strict parsers of ``values.py``: a ``Duration`` is
whole seconds (``PT8H`` → 28800), an ``Instant`` an aware UTC datetime, a ``Scope`` one of
three spellings; durations serialize back to the policy words.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from pim_gitops.model_alerts import AlertsSection
from pim_gitops.model_base import Strict
from pim_gitops.model_ends import check_assignment_end
from pim_gitops.model_lint import LintSettings, RuleOverride
from pim_gitops.scopes import ManagedScopesField
from pim_gitops.values import (
    DATE_PATTERN,
    DURATION_PATTERN,
    INSTANT_PATTERN,
    PRINCIPAL_PATTERN,
    SCOPE_PATTERN,
    check_email,
    check_principal,
    check_role_name,
    check_scope,
    parse_calendar_date,
    parse_instant,
    parse_positive_duration,
)
from pim_gitops.wire import format_duration, is_guid

#: A duration, parsed once: whole seconds (more than zero) in the model, ISO 8601 text in
#: YAML, JSON and schema.
Duration = Annotated[
    int,
    BeforeValidator(parse_positive_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "not": {"pattern": r"^P(0+D)?(T(0+H)?(0+M)?(0+S)?)?$"},
            "description": "ISO 8601 duration in days, hours or minutes, more than zero: "
            "P30D, PT8H, PT1H30M",
            "examples": ["PT8H", "P30D"],
        }
    ),
]
PrincipalRef = Annotated[
    str,
    AfterValidator(check_principal),
    Field(
        json_schema_extra={"pattern": PRINCIPAL_PATTERN},
        description="user:UPN, group:display name, sp:appId, or an object id "
        "(user:<object id> is refused: write the object id alone)",
        examples=["user:alice@contoso.com", "group:PIM Tier0 Approvers"],
    ),
]
Email = Annotated[str, AfterValidator(check_email), Field(description="an e-mail address")]
#: An instant, parsed once: an aware UTC datetime in the model. A date means 00:00 UTC
#: that day, a date-time without an offset is UTC; numbers are refused.
Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": INSTANT_PATTERN,
            "description": "a UTC instant (2027-06-30T17:00:00Z; no offset means UTC) or a "
            "date (00:00 UTC that day)",
        }
    ),
]
#: A calendar date (``YYYY-MM-DD``), e.g. when approvers were last reviewed.
CalendarDate = Annotated[
    date,
    BeforeValidator(parse_calendar_date),
    WithJsonSchema({"type": "string", "pattern": DATE_PATTERN, "format": "date"}),
]
#: A directory scope: ``/``, ``/administrativeUnits/<id>`` or ``administrative_unit:<name>``.
Scope = Annotated[
    str,
    BeforeValidator(check_scope),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": SCOPE_PATTERN,
            "description": "'/' (the whole tenant), 'administrative_unit:<name or id>' or "
            "'/administrativeUnits/<id>'",
        }
    ),
]
RoleName = Annotated[
    str,
    AfterValidator(check_role_name),
    Field(
        json_schema_extra={"pattern": r"\S"},
        description="Role template id, object id or display name.",
    ),
]


class Approval(Strict):
    """Approval of activation requests (rule ``Approval_EndUser_Assignment``)."""

    required: bool | None = Field(
        None,
        description="Require approval to activate. Defaults to true when approvers are named.",
    )
    approvers: tuple[PrincipalRef, ...] | None = Field(
        None,
        description="Users and groups who approve; none named means Entra routes requests to "
        "Privileged Role and Global Administrators.",
    )
    reviewed: CalendarDate | None = Field(
        None, description="When the approver list was last reviewed (lint checks its age)."
    )


class Activation(Strict):
    """What activating an eligible assignment requires."""

    max_duration: Duration | None = Field(
        None, description="Activation maximum duration, PT30M to PT24H."
    )
    require: tuple[Literal["mfa", "justification", "ticket"], ...] | None = Field(
        None, description="On activation require MFA, a justification, ticket information."
    )
    authentication_context: str | None = Field(
        None,
        description="Conditional Access authentication context id (e.g. c1) required on "
        "activation; null turns it off. Excludes `mfa` in `require`.",
    )
    approval: Approval | None = None
    custom_extension: str | None = Field(
        None,
        description="PIM custom extension (display name or id) called before approval on "
        "each activation; null: none. Preview; needs Microsoft Entra ID Governance.",
    )
    post_approval_extension: str | None = Field(
        None,
        description="PIM custom extension (display name or id) called after approval; "
        "null: none. Preview; needs Microsoft Entra ID Governance.",
    )


class AssignmentRulesSpec(Strict):
    """Rules for eligible or active assignments made by an administrator."""

    allow_permanent: bool | None = Field(None, description="Allow assignments that never expire.")
    max_duration: Duration | None = Field(
        None, description="Longest allowed assignment when permanence is not allowed."
    )
    require: tuple[Literal["mfa", "justification"], ...] | None = Field(
        None, description="Require MFA and/or a justification on assignment."
    )


class Notification(Strict):
    """One e-mail notification (rule ``Notification_<Recipient>_<Caller>_<Level>``)."""

    default_recipients: bool | None = Field(
        None, description="Send to the default recipients (admins, the user, approvers)."
    )
    recipients: tuple[Email, ...] | None = Field(None, description="Additional recipients.")
    critical_only: bool | Literal["none"] | None = Field(
        None,
        description="Which e-mails: true only critical ones (Graph's level Critical), false "
        "all (All), 'none' no e-mail at all (Graph's level None, which the portal does not "
        "offer).",
    )


class NotificationEvent(Strict):
    admin: Notification | None = Field(None, description="Role assignment / activation alert.")
    requestor: Notification | None = Field(
        None, description="Notification to the assigned or activated user."
    )
    approver: Notification | None = Field(
        None, description="Request to approve (activation) or renewal/extension approver."
    )


class Notifications(Strict):
    eligible_assigned: NotificationEvent | None = Field(
        None, description="When members are assigned as eligible to this role."
    )
    active_assigned: NotificationEvent | None = Field(
        None, description="When members are assigned as active to this role."
    )
    activated: NotificationEvent | None = Field(
        None, description="When eligible members activate this role."
    )


class Settings(Strict):
    """The PIM settings of a role; every field may be inherited, and `null` puts a field
    (or a whole block) back to Entra's default."""

    activation: Activation | None = None
    eligible_assignment: AssignmentRulesSpec | None = None
    active_assignment: AssignmentRulesSpec | None = None
    notifications: Notifications | None = None


class Template(Settings):
    extends: str | None = Field(None, description="Another template this one builds on.")
    description: str | None = None


class Ticket(Strict):
    number: str
    system: str | None = None


class GrantSpec(Strict):
    """A grant of a role file or a group file: who, when it starts and ends."""

    principal: PrincipalRef
    start: Instant | None = Field(
        None,
        description="When the assignment starts (default: now). Required with `duration` "
        "(unless `renew: true`): the grant ends at `start` + `duration`. A start that has "
        "passed is not compared with the tenant.",
    )
    expires: Instant | None = Field(None, description="UTC instant when it ends.")
    duration: Duration | None = Field(
        None,
        description="How long it lasts, at least PT5M: from `start` (a one-off grant that "
        "ends at `start` + `duration`), or, with `renew: true`, from whenever it is granted.",
    )
    renew: bool = Field(
        False,
        description="Only with `duration`: a rolling grant, granted again for `duration` from "
        "now whenever the tenant no longer holds it (it never ends while it is declared).",
    )
    permanent: bool = Field(False, description="Never expires (only if the role policy allows).")
    justification: str | None = None
    ticket: Ticket | str | None = None
    adopted: CalendarDate | None = Field(
        None,
        description="The date the repository adopted this assignment from the tenant (export "
        "writes it). Graph keeps no justification of an existing assignment, so lint's "
        '"no justification" rule (ASG007) applies only to assignments declared without it. '
        "Never sent to Graph and never part of the plan.",
    )

    @model_validator(mode="after")
    def _one_end(self) -> GrantSpec:
        check_assignment_end(self)
        return self


class AssignmentSpec(GrantSpec):
    outside_pim: bool = Field(
        False,
        description="Made outside PIM: a direct role assignment the tenant holds (export "
        "writes it; only on a permanent active assignment). pim-gitops creates through PIM only.",
    )
    scope: Scope = Field(
        "/",
        description="Directory scope: '/' (the whole tenant), 'administrative_unit:<name or "
        "id>' or '/administrativeUnits/<id>'.",
    )


class Assignments(Strict):
    eligible: tuple[AssignmentSpec, ...] = ()
    active: tuple[AssignmentSpec, ...] = ()

    @model_validator(mode="after")
    def _outside_pim_is_permanent_active(self) -> Assignments:
        """A role assignment made outside PIM is active and has no end."""
        if any(spec.outside_pim for spec in self.eligible):
            raise ValueError("`outside_pim` is only for active assignments")
        if any(spec.outside_pim and not spec.permanent for spec in self.active):
            raise ValueError("`outside_pim: true` needs `permanent: true` (it has no end)")
        return self


class Waiver(Strict):
    """An accepted exception to a lint rule."""

    rule: str = Field(description="Rule code, e.g. APR001.")
    reason: str = Field(min_length=3)
    expires: CalendarDate
    role: str | None = Field(None, description="Role (tenant-file waivers only).")
    principal: PrincipalRef | None = None
    finding: str | None = Field(
        None,
        description="The finding's message (without the role's name): the waiver covers only "
        "that finding of the rule, so a new, different problem of the same rule and role is "
        "still reported. `lint --baseline` writes it.",
    )


class AutomationAccount(Strict):
    principal: PrincipalRef
    reason: str = Field(min_length=3)


class TenantFile(Strict):
    """``pim.yaml``: tenant-wide settings."""

    tenant: str = Field(description="Tenant id or primary domain.")
    defaults: Settings | None = Field(None, description="Settings of every role and group.")
    group_defaults: Settings | None = Field(
        None, description="Settings of every group section (groups/*.yaml), over `defaults`."
    )
    templates: dict[str, Template] = Field(default_factory=dict)
    break_glass: tuple[PrincipalRef, ...] = Field(
        (), description="Emergency-access accounts: permanent active Global Administrators."
    )
    automation: tuple[AutomationAccount, ...] = Field(
        (), description="Service accounts allowed a permanent active assignment, with a reason."
    )
    apply_identity: PrincipalRef | None = Field(
        None, description="The identity apply runs as (sp:appId); its role is guarded."
    )
    lint: LintSettings | None = None
    waivers: tuple[Waiver, ...] = ()
    graph_beta: tuple[Literal["alerts", "approvals"], ...] = Field(
        (), description="Graph beta APIs allowed: `alerts` (PIM alerts), `approvals` (history)."
    )
    alerts: AlertsSection | None = Field(None, description="PIM alert settings (Graph beta).")


class RoleFile(Settings):
    """``roles/<name>.yaml``: one managed role."""

    role: RoleName
    template: str | None = None
    description: str | None = None
    assignments_mode: Literal["authoritative", "additive"] = Field(
        "authoritative",
        description="authoritative: undeclared assignments at the managed scopes "
        "(`managed_scopes`, default '/') are removed.",
    )
    managed_scopes: ManagedScopesField = Field(
        ("/",),
        description="The scopes this file manages: it declares assignments there and, in "
        "authoritative mode, removes undeclared ones there; assignments at other scopes are "
        "listed, never changed. A list of scopes ('/', 'administrative_unit:<name or id>', "
        "'/administrativeUnits/<id>') or all (the tenant and every administrative unit).",
    )
    assignments: Assignments = Field(default_factory=Assignments)
    waivers: tuple[Waiver, ...] = ()

    def role_is_id(self) -> bool:
        return is_guid(self.role)


__all__ = ["LintSettings", "RuleOverride", "Strict"]
