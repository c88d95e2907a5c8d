"""The privileged-role set the rules judge (``lint.privileged_roles``), and the baselines'
own lists, which decide the control ids a finding carries whatever set is configured.

* ``cisa``: the eight "highly privileged roles" of CISA SCuBA's Entra ID baseline, section
  MS.AAD.7 (default, and for the ``cisa`` preset);
* ``cis``: the roles CIS Microsoft 365 Foundations v5.0.0 5.3.1 names as to be managed by
  PIM (the ``cis`` preset);
* ``microsoft``: the roles Microsoft marks privileged, from the tenant's role definitions'
  ``isPrivileged`` when the snapshot has it, else Microsoft's published list (the ``strict``
  preset judges these and SCuBA's eight);
* a list of role names (built-in or custom, by display name)."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.compile import DesiredState
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.roles import (
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    builtin_role_by_name,
)
from pim_gitops.state import TenantState

USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
SHAREPOINT_ADMINISTRATOR = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
HYBRID_IDENTITY_ADMINISTRATOR = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
APPLICATION_ADMINISTRATOR = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
CLOUD_APPLICATION_ADMINISTRATOR = "158c047a-c907-4556-b7ef-446551a6b5f7"

#: SCuBA MS.AAD.7 "highly privileged roles".
SCUBA_HIGHLY_PRIVILEGED = frozenset(
    {
        GLOBAL_ADMINISTRATOR,
        PRIVILEGED_ROLE_ADMINISTRATOR,
        USER_ADMINISTRATOR,
        SHAREPOINT_ADMINISTRATOR,
        EXCHANGE_ADMINISTRATOR,
        HYBRID_IDENTITY_ADMINISTRATOR,
        APPLICATION_ADMINISTRATOR,
        CLOUD_APPLICATION_ADMINISTRATOR,
    }
)

#: CIS M365 Foundations v5.0.0 5.3.1 ("Inspect at a minimum the following sensitive roles to
#: ensure the members are Eligible and not Permanent"): its 24 roles, by template id.
CIS_PIM_ROLES = frozenset(
    {
        APPLICATION_ADMINISTRATOR,
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",  # Authentication Administrator
        "7495fdc4-34c4-4d15-a289-98788ce399fd",  # Azure Information Protection Administrator
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",  # Billing Administrator
        CLOUD_APPLICATION_ADMINISTRATOR,
        "7698a772-787b-4ac8-901f-60d6b08affd2",  # Cloud Device Administrator
        "17315797-102d-40b4-93e0-432062caca18",  # Compliance Administrator
        "5c4f9dcd-47dc-4cf7-8c9a-9e4207cbfc91",  # Customer LockBox Access Approver
        EXCHANGE_ADMINISTRATOR,
        "a9ea8996-122f-4c74-9520-8edcd192826c",  # Fabric Administrator
        GLOBAL_ADMINISTRATOR,
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
        "3a2c62db-5318-420d-8d74-23affee5d9d5",  # Intune Administrator
        "74ef975b-6605-40af-a5d2-b9539d836353",  # Kaizala Administrator
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",  # License Administrator
        "9f06204d-73c1-4d4c-880a-6edb90606fd8",  # Microsoft Entra Joined Device Local Admin.
        "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",  # Privileged Authentication Administrator
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
        SHAREPOINT_ADMINISTRATOR,
        "75941009-915a-4869-abe7-691bff18279e",  # Skype for Business Administrator
        "69091246-20e8-4a56-aa4d-066075b2a7a8",  # Teams Administrator
        USER_ADMINISTRATOR,
    }
)

#: The 29 built-in roles Microsoft labels PRIVILEGED ("Microsoft Entra built-in roles",
#: permissions-reference, January 2026). Graph exposes the label as ``isPrivileged`` on
#: beta only, which the reader does not call; a snapshot that carries it is used instead.
MICROSOFT_PRIVILEGED = frozenset(
    {
        "db506228-d27e-4b7d-95e5-295956d6615f",  # Agent ID Administrator
        APPLICATION_ADMINISTRATOR,
        "cf1c38e5-3621-4004-a7cb-879624dced7c",  # Application Developer
        "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe",  # Attribute Provisioning Administrator
        "422218e4-db15-4ef9-bbe0-8afb41546d79",  # Attribute Provisioning Reader
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",  # Authentication Administrator
        "25a516ed-2fa0-40ea-a2d0-12923a21473a",  # Authentication Extensibility Administrator
        "aaf43236-0c0d-4d5f-883a-6955382ac081",  # B2C IEF Keyset Administrator
        CLOUD_APPLICATION_ADMINISTRATOR,
        "7698a772-787b-4ac8-901f-60d6b08affd2",  # Cloud Device Administrator
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",  # Conditional Access Administrator
        "9360feb5-f418-4baa-8175-e2a00bac4301",  # Directory Writers
        "8329153b-31d0-4727-b945-745eb3bc5f31",  # Domain Name Administrator
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",  # External Identity Provider Administrator
        GLOBAL_ADMINISTRATOR,
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",  # Global Reader
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
        HYBRID_IDENTITY_ADMINISTRATOR,
        "3a2c62db-5318-420d-8d74-23affee5d9d5",  # Intune Administrator
        "59d46f88-662b-457b-bceb-5c3809e5908f",  # Lifecycle Workflows Administrator
        "4ba39ca4-527c-499a-b93d-d9b492c50246",  # Partner Tier1 Support
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",  # Partner Tier2 Support
        "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",  # Privileged Authentication Administrator
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
        "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",  # Security Operator
        "5d6b6bb7-de71-4623-b4af-96380a352509",  # Security Reader
        USER_ADMINISTRATOR,
    }
)

#: The set each preset judges when ``lint.privileged_roles`` is not given. strict judges
#: Microsoft's list together with SCuBA's eight: Microsoft does not label Exchange or
#: SharePoint Administrator, and strict never checks less than cisa.
PRESET_SETS = {"default": "cisa", "cisa": "cisa", "cis": "cis", "strict": "strict"}


def _microsoft(tenant: TenantState | None) -> frozenset[str]:
    marked = (
        {r.template_id for r in tenant.roles.values() if r.is_privileged}
        if tenant is not None and any(r.is_privileged is not None for r in tenant.roles.values())
        else set()
    )
    return frozenset(marked) if marked else MICROSOFT_PRIVILEGED


def _named(
    desired: DesiredState, tenant: TenantState | None, names: Iterable[str]
) -> frozenset[str]:
    found: set[str] = set()
    unknown: list[str] = []
    by_name = (
        {r.display_name.casefold(): r.template_id for r in tenant.roles.values()} if tenant else {}
    )
    for name in names:
        template = builtin_role_by_name(name) or by_name.get(name.strip().casefold())
        if template is None:
            unknown.append(name)
            found.add(f"name:{name.strip().casefold()}")  # a custom role, offline
        else:
            found.add(template)
    if unknown and tenant is not None:
        source = desired.tenant_source
        where = (
            source.value(("lint", "privileged_roles")) if source else Location(desired.tenant_file)
        )
        raise LintConfigError(
            f"{where}: lint.privileged_roles names roles this tenant does not have: "
            + ", ".join(sorted(unknown))
        )
    return frozenset(found)


def privileged_set(
    desired: DesiredState, tenant: TenantState | None, preset: str
) -> tuple[str, frozenset[str]]:
    """The name of the configured set and its template ids."""
    chosen = desired.lint.privileged_roles or PRESET_SETS[preset]
    if chosen == "cisa":
        return "cisa", SCUBA_HIGHLY_PRIVILEGED
    if chosen == "cis":
        return "cis", CIS_PIM_ROLES
    if chosen == "microsoft":
        return "microsoft", _microsoft(tenant)
    if chosen == "strict":
        return "microsoft+cisa", _microsoft(tenant) | SCUBA_HIGHLY_PRIVILEGED
    return "custom", _named(desired, tenant, chosen)
