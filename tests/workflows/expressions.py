"""GitHub Actions expressions (`${{ … }}`), the subset the workflows use: literals, context
paths (`inputs.policy-dir`, `steps.plan.outputs.code`, `github.event.pull_request.number`),
`!`, `==`, `!=`, `&&`, `||`, parentheses, and the functions `always()`, `success()`,
`failure()`, `cancelled()`, `contains()`, `startsWith()`, `endsWith()`, `format()`.

Semantics follow https://docs.github.com/actions/reference/evaluate-expressions-in-workflows-and-actions:
`&&`/`||` return an operand, `==` compares strings case-insensitively, and a missing
property is null."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||[!().,\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


class ExpressionError(ValueError):
    """An expression the runner cannot read (a workflow bug or an unsupported feature)."""


@dataclass(frozen=True)
class Status:
    """What the status functions answer for the step or job being judged."""

    failed: bool = False
    cancelled: bool = False
    #: A job whose needs did not all succeed: ``success()`` is false without a failure.
    blocked: bool = False


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read expression at {text[position:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class Parser:
    """Recursive descent over the tokens; evaluates as it parses (no short-circuit needed:
    the operands have no side effects)."""

    def __init__(self, text: str, context: Mapping[str, Any], status: Status) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.context = context
        self.status = status
        self.text = text

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise ExpressionError(f"unexpected end of {self.text!r}")
        token = self.tokens[self.index]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r} in {self.text!r}, got {token[1]!r}")
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self.disjunction()
        if self.index != len(self.tokens):
            raise ExpressionError(f"trailing tokens in {self.text!r}")
        return value

    def disjunction(self) -> Any:
        value = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            value = value if truthy(value) else right
        return value

    def conjunction(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            same = equal(value, self.unary())
            value = same if op == "==" else not same
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            return self.call(text)
        return self.path(self.context.get(text))

    def path(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.disjunction()
                self.take("]")
            value = member(value, key)
        return value

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ")":
            args.append(self.disjunction())
            if self.peek() == ",":
                self.take()
        self.take(")")
        function = self.functions().get(name.lower())
        if function is None:
            raise ExpressionError(f"unsupported function {name}()")
        return function(*args)

    def functions(self) -> dict[str, Callable[..., Any]]:
        status = self.status
        return {
            "always": lambda: True,
            "success": lambda: not (status.failed or status.cancelled or status.blocked),
            "failure": lambda: status.failed,
            "cancelled": lambda: status.cancelled,
            "contains": lambda a, b: (
                str(b).lower() in (a if isinstance(a, list) else str(a).lower())
            ),
            "startswith": lambda a, b: str(a).lower().startswith(str(b).lower()),
            "endswith": lambda a, b: str(a).lower().endswith(str(b).lower()),
            "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: text(a[int(m[1])]), f),
        }


def member(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get(str(key))
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return bool(left == right)
    return text(left) == text(right)


def text(value: Any) -> str:
    """An expression value as GitHub writes it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(expression: str, context: Mapping[str, Any], status: Status = Status()) -> Any:
    """One expression, without its `${{ }}`."""
    return Parser(expression, context, status).parse()


def condition(
    source: str | bool | None, context: Mapping[str, Any], status: Status, default: str
) -> bool:
    """An `if:`: bare or wrapped in `${{ }}`; without a status function it means
    `success() && (…)`."""
    if isinstance(source, bool):
        return source and not status.failed
    expression = (source or default).strip()
    whole = TEMPLATE.fullmatch(expression)
    expression = whole.group(1) if whole else expression
    if not re.search(r"\b(always|success|failure|cancelled)\s*\(", expression):
        expression = f"success() && ({expression})"
    return truthy(evaluate(expression, context, status))


def substitute(value: Any, context: Mapping[str, Any], status: Status = Status()) -> Any:
    """A YAML value with every `${{ }}` replaced; a string that is one expression keeps the
    expression's type (as `with:` inputs do)."""
    if isinstance(value, Mapping):
        return {k: substitute(v, context, status) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, context, status) for v in value]
    if not isinstance(value, str):
        return value
    whole = TEMPLATE.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), context, status)
    return TEMPLATE.sub(lambda m: text(evaluate(m.group(1), context, status)), value)
