"""A role file's ``managed_scopes`` as compiled: the scopes as written, with where each is
written (resolved against the tenant at plan time: ``scopes.resolve_managed``)."""

from __future__ import annotations

from pim_gitops.loader import SourceMap
from pim_gitops.model import RoleFile
from pim_gitops.scopes import ALL, DEFAULT_MANAGED, ManagedScopes


def managed_scopes_of(role: RoleFile, source: SourceMap) -> ManagedScopes:
    written = role.managed_scopes
    if written == (ALL,):
        return ManagedScopes(every=True, written=(), locations=(source.value(("managed_scopes",)),))
    if "managed_scopes" not in role.model_fields_set:
        return DEFAULT_MANAGED
    locations = tuple(source.value(("managed_scopes", i)) for i in range(len(written)))
    return ManagedScopes(written=tuple(written), locations=locations)
