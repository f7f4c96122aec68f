"""Load a segment file as YAML 1.2 (core schema) with the position of every node.

PyYAML resolves scalars by YAML 1.1 rules (``NO`` is false, ``010`` is octal, ``1:30`` is
5400). We only let it *compose* the node graph and resolve plain scalars ourselves, by the
YAML 1.2 core schema, so ``in: [US, NO]`` means Norway. Nothing is ever constructed from a
tag, so ``!!python/object`` cannot run code; anchors and aliases are refused before they are
expanded, so an alias bomb costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from leadseg.errors import Location, Problem, SegmentFileError

Path = tuple[str | int, ...]

MAX_DEPTH = 64  # YAML nesting levels: about 30 levels of criteria, far beyond real use

_IMPLICIT = "tag:leadseg,implicit"
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class YamlDocument:
    """Plain Python data plus where each value (and each mapping key) stood in the file."""

    data: Any
    filename: str
    positions: dict[Path, Mark] = field(default_factory=dict)
    key_positions: dict[Path, Mark] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def location(self, path: Path, *, key: bool = False) -> Location:
        """The best known position for ``path``: the key when asked, else the value."""
        probe = tuple(path)
        while True:
            mark = (self.key_positions.get(probe) if key else None) or self.positions.get(probe)
            if mark or not probe:
                break
            probe = probe[:-1]
        return Location(
            file=self.filename,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            yaml_path=format_path(path),
        )


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Loader(yaml.SafeLoader):
    """Composes nodes only; refuses aliases and anchors; marks implicit scalars."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:  # type: ignore[override]
        return f"{_IMPLICIT}:{kind.__name__}"

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        event = self.peek_event()
        if self.check_event(AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise _Refused(
                "anchors and aliases (&name, *name) are not allowed in a segment file",
                Mark(mark.line + 1, mark.column + 1),
                "write each value out in full",
            )
        nested = isinstance(event, (MappingStartEvent, SequenceStartEvent))
        if nested:
            self.depth = getattr(self, "depth", 0) + 1
            if self.depth > MAX_DEPTH:
                mark = event.start_mark
                raise _Refused(
                    f"the segment file nests deeper than {MAX_DEPTH} levels",
                    Mark(mark.line + 1, mark.column + 1),
                    "flatten the criteria (a segment: reference names a whole segment)",
                )
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            if nested:
                self.depth -= 1


class _Refused(Exception):
    def __init__(self, message: str, mark: Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


def load_yaml(text: str, filename: str) -> YamlDocument:
    """Parse ``text``; raise ``SegmentFileError`` for syntax errors, tags, anchors or aliases."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _Refused as exc:
        raise _error(filename, exc.mark, "yaml-refused", exc.message, exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        raise _error(filename, where, "yaml-syntax", message, None) from None
    except yaml.YAMLError as exc:
        raise _error(filename, Mark(1, 1), "yaml-syntax", f"YAML error: {exc}", None) from None
    finally:
        loader.dispose()
    doc = YamlDocument(data=None, filename=filename)
    if node is not None:
        doc.data = _convert(node, (), doc)
    return doc


def _error(filename: str, mark: Mark, code: str, message: str, hint: str | None):
    location = Location(file=filename, line=mark.line, column=mark.column)
    return SegmentFileError([Problem(code, message, location, hint)])


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: Node, path: Path, doc: YamlDocument) -> Any:
    doc.positions[path] = _mark(node)
    tag = node.tag or ""
    explicit = not tag.startswith(_IMPLICIT)
    if explicit and tag not in _ALLOWED_TAGS:
        doc.problems.append(
            Problem(
                "yaml-tag",
                f"the YAML tag {tag!r} is not allowed in a segment file",
                doc.location(path),
                "remove the tag; write plain values",
            )
        )
        return None
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                doc.problems.append(
                    Problem(
                        "yaml-key",
                        "a mapping key must be plain text",
                        _loc(doc, key_node),
                    )
                )
                continue
            key = str(key_node.value)
            if key in result:
                first = doc.key_positions[path + (key,)]
                doc.problems.append(
                    Problem(
                        "duplicate-key",
                        f"duplicate key {key!r} (first at line {first.line})",
                        _loc(doc, key_node, path + (key,)),
                        "keep one of them",
                    )
                )
                continue
            doc.key_positions[path + (key,)] = _mark(key_node)
            result[key] = _convert(value_node, path + (key,), doc)
        return result
    if isinstance(node, SequenceNode):
        return [_convert(item, path + (i,), doc) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if explicit:
        return _scalar_with_tag(node.value, tag)
    if node.style:  # quoted or block scalars are always text
        return node.value
    return resolve_plain_scalar(node.value)


def _loc(doc: YamlDocument, node: Node, path: Path = ()) -> Location:
    mark = _mark(node)
    return Location(doc.filename, mark.line, mark.column, format_path(path) or None)


def _scalar_with_tag(value: str, tag: str) -> Any:
    name = tag.removeprefix(_STD)
    if name == "str":
        return value
    resolved = resolve_plain_scalar(value)
    return resolved


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema resolution of an unquoted scalar."""
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        # Past 300 digits no number is finite as a float: skip Python's digit limit.
        return int(text, 10) if len(text) <= 300 else float("inf")
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text
