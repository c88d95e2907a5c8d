"""PIM custom extensions (``/identityGovernance/privilegedAccess/customExtensions``, v1.0 and
beta, ``roleManagementCustomCalloutExtension``) and the custom extension rule of
role management policies (``unifiedRoleManagementPolicyCustomExtensionRule``, ids
``CustomExtension_…``). Seeded from ``privilegedAccessCustomExtensions`` (``beta_state.py``).
Sources in ``docs/emulator.md`` "PIM custom extensions".

- Custom extensions need Microsoft Entra ID Governance (preview); a tenant without it
  (``POST /_emulator/governance {"licensed": false}``, or ``no_p2_licence``) is refused
  ``403 MissingGovernanceLicense`` on the list and on a rule PATCH that names an extension
  (status and code *assumption*; the licence need is documented);
- a policy PATCH may carry a custom extension rule the policy lacks: it is added
  (*assumption*: real policies usually lack the rule); the rule route
  ``PATCH …/rules/CustomExtension_…`` of a rule the policy lacks answers 404 like any rule;
- the rule (ids ``CustomExtension_PreApproval_EndUser_Assignment`` and ``…_PostApproval_…``
  only) names its extension as ``customExtensionId`` (a string) or ``null`` (none), with
  ``isEnabled``; an id the tenant does not hold is 400 ``InvalidPolicyRule``; the
  ``@odata.type`` is required.
"""

from __future__ import annotations

import copy

from pim_gitops.emulator.errors import GraphReply, not_found
from pim_gitops.emulator.extension_rules import unlicensed
from pim_gitops.emulator.routes import Context, _collection, route

PATH = "identityGovernance/privilegedAccess/customExtensions"


@route("GET", PATH)
@route("GET", PATH, version="beta")
def list_extensions(ctx: Context, _: dict[str, str]) -> GraphReply:
    refused = unlicensed(ctx.store)
    if refused is not None:
        raise refused
    rows = copy.deepcopy(list(ctx.store.beta.extensions.values()))
    return _collection(ctx, rows, PATH, ("id", "displayName"))


@route("GET", PATH + "/{id}")
@route("GET", PATH + "/{id}", version="beta")
def get_extension(ctx: Context, p: dict[str, str]) -> GraphReply:
    refused = unlicensed(ctx.store)
    if refused is not None:
        raise refused
    found = ctx.store.beta.extensions.get(p["id"])
    if found is None:
        raise not_found(f"The custom extension '{p['id']}' does not exist.")
    body = {"@odata.context": ctx.metadata(f"{PATH}/$entity")}
    return GraphReply(200, body | copy.deepcopy(found))
