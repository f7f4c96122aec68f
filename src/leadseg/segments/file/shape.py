"""pydantic's shape errors, reworded for analysts and placed at their line and column."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from leadseg.errors import Problem
from leadseg.segments.criteria import OPERATORS
from leadseg.segments.file.models import KNOWN_KEYS
from leadseg.segments.file.yaml_loader import Path, YamlDocument


def shape_problems(doc: YamlDocument, exc: ValidationError, prefix: Path = ()) -> list[Problem]:
    """pydantic's errors, reworded for analysts and placed at their line and column."""
    problems = []
    for error in exc.errors():
        path = prefix + tuple(error["loc"])
        kind = error["type"]
        where = path[-1] if path else "file"
        if kind == "extra_forbidden":
            key = str(where)
            is_operator = len(path) >= 2 and path[-2] in ("score", "profile")
            what = "operator" if is_operator else "key"
            options = (*OPERATORS, "field") if is_operator else sorted(KNOWN_KEYS)
            close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
            if close == ["field"]:
                what = "key"
            hint = f"did you mean {close[0]!r}?" if close else None
            if not hint and is_operator:
                hint = "operators: " + ", ".join(OPERATORS)
            problems.append(
                Problem(
                    f"unknown-{what}",
                    f"unknown {what} {key!r}",
                    doc.location(path, key=True),
                    hint,
                )
            )
            continue
        if kind == "missing":
            where_to = path[:-1]
            problems.append(
                Problem(
                    "missing-key",
                    f"missing required key {where!r}",
                    doc.location(where_to),
                )
            )
            continue
        message = _reworded(kind, error["msg"], where, error.get("input"))
        problems.append(Problem("invalid-value", message, doc.location(path)))
    return problems


def _reworded(kind: str, msg: str, where: Any, value: Any) -> str:
    subject = f"{where!r}" if isinstance(where, str) else "this item"
    if kind == "string_type":
        hint = f'; quote it: "{value}"' if isinstance(value, (int, float, bool)) else ""
        return f"{subject} must be text{hint}"
    if kind == "list_type":
        return f"{subject} must be a list ('- ' items)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{subject} must be a mapping of key: value"
    if kind == "too_short":
        return f"{subject} must not be empty"
    if kind == "literal_error":
        return f"{subject}: {msg.removeprefix('Input should be ')}"
    if kind == "bool_type":
        return f"{subject} must be true or false"
    text = msg.removeprefix("Value error, ")
    if isinstance(value, bool):
        text += f", not {str(value).lower()}"
    return f"{subject} {text}" if isinstance(where, str) else text
