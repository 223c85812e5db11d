"""Partial responses, Google style: `?fields=id,name,journey(progress,next_milestone)`.

A mask is a dict from field name to its sub-mask (None: the whole field). `parse` reads the
expression; `check` names the first field the resource has not got; `apply` prunes a JSON
value (lists are pruned item by item).
"""

import re
from typing import Any

from milequest.refusals import Refused

Mask = dict[str, "Mask | None"]
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|[(),/])\s*")


class MaskError(Refused, ValueError):
    """The expression cannot be read, or names a field that does not exist (`field`)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def parse(expression: str) -> Mask:
    tokens = _tokens(expression)
    mask, rest = _fields(tokens)
    if rest:
        raise MaskError(f"Unexpected {rest[0]!r} in fields.")
    return mask


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise MaskError(f"Cannot read fields at {expression[position : position + 20]!r}.")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _fields(tokens: list[str]) -> tuple[Mask, list[str]]:
    mask: Mask = {}
    while tokens:
        name, tokens = tokens[0], tokens[1:]
        if not _is_name(name):
            raise MaskError(f"Expected a field name in fields, found {name!r}.")
        path = [name]
        while tokens[:1] == ["/"] and len(tokens) > 1 and _is_name(tokens[1]):
            path.append(tokens[1])  # a/b is a(b)
            tokens = tokens[2:]
        sub: Mask | None = None
        if tokens[:1] == ["("]:
            sub, tokens = _fields(tokens[1:])
            if tokens[:1] != [")"]:
                raise MaskError("A '(' in fields is not closed.")
            tokens = tokens[1:]
        _merge(mask, path, sub)
        if tokens[:1] == [","]:
            tokens = tokens[1:]
            if not tokens or tokens[0] in (",", ")"):
                raise MaskError("Expected a field name after ',' in fields.")
        elif tokens and tokens[0] != ")":
            raise MaskError(f"Expected ',' in fields, found {tokens[0]!r}.")
        else:
            break
    if not mask:
        raise MaskError("Name at least one field.")
    return mask, tokens


def _is_name(token: str) -> bool:
    return token not in ("(", ")", ",", "/")


def _merge(mask: Mask, path: list[str], sub: "Mask | None") -> None:
    for name in path[:-1]:
        child = mask.setdefault(name, {})
        if child is None:
            return  # the whole field is already asked for
        mask = child
    if sub is None or mask.get(path[-1], {}) is not None:
        mask[path[-1]] = sub if sub is None else {**(mask.get(path[-1]) or {}), **sub}


def check(mask: Mask, shape: dict, prefix: str = "") -> None:
    """Raise MaskError naming the first field `shape` does not have.

    `shape` maps each field name to its own shape (a dict) or None for a leaf.
    """
    for name, sub in mask.items():
        if name not in shape:
            raise MaskError(f"Unknown field {prefix + name!r}.", prefix + name)
        if sub is not None:
            if shape[name] is None:
                raise MaskError(f"Field {prefix + name!r} has no fields inside.", prefix + name)
            check(sub, shape[name], f"{prefix}{name}.")


def apply(mask: Mask | None, value: Any) -> Any:
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply(mask, item) for item in value]
    if isinstance(value, dict):
        return {name: apply(sub, value[name]) for name, sub in mask.items() if name in value}
    return value
