"""The 17 rules of a directory role's PIM policy (graph-pim.md §3; DC
unifiedrolemanagementpolicyrule.md), and the two custom extension rules a policy may lack
(``extensions.py``), as rows of the policy-rule table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.policy_rules.approval import approval_spec
from pim_gitops.policy_rules.common import (
    COMMON_DOCS,
    graph_words,
    policy_words,
    seconds,
)
from pim_gitops.policy_rules.extensions import extension_specs
from pim_gitops.policy_rules.notifications import notification_specs
from pim_gitops.policy_rules.spec import (
    Leaves,
    Phase,
    PropertyDoc,
    RuleSpec,
    always_relax,
    bind,
    merge_values,
)
from pim_gitops.rawjson import RawObject
from pim_gitops.state import REQUIRE_WORDS, Leaf, words_of
from pim_gitops.wire import format_duration


def _read_activation_duration(rule: RawObject) -> dict[str, Leaf]:
    seconds = rule.duration("maximumDuration")
    if seconds is None:
        raise rule.fail("missing 'maximumDuration'")
    return {"activation.max_duration": format_duration(seconds)}


def _write_activation_duration(live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    return merge_values(
        live, {"isExpirationRequired": True, "maximumDuration": want["activation.max_duration"]}
    )


def _read_activation_require(rule: RawObject) -> dict[str, Leaf]:
    return {"activation.require": policy_words(rule, REQUIRE_WORDS)}


def _write_activation_require(live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    return merge_values(live, {"enabledRules": graph_words(want["activation.require"])})


def _activation_require_phase(before: Leaves, after: Leaves) -> Phase:
    """Turning MFA off switches a control off (first, since MFA and an authentication context
    cannot both be on); any other change relaxes."""
    was = words_of(before["activation.require"])
    now = words_of(after["activation.require"])
    return Phase.SWITCH_OFF if "mfa" in was and "mfa" not in now else Phase.RELAX


def _read_context(rule: RawObject) -> dict[str, Leaf]:
    on = rule.flag("isEnabled", False)
    claim = (rule.text("claimValue", optional=True) or None) if on else None
    return {"activation.authentication_context": claim}


def _write_context(live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    claim = want["activation.authentication_context"]
    return merge_values(live, {"isEnabled": claim is not None, "claimValue": claim or ""})


def _context_phase(before: Leaves, after: Leaves) -> Phase:
    """Removing the authentication context switches a control off (first, so MFA can come on
    after it); setting or changing it relaxes."""
    path = "activation.authentication_context"
    return Phase.SWITCH_OFF if before[path] is not None and after[path] is None else Phase.RELAX


# --- admin assignments ----------------------------------------------------------------------


def read_expiration(name: str, rule: RawObject) -> dict[str, Leaf]:
    required = rule.flag("isExpirationRequired", False)
    maximum = rule.duration("maximumDuration")
    if required and maximum is None:
        raise rule.fail("isExpirationRequired is true but maximumDuration is missing")
    # The maximum is moot while permanence is allowed (graph-pim.md §3.2).
    shown = format_duration(maximum) if required and maximum is not None else None
    return {f"{name}.allow_permanent": not required, f"{name}.max_duration": shown}


def write_expiration(name: str, live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    values: dict[str, Any] = {"isExpirationRequired": not want[f"{name}.allow_permanent"]}
    if want[f"{name}.max_duration"] is not None:
        values["maximumDuration"] = want[f"{name}.max_duration"]
    return merge_values(live, values)


def expiration_phase(name: str, before: Leaves, after: Leaves) -> Phase:
    """Allowing permanence, or a maximum at least as long, relaxes; requiring expiration
    where permanence was allowed, or a shorter maximum, tightens."""
    was, now = before[f"{name}.allow_permanent"], after[f"{name}.allow_permanent"]
    if was and not now:
        return Phase.TIGHTEN
    if now:
        return Phase.RELAX
    longer = seconds(after[f"{name}.max_duration"]) >= seconds(before[f"{name}.max_duration"])
    return Phase.RELAX if longer else Phase.TIGHTEN


def read_admin_require(name: str, rule: RawObject) -> dict[str, Leaf]:
    return {f"{name}.require": policy_words(rule, ("mfa", "justification"))}


def write_admin_require(name: str, live: Mapping[str, Any], want: Leaves) -> dict[str, Any]:
    # ``Ticketing`` is not offered for admin assignments; one set live is kept, not dropped.
    kept = ["Ticketing"] if "Ticketing" in (live.get("enabledRules") or []) else []
    return merge_values(live, {"enabledRules": graph_words(want[f"{name}.require"]) + kept})


def admin_require_phase(name: str, before: Leaves, after: Leaves) -> Phase:
    """Dropping requirements relaxes; adding any requirement tightens, so assignments made
    in the same apply are not held to it."""
    was = set(words_of(before[f"{name}.require"]))
    now = set(words_of(after[f"{name}.require"]))
    return Phase.RELAX if now <= was else Phase.TIGHTEN


# --- the table ------------------------------------------------------------------------------
# The rows are built once, at import, before mutmut can switch a mutant on, so the builders are
# `no mutate` (docs/quality.md); a row's read/write/phase call the module-level functions
# above at use time, where mutmut does see them.


def _assignment_specs(name: str, level: str) -> list[RuleSpec]:  # pragma: no mutate block
    inverted = "Inverted: `allow_permanent: true` ⇔ `isExpirationRequired: false`."
    return [
        RuleSpec(
            id=f"Expiration_Admin_{level}",
            kind="Expiration",
            paths=(f"{name}.allow_permanent", f"{name}.max_duration"),
            read=bind(read_expiration, name),
            write=bind(write_expiration, name),
            phase=bind(expiration_phase, name),
            docs=(
                PropertyDoc("isExpirationRequired", f"{name}.allow_permanent", note=inverted),
                PropertyDoc(
                    "maximumDuration",
                    f"{name}.max_duration",
                    note="Ignored in diffs while permanence is allowed (Graph ignores it; "
                    "EasyPIM#272).",
                ),
                *COMMON_DOCS,
            ),
        ),
        RuleSpec(
            id=f"Enablement_Admin_{level}",
            kind="Enablement",
            paths=(f"{name}.require",),
            read=bind(read_admin_require, name),
            write=bind(write_admin_require, name),
            phase=bind(admin_require_phase, name),
            docs=(
                PropertyDoc(
                    "enabledRules",
                    f"{name}.require",
                    note="`MultiFactorAuthentication`→`mfa`, `Justification`→`justification`; "
                    "a set. `Ticketing` is not offered for admin assignments.",
                ),
                *COMMON_DOCS,
            ),
        ),
    ]


# long: a data table of four rules
def _activation_specs() -> list[RuleSpec]:  # pragma: no mutate block
    context = "activation.authentication_context"
    return [
        RuleSpec(
            id="Expiration_EndUser_Assignment",
            kind="Expiration",
            paths=("activation.max_duration",),
            read=_read_activation_duration,
            write=_write_activation_duration,
            phase=always_relax,
            docs=(
                PropertyDoc(
                    "isExpirationRequired",
                    reason="Activation always expires; Entra has no 'permanent activation'. "
                    "Written as `true`.",
                ),
                PropertyDoc("maximumDuration", "activation.max_duration"),
                *COMMON_DOCS,
            ),
        ),
        RuleSpec(
            id="Enablement_EndUser_Assignment",
            kind="Enablement",
            paths=("activation.require",),
            read=_read_activation_require,
            write=_write_activation_require,
            phase=_activation_require_phase,
            docs=(
                PropertyDoc(
                    "enabledRules",
                    "activation.require",
                    note="`MultiFactorAuthentication`→`mfa`, `Justification`→`justification`, "
                    "`Ticketing`→`ticket`; a set.",
                ),
                *COMMON_DOCS,
            ),
        ),
        approval_spec(),
        RuleSpec(
            id="AuthenticationContext_EndUser_Assignment",
            kind="AuthenticationContext",
            paths=(context,),
            read=_read_context,
            write=_write_context,
            phase=_context_phase,
            docs=(
                PropertyDoc(
                    "isEnabled", context, note="On when a context id is set; `null` turns it off."
                ),
                PropertyDoc(
                    "claimValue",
                    context,
                    note='The context id (`c1`…); `null` ≡ `""` when disabled.',
                ),
                *COMMON_DOCS,
            ),
        ),
    ]


def _directory_role_rules() -> tuple[RuleSpec, ...]:  # pragma: no mutate block
    eligible = _assignment_specs("eligible_assignment", "Eligibility")
    active = _assignment_specs("active_assignment", "Assignment")
    activation = _activation_specs()
    return (
        eligible[0],
        active[0],
        activation[0],
        eligible[1],
        active[1],
        *activation[1:],
        *notification_specs(),
        *extension_specs(),
    )


DIRECTORY_ROLE_RULES = _directory_role_rules()
