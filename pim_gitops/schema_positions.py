"""Pydantic errors of a policy file → located, deduplicated ``PolicyError``s: each error
at the ``file:line:col`` of the key or value it is about, an unknown key with a "did you
mean" (or the keys allowed there), a union's branches reported once per place."""

from __future__ import annotations

import difflib
import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from pim_gitops.errors import Location, PolicyError, PolicyErrors, PolicySchemaError

if TYPE_CHECKING:
    from pim_gitops.loader import LoadedFile, YamlPath

M = TypeVar("M", bound=BaseModel)


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
