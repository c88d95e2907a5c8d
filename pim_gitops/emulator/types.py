"""The properties each directory-object type has, so ``$select`` can be strict per type as
Graph is: ``GET /users?$select=appId`` answers ``400 BadRequest`` "Parsing OData Select and
Expand failed: Could not find a property named 'appId' on type 'microsoft.graph.user'."
(the message shape of microsoft-graph-docs-contrib#4529; the property lists follow the v1.0
resource pages for user, group and servicePrincipal on learn.microsoft.com, a subset:
the properties a PIM tool may ask for, and every property the emulator stores)."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.emulator.errors import GraphFault

_DIRECTORY_OBJECT = "id deletedDateTime"


def _props(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


PROPERTIES: dict[str, frozenset[str]] = {
    "user": _props(
        _DIRECTORY_OBJECT,
        "accountEnabled ageGroup assignedLicenses businessPhones city companyName",
        "country createdDateTime creationType department displayName employeeId",
        "employeeType externalUserState givenName identities jobTitle mail",
        "mailNickname mobilePhone officeLocation onPremisesDistinguishedName",
        "onPremisesDomainName onPremisesImmutableId onPremisesLastSyncDateTime",
        "onPremisesSamAccountName onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled onPremisesUserPrincipalName otherMails",
        "passwordPolicies postalCode preferredLanguage proxyAddresses",
        "securityIdentifier signInActivity state streetAddress surname",
        "usageLocation userPrincipalName userType",
    ),
    "group": _props(
        _DIRECTORY_OBJECT,
        "classification createdDateTime description displayName",
        "expirationDateTime groupTypes isAssignableToRole mail mailEnabled",
        "mailNickname membershipRule membershipRuleProcessingState",
        "onPremisesDomainName onPremisesLastSyncDateTime onPremisesNetBiosName",
        "onPremisesSamAccountName onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled preferredDataLocation proxyAddresses",
        "renewedDateTime securityEnabled securityIdentifier theme visibility",
    ),
    "servicePrincipal": _props(
        _DIRECTORY_OBJECT,
        "accountEnabled addIns alternativeNames appDescription appDisplayName",
        "appId appOwnerOrganizationId appRoleAssignmentRequired appRoles",
        "applicationTemplateId description disabledByMicrosoftStatus",
        "displayName homepage info keyCredentials loginUrl logoutUrl notes",
        "notificationEmailAddresses oauth2PermissionScopes passwordCredentials",
        "preferredSingleSignOnMode replyUrls servicePrincipalNames",
        "servicePrincipalType signInAudience tags tokenEncryptionKeyId",
        "verifiedPublisher",
    ),
}


def check_select(kind: str, select: Iterable[str]) -> None:
    """Raise Graph's 400 for the first ``$select`` field that ``kind`` does not have."""
    known = PROPERTIES[kind]
    for name in select:
        if name not in known:
            raise GraphFault(
                400,
                "BadRequest",
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type 'microsoft.graph.{kind}'.",
            )
