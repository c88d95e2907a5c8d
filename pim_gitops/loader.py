"""Read a policy directory: safe YAML with positions, duplicate keys refused, every error
of the run collected and reported as ``file:line:col: message``.

Layout::

    DIR/pim.yaml            tenant file (pim.yml also accepted)
    DIR/roles/**/*.yaml     one file per managed role
    DIR/groups/**/*.yaml    one file per managed group (PIM for Groups)
    DIR/reviews/**/*.yaml   one file per access review
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from pim_gitops.errors import (
    Location,
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
    PolicySyntaxError,
)
from pim_gitops.model import RoleFile, TenantFile
from pim_gitops.model_groups import GroupFile
from pim_gitops.model_reviews import ReviewFile
from pim_gitops.schema_positions import validate_file

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 100_000
TENANT_FILES = ("pim.yaml", "pim.yml")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

YamlPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SourceMap:
    """Where each key and value of one YAML file sits."""

    path: str
    keys: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)

    def _find(self, table: dict[YamlPath, tuple[int, int]], loc: YamlPath) -> Location:
        for end in range(len(loc), -1, -1):
            mark = table.get(loc[:end])
            if mark is not None:
                return Location(self.path, mark[0], mark[1])
        return Location(self.path, 1, 1)

    def key(self, loc: YamlPath) -> Location:
        """The position of the key at ``loc`` (or of its closest parent)."""
        if loc in self.keys:
            return self._find(self.keys, loc)
        return self.value(loc)

    def value(self, loc: YamlPath) -> Location:
        """The position of the value at ``loc`` (or of its closest parent)."""
        if loc in self.values:
            return self._find(self.values, loc)
        return self._find(self.keys, loc) if loc[:-1] in self.keys else self._find(self.values, loc)


@dataclass(frozen=True)
class LoadedFile:
    path: str
    data: Any
    source: SourceMap


@dataclass(frozen=True)
class PolicySet:
    """The validated files of a policy directory."""

    root: str
    #: ``None`` when the tenant file is missing or invalid (see ``errors``).
    tenant: TenantFile | None
    tenant_source: SourceMap | None
    roles: tuple[tuple[RoleFile, SourceMap], ...]
    #: Problems of files that could not be loaded; compile adds its own and raises all.
    errors: tuple[PolicyError, ...] = ()
    #: Template names read from an invalid tenant file (``None`` when it loaded or is absent).
    fallback_templates: frozenset[str] | None = None
    #: The tenant file as read when it failed validation (its ``lint`` is still checked).
    fallback_tenant: LoadedFile | None = None
    #: The group files (``groups/**/*.yaml``) that loaded, sorted by path.
    groups: tuple[tuple[GroupFile, SourceMap], ...] = ()
    #: The review files (``reviews/**/*.yaml``) that loaded, sorted by path.
    reviews: tuple[tuple[ReviewFile, SourceMap], ...] = ()


#: libyaml's parser when PyYAML was built with it (it is, on the common platforms): node
#: positions are the same, composing is several times faster.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader used only to compose nodes and construct scalars."""


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(
        self, loader: _SafeLoader, source: SourceMap, problems: list[PolicyError] | None
    ) -> None:
        self.loader = loader
        self.source = source
        self.count = 0
        #: Where duplicate keys are collected (the first value kept); ``None``: raise.
        self.problems = problems

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise PolicySyntaxError(
                Location(self.source.path, *_mark(node)),
                f"document expands to more than {MAX_NODES} nodes (YAML alias bomb?); refused",
            )
        self.source.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's value. A timestamp that is no calendar value (``2027-02-29``,
        ``T25:00:00Z``) stays text, so the model reports it at its place with the other
        errors of the file; PyYAML raises ``ValueError`` from its constructor there."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            if node.tag == TIMESTAMP_TAG:
                return str(node.value)
            raise PolicySyntaxError(
                Location(self.source.path, *_mark(node)), f"cannot read {node.value!r}: {exc}"
            ) from exc

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise PolicySyntaxError(
                    Location(self.source.path, *_mark(key_node)), "mapping keys must be plain text"
                )
            key = self.scalar(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                first = self.source.keys[(*path, key)]
                problem = PolicySyntaxError(
                    Location(self.source.path, *_mark(key_node)),
                    f"duplicate key {key!r} (first defined at line {first[0]})",
                )
                if self.problems is None:
                    raise problem
                self.problems.append(problem)
                continue
            self.source.keys[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result


def parse_yaml(text: str, path: str, problems: list[PolicyError] | None = None) -> LoadedFile:
    """Parse one YAML document, recording positions; raises ``PolicySyntaxError``.

    With ``problems``, a duplicate key is appended there (its first value kept) and parsing
    goes on, so the rest of the file is still checked in the same run."""
    source = SourceMap(path)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise PolicySyntaxError(
            Location(path), f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; refused"
        )
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicySyntaxError(Location(path, 1, 1), "file is empty")
        data = _Builder(loader, source, problems).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise PolicySyntaxError(Location(path, line, col), f"YAML syntax: {problem}") from exc
    except yaml.YAMLError as exc:
        raise PolicySyntaxError(Location(path), f"YAML error: {exc}") from exc
    except RecursionError as exc:
        raise PolicySyntaxError(Location(path), "document is nested too deeply") from exc
    finally:
        loader.dispose()
    return LoadedFile(path, data, source)


# --- directory --------------------------------------------------------------------------


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def role_files(root: Path, folder: str = "roles") -> Iterator[Path]:
    """The YAML files under ``root/folder`` (``roles``, ``groups``), sorted."""
    roles = root / folder
    if roles.is_dir():
        yield from sorted(p for p in roles.rglob("*") if p.suffix in (".yaml", ".yml"))


def _read(path: Path, shown: str, problems: list[PolicyError]) -> LoadedFile:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PolicySyntaxError(
                Location(shown), f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; refused"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicySyntaxError(Location(shown), "file is not UTF-8 text") from exc
    except OSError as exc:
        raise PolicySyntaxError(Location(shown), f"cannot read: {exc.strerror}") from exc
    return parse_yaml(text, shown, problems)


def _load_one(
    path: Path, shown: str, model: type[M], errors: list[PolicyError]
) -> tuple[M | None, LoadedFile | None]:
    duplicates: list[PolicyError] = []
    try:
        loaded = _read(path, shown, duplicates)
    except PolicyError as exc:
        errors.append(exc)
        return None, None
    errors.extend(duplicates)
    try:
        validated = validate_file(loaded, model)
    except PolicyErrors as exc:
        errors.extend(exc.errors)
        return None, loaded
    return (None, loaded) if duplicates else (validated, loaded)


def _raw_template_names(loaded: LoadedFile | None) -> frozenset[str] | None:
    """Template names of a tenant file that failed validation, so role files can still be
    checked for unknown templates in the same run."""
    if loaded is None or not isinstance(loaded.data, dict):
        return None
    templates = loaded.data.get("templates")
    return frozenset(str(k) for k in templates) if isinstance(templates, dict) else frozenset()


def load_policies(directory: str | Path) -> PolicySet:
    """Load and validate every file of a policy directory.

    File-level problems are collected in ``PolicySet.errors`` (not raised) so that the
    compiler can add its cross-file findings and report everything of a run at once.
    """
    root = Path(directory)
    if not root.is_dir():
        raise PolicyErrors([PolicySchemaError(Location(str(root)), "not a directory")])
    errors: list[PolicyError] = []
    tenant_path = next((root / n for n in TENANT_FILES if (root / n).is_file()), None)
    tenant: TenantFile | None = None
    tenant_loaded: LoadedFile | None = None
    if tenant_path is None:
        errors.append(
            PolicySchemaError(
                Location(_display(root, root)),
                "no tenant file: expected pim.yaml (tenant id, defaults, templates)",
            )
        )
    else:
        tenant, tenant_loaded = _load_one(
            tenant_path, _display(tenant_path, root), TenantFile, errors
        )
    roles: list[tuple[RoleFile, SourceMap]] = []
    for path in role_files(root):
        role, loaded = _load_one(path, _display(path, root), RoleFile, errors)
        if role is not None and loaded is not None:
            roles.append((role, loaded.source))
    groups: list[tuple[GroupFile, SourceMap]] = []
    for path in role_files(root, "groups"):
        group, loaded = _load_one(path, _display(path, root), GroupFile, errors)
        if group is not None and loaded is not None:
            groups.append((group, loaded.source))
    reviews: list[tuple[ReviewFile, SourceMap]] = []
    for path in role_files(root, "reviews"):
        review, loaded = _load_one(path, _display(path, root), ReviewFile, errors)
        if review is not None and loaded is not None:
            reviews.append((review, loaded.source))
    return PolicySet(
        str(root),
        tenant,
        tenant_loaded.source if tenant is not None and tenant_loaded else None,
        tuple(roles),
        tuple(errors),
        None if tenant is not None else _raw_template_names(tenant_loaded),
        None if tenant is not None else tenant_loaded,
        tuple(groups),
        tuple(reviews),
    )
