"""YAML text from data, for files a human reads: one serializer through which every value
passes (strings quoted and escaped as YAML needs, instants as plain UTC timestamps), comments
made safe, and a read-back check that the text holds exactly the data it was made from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import yaml

from pim_gitops.errors import PimGitopsError, PolicyError
from pim_gitops.loader import parse_yaml
from pim_gitops.wire import format_instant

#: Display names in comments are cut to this many characters.
COMMENT_LIMIT = 80
#: Wide enough that the serializer never folds a scalar over two lines.
_WIDTH = 1 << 30


class ExportError(PimGitopsError):
    """The tenant cannot be exported (e.g. the target directory is not empty)."""


# --- the serializer: the only way a value becomes YAML text ----------------------------------


class _Dumper(yaml.SafeDumper):
    """Safe types only; strings and instants through the representers below. A list under
    a key is indented as the hand-written lines beside it are (``  - item``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.representer.BaseRepresenter, data: str) -> yaml.ScalarNode:
    """Strings with a line break, tab or other non-printable character are double-quoted, so
    they are escaped and stay on one line; the emitter quotes the rest as YAML requires
    (``#``, ``: ``, leading indicators, ``yes``/``null``/``~``, numbers, look-alike dates)."""
    style = None if data.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_instant(dumper: yaml.representer.BaseRepresenter, data: datetime) -> yaml.Node:
    """An instant as a plain YAML timestamp, to the second, in UTC: ``2027-02-02T09:00:00Z``."""
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", format_instant(data))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(datetime, _represent_instant)


def dump(data: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(data),
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDTH,
    )


def line(key: str, value: Any) -> str:
    """``key: value`` as the serializer writes it, on one line (no newline at the end)."""
    text = dump({key: value})
    if text.count("\n") != 1:
        raise ExportError(f"{key}: {safe_comment(repr(value))} cannot be written on one line")
    return text[:-1]


def item(value: Any) -> str:
    """``- value``, a block sequence's entry as the serializer writes it, on one line."""
    text = dump({"x": [value]})
    if text.count("\n") != 2 or not text.startswith("x:\n  - "):
        raise ExportError(f"{safe_comment(repr(value))} cannot be written on one line")
    return text.split("\n")[1].lstrip(" ")


def written_instant(moment: datetime) -> datetime:
    """The instant as written (UTC, whole seconds), for the read-back check."""
    return moment.astimezone(UTC).replace(microsecond=0)


def safe_comment(text: str, limit: int = COMMENT_LIMIT) -> str:
    """Tenant text fit for a ``# ...`` comment: one line of printable characters (line breaks,
    tabs, control and format characters become spaces, runs of spaces one), cut to ``limit``."""
    clean = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def eol(clean: str) -> str:
    """An end-of-line comment of text already made safe (nothing when it is empty)."""
    return f"  # {clean}" if clean else ""


def checked(path: str, text: str, data: Mapping[str, Any]) -> str:
    """``text``, once it has been parsed back and found to hold exactly ``data``."""
    try:
        read = parse_yaml(text, path).data
    except PolicyError as exc:
        raise ExportError(f"{path}: the exported text does not parse: {exc}") from exc
    if read != data:
        raise ExportError(f"{path}: the exported text does not read back as the data written")
    return text
