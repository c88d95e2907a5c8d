"""Read a policy directory: safe YAML with positions, duplicate keys refused, every error
of the run collected and reported as ``file:line:col: message``.

Layout::

    DIR/pim.yaml            tenant file (pim.yml also accepted)
    DIR/roles/**/*.yaml     one file per managed role
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pim_gitops.errors import (
    Location,
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
    PolicySyntaxError,
)
from pim_gitops.model import RoleFile, TenantFile

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


#: libyaml's parser when PyYAML was built with it (it is, on the common platforms): node
#: positions are the same, composing is several times faster.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader used only to compose nodes and construct scalars."""


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: _SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.count = 0

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
                raise PolicySyntaxError(
                    Location(self.source.path, *_mark(key_node)),
                    f"duplicate key {key!r} (first defined at line {first[0]})",
                )
            self.source.keys[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result


def parse_yaml(text: str, path: str) -> LoadedFile:
    """Parse one YAML document, recording positions; raises ``PolicySyntaxError``."""
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
        data = _Builder(loader, source).build(node, ())
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


# --- pydantic errors → file positions -------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """The model (or dict/sequence marker) an annotation leads to."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if (isinstance(found, type) and issubclass(found, BaseModel)) or isinstance(
                found, tuple
            ):
                return found
        return None
    if origin in (tuple, list):
        return ("seq", typing.get_args(annotation)[0])
    if origin is dict:
        return ("map", typing.get_args(annotation)[1])
    return annotation


def _fields_at(model: type[BaseModel], path: YamlPath) -> list[str]:
    current: Any = model
    for part in path:
        while isinstance(current, tuple):
            current = _unwrap(current[1])
            if isinstance(part, int) or current is None:
                break
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = _unwrap(info.annotation)
            if isinstance(current, tuple) and current[0] == "map":
                continue
        else:
            return []
    while isinstance(current, tuple):
        current = _unwrap(current[1])
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _data_path(data: Any, loc: tuple[Any, ...]) -> YamlPath:
    """Keep the parts of a pydantic ``loc`` that address the data (drop union tags)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            path.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str):
            # a key the data does not have (missing / extra): keep it as the last part
            path.append(part)
            current = None
    return tuple(path)


def _dotted(path: YamlPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def schema_errors(
    exc: ValidationError, loaded: LoadedFile, model: type[BaseModel]
) -> list[PolicyError]:
    """Translate pydantic errors into located, deduplicated policy errors."""
    seen: set[tuple[Location, str]] = set()
    errors: list[PolicyError] = []
    for err in exc.errors():
        path = _data_path(loaded.data, tuple(err["loc"]))
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else "?"
            allowed = _fields_at(model, path[:-1])
            message = f"unknown key {key!r}"
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
            elif allowed:
                message += f"; expected one of: {', '.join(sorted(allowed))}"
            location = loaded.source.key(path)
        elif kind == "missing":
            where = _dotted(path[:-1]) or "top level"
            message = f"missing required key {path[-1]!r} in {where}"
            location = loaded.source.value(path[:-1])
        else:
            text = str(err["msg"]).removeprefix("Value error, ")
            where = _dotted(path)
            message = f"{where}: {text}" if where else text
            location = loaded.source.value(path)
        if (location, message) not in seen:
            seen.add((location, message))
            errors.append(PolicySchemaError(location, message))
    # a union (e.g. ticket: str | {number}) yields one error per branch: keep the first per place
    by_place: dict[Location, PolicyError] = {}
    for error in errors:
        by_place.setdefault(error.location, error)
    return list(by_place.values())


def validate_file(loaded: LoadedFile, model: type[M]) -> M:
    if not isinstance(loaded.data, dict):
        raise PolicyErrors(
            [PolicySchemaError(loaded.source.value(()), "expected a mapping of keys at top level")]
        )
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        raise PolicyErrors(schema_errors(exc, loaded, model)) from exc


# --- directory --------------------------------------------------------------------------


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def role_files(root: Path) -> Iterator[Path]:
    roles = root / "roles"
    if roles.is_dir():
        yield from sorted(p for p in roles.rglob("*") if p.suffix in (".yaml", ".yml"))


def _read(path: Path, shown: str) -> LoadedFile:
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
    return parse_yaml(text, shown)


def _load_one(
    path: Path, shown: str, model: type[M], errors: list[PolicyError]
) -> tuple[M | None, LoadedFile | None]:
    try:
        loaded = _read(path, shown)
    except PolicyError as exc:
        errors.append(exc)
        return None, None
    try:
        return validate_file(loaded, model), loaded
    except PolicyErrors as exc:
        errors.extend(exc.errors)
    return None, loaded


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
    return PolicySet(
        str(root),
        tenant,
        tenant_loaded.source if tenant is not None and tenant_loaded else None,
        tuple(roles),
        tuple(errors),
        None if tenant is not None else _raw_template_names(tenant_loaded),
    )
