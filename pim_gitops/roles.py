"""Built-in Microsoft Entra role templates that policy files may name without a tenant.

Template ids are the same in every tenant (learn: "Microsoft Entra built-in roles").
A name not listed here (a custom role, a newer built-in) is resolved against the tenant
at plan time.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

GLOBAL_ADMINISTRATOR: Final = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR: Final = "e8611ab8-c189-46e8-94e1-60213ab1f814"

BUILTIN_ROLES: Final = MappingProxyType(
    {
        "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
        "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
        "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f": "Security Operator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
        "31392ffb-586c-42d1-9346-e59415a2cc4e": "Exchange Recipient Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
        "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
        "cf1c38e5-3621-4004-a7cb-879624dced7c": "Application Developer",
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
        "0526716b-113d-4c15-b2c8-68e3c22b9f80": "Authentication Policy Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
        "baf37b3a-610e-45da-9e62-d9d1e5e8914b": "Teams Communications Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
        "17315797-102d-40b4-93e0-432062caca18": "Compliance Administrator",
        "e6d1a23a-da11-4be4-9570-befc86d067a7": "Compliance Data Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
        "4a5d8f65-41da-4de4-8968-e035b65339cf": "Reports Reader",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
        "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
        "95e79109-95c0-4d8e-aee3-d01accf2d47b": "Guest Inviter",
        "44367163-eba1-44c3-98af-f5787879f96a": "Dynamics 365 Administrator",
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc": "Power Platform Administrator",
        "e3973bdf-4987-49ae-837a-ba8e231c7286": "Azure DevOps Administrator",
        "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e": "Identity Governance Administrator",
        "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b": "Message Center Reader",
        "f023fd81-a637-4b56-95fd-791ac0226033": "Service Support Administrator",
        "c430b396-e693-46cc-96f3-db01bf8bb62a": "Attack Simulation Administrator",
        "b5a8dcf3-09d5-43a9-a639-8e29ef291470": "Knowledge Administrator",
        "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f": "Printer Administrator",
        "0964bb5e-9bdb-4d7b-ac29-58e794862a40": "Search Administrator",
        "11451d60-acb2-45eb-a7d6-43d0f0125c13": "Windows 365 Administrator",
        "be2f45a1-457d-42af-a067-6ec1fa63bc45": "External Identity Provider Administrator",
        "8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
        "db506228-d27e-4b7d-95e5-295956d6615f": "Agent ID Administrator",
        "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe": "Attribute Provisioning Administrator",
        "422218e4-db15-4ef9-bbe0-8afb41546d79": "Attribute Provisioning Reader",
        "25a516ed-2fa0-40ea-a2d0-12923a21473a": "Authentication Extensibility Administrator",
        "aaf43236-0c0d-4d5f-883a-6955382ac081": "B2C IEF Keyset Administrator",
        "59d46f88-662b-457b-bceb-5c3809e5908f": "Lifecycle Workflows Administrator",
        "4ba39ca4-527c-499a-b93d-d9b492c50246": "Partner Tier1 Support",
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8": "Partner Tier2 Support",
        "7495fdc4-34c4-4d15-a289-98788ce399fd": "Azure Information Protection Administrator",
        "5c4f9dcd-47dc-4cf7-8c9a-9e4207cbfc91": "Customer LockBox Access Approver",
        "a9ea8996-122f-4c74-9520-8edcd192826c": "Fabric Administrator",
        "74ef975b-6605-40af-a5d2-b9539d836353": "Kaizala Administrator",
        "9f06204d-73c1-4d4c-880a-6edb90606fd8": "Microsoft Entra Joined Device Local Administrator",
        "75941009-915a-4869-abe7-691bff18279e": "Skype for Business Administrator",
    }
)

#: CISA SCuBA MS.AAD.7 "highly privileged roles" (the baseline's list), by template id.
HIGHLY_PRIVILEGED: Final = frozenset(
    {
        GLOBAL_ADMINISTRATOR,
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
        "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",  # Hybrid Identity Administrator
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
        "158c047a-c907-4556-b7ef-446551a6b5f7",  # Cloud Application Administrator
    }
)

_BY_NAME: Final = MappingProxyType({name.casefold(): tid for tid, name in BUILTIN_ROLES.items()})


def builtin_role_by_name(name: str) -> str | None:
    """Template id of a built-in role by display name (case-insensitive), if known."""
    return _BY_NAME.get(name.strip().casefold())


#: The page listing the roles Microsoft Entra assigns at administrative-unit scope.
AU_SCOPE_SOURCE: Final = (
    "https://learn.microsoft.com/entra/identity/role-based-access-control/"
    "admin-units-assign-roles#roles-that-can-be-assigned-with-administrative-unit-scope"
)
#: The built-in roles that page lists, by template id. Any custom role may be scoped too
#: ("as long as the custom role's permissions include at least one permission relevant to
#: users, groups, or devices": Graph checks that; the tenant state holds no permissions).
AU_SCOPABLE: Final = frozenset(
    {
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",  # Authentication Administrator
        "7698a772-787b-4ac8-901f-60d6b08affd2",  # Cloud Device Administrator
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",  # Groups Administrator
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",  # License Administrator
        "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
        "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f",  # Printer Administrator
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",  # Privileged Authentication Administrator
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
        "69091246-20e8-4a56-aa4d-066075b2a7a8",  # Teams Administrator
        "3d762c5a-1b6c-493f-843e-55a3b42923d4",  # Teams Devices Administrator
        "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
    }
)


def scopable_to_administrative_unit(template_id: str, is_builtin: bool) -> bool:
    """Whether Graph assigns this role at an administrative unit's scope: a built-in role
    on Microsoft's list (``AU_SCOPE_SOURCE``), or any custom role."""
    return not is_builtin or template_id.lower() in AU_SCOPABLE
