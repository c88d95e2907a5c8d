"""The published controls a rule may cite, with their text: CISA SCuBA's Entra ID baseline,
section MS.AAD.7 (v1 ids), and the CIS Microsoft 365 Foundations Benchmark, v5.0.0
numbering (unchanged in v6.0.x). A rule can cite only an id listed here (``registry.rule``
fails at import otherwise), and its generated page quotes the text of every id it cites.

The SCuBA texts are quoted from the baseline as shipped in ScubaGear 1.8.0. The CIS texts
are the recommendation titles and the sentences of description, audit or remediation that a
rule decides, quoted from published copies of the benchmark text (Maester's CIS v6.0.1 test
documentation; Tenable's and monkey365's v4.0.0/v5.0.0 audit items), the CIS PDF itself
being licensed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SCUBA_URL = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"
CIS_URL = "https://www.cisecurity.org/benchmark/microsoft_365"
#: Which CIS version the ids follow, and why (shown in docs/rules/README.md).
CIS_VERSION = "v5.0.0"
CIS_VERSION_NOTE = (
    "CIS ids follow the CIS Microsoft 365 Foundations Benchmark v5.0.0 numbering: every id "
    "cited (5.3.5, approval for Privileged Role Administrator, included) is a v5.0.0 "
    "recommendation, and the numbers 1.1.1-1.1.4 and 5.3.1-5.3.5 are unchanged in v6.0.x "
    "(Maester's CIS tests, tagged `CIS M365 v6.0.1`, use the same ids), so an id reads the "
    "same against either version. The v6.0.x text itself was not available to compare word "
    "by word."
)


@dataclass(frozen=True)
class Control:
    """One published control: its id as findings show it, its baseline, and its words."""

    id: str
    baseline: str
    text: str
    url: str


def _scuba(number: int, text: str) -> Control:
    return Control(
        f"MS.AAD.7.{number}v1",
        "CISA SCuBA M365 Entra ID baseline",
        text,
        f"{SCUBA_URL}#msaad7{number}v1",
    )


def _cis(number: str, text: str) -> Control:
    return Control(
        f"CIS {number}", f"CIS Microsoft 365 Foundations Benchmark {CIS_VERSION}", text, CIS_URL
    )


_KNOWN = (
    _scuba(
        1,
        "A minimum of two users and a maximum of eight users SHALL be provisioned with the "
        "Global Administrator role.",
    ),
    _scuba(
        2,
        "Privileged users SHALL be provisioned with finer-grained roles instead of Global "
        "Administrator.",
    ),
    _scuba(
        3,
        "Privileged users SHALL be provisioned cloud-only accounts separate from an "
        "on-premises directory or other federated identity providers.",
    ),
    _scuba(
        4,
        "Permanent active role assignments SHALL NOT be allowed for highly privileged roles. "
        "... Note: Exceptions to this policy are: Emergency access accounts that need "
        "perpetual access to the tenant in the rare event of system degradation or other "
        "scenarios. Some types of service accounts that require a user account with "
        "privileged roles; since these accounts are used by software programs, they cannot "
        "perform role activation.",
    ),
    _scuba(
        5,
        "Provisioning users to highly privileged roles SHALL NOT occur outside of a PAM system.",
    ),
    _scuba(6, "Activation of the Global Administrator role SHALL require approval."),
    _scuba(7, "Eligible and active highly privileged role assignments SHALL trigger an alert."),
    _scuba(8, "User activation of the Global Administrator role SHALL trigger an alert."),
    _scuba(9, "User activation of other highly privileged roles SHOULD trigger an alert."),
    _cis(
        "1.1.1",
        "Ensure Administrative accounts are cloud-only. ... Ensure administrative accounts "
        "are not On-premises sync enabled.",
    ),
    _cis(
        "1.1.2",
        "Ensure two emergency access accounts have been defined. ... The accounts use the "
        "default .onmicrosoft.com domain and not the organization's. The accounts are "
        "cloud-only. ... The accounts are assigned the Global Administrator directory role.",
    ),
    _cis(
        "1.1.3",
        "Ensure that between two and four global admins are designated. Between two and "
        "four global administrators should be designated in the tenant.",
    ),
    _cis(
        "1.1.4",
        "Ensure administrative accounts use licenses with a reduced application footprint.",
    ),
    _cis(
        "5.3.1",
        "Ensure 'Privileged Identity Management' is used to manage roles. ... Organizations "
        "should remove permanent members from privileged Office 365 roles and instead make "
        "them eligible, through a JIT activation workflow.",
    ),
    _cis("5.3.2", "Ensure 'Access reviews' for Guest Users are configured."),
    _cis(
        "5.3.3",
        "Ensure 'Access reviews' for privileged roles are configured. ... Ensure Access "
        "reviews for high privileged Entra ID roles are done monthly or more frequently. "
        "These reviews should include at a minimum the roles listed below: Global "
        "Administrator, Exchange Administrator, SharePoint Administrator, Teams "
        "Administrator, Security Administrator. ... Set Frequency to Monthly or more "
        "frequently. Set Duration (in days) to at most 4. Set End to Never. ... Set "
        "Assignment type to All active and eligible assignments. Set Reviewers member(s) "
        "responsible for this type of review, other than self. ... Set Auto apply results "
        "to resource to Enable. Set If reviewers don't respond to No change. ... Set Show "
        "recommendations to Enable. Set Require reason on approval to Enable. Set Mail "
        "notifications to Enable. Set Reminders to Enable.",
    ),
    _cis(
        "5.3.4",
        "Ensure approval is required for Global Administrator role activation. ... Check "
        "the Require approval to activate box. Add at least two approvers.",
    ),
    _cis(
        "5.3.5",
        "Ensure approval is required for Privileged Role Administrator activation. ... "
        "Check the Require approval to activate box. Add at least two approvers.",
    ),
)
#: Control id as findings show it (``MS.AAD.7.4v1``, ``CIS 5.3.1``) → the control.
CONTROLS: Mapping[str, Control] = MappingProxyType({c.id: c for c in _KNOWN})


def control(control_id: str) -> Control:
    """The control an id names; ``KeyError`` for an id no baseline publishes."""
    return CONTROLS[control_id]
