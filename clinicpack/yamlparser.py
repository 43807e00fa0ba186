"""PyYAML's part of reading YAML: imported only when a text is not in the user cache.

``yamlfile.parse_yaml`` looks a text up in the user cache first (``clinicpack.parsecache``); only
on a miss is this module, and with it PyYAML (about 10 ms to import), loaded. Everything about
how a text is read, refused or reported lives here, so a cached result and a fresh one are the
same ``YamlDoc`` and every error comes from this one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import BuildError
from .yamlfile import KeyPath, YamlDoc

MAX_DEPTH = 50  # nesting deeper than any brand, layout or front matter needs; PyYAML recurses per level


class _Refused(yaml.MarkedYAMLError):
    """A construct the builder refuses before building anything from it (alias, deep nesting)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps impossible dates (2026-02-30) as text for a friendly error, and
    refuses aliases (``*name``) while composing: no file the builder reads needs them, and ten
    lines of nested aliases expand to billions of nodes (a "billion laughs" bomb) when built."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                problem=f"YAML aliases (*{event.anchor}) are not allowed here; write the value out in full",
                problem_mark=event.start_mark,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep; flatten the structure",
                               problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

try:
    from yaml.cyaml import CParser as _CParser  # libyaml, when PyYAML was built with it (the wheels are)
except ImportError:  # pragma: no cover - a PyYAML without libyaml: everything goes the pure-Python way
    _CParser = None


class _FastLoader(_Loader):
    """``_Loader`` with its events read by libyaml: claims.yaml took 15 ms, now under 1 ms.

    Only the tokenising and parsing move to C: the nodes are still composed here, by the same
    ``compose_node`` that refuses aliases and deep nesting, and carry the same values, tags and
    line marks (only presentation details differ, a plain scalar's style "" instead of None and
    some block collections' flow_style, which nothing here reads). Any
    problem at all sends the text through the pure-Python ``_Loader`` again (see
    ``_compose``), so every error message is exactly the pure-Python one.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._events = _CParser(stream)

    def check_event(self, *choices: Any) -> bool:  # type: ignore[override]
        return self._events.check_event(*choices)

    def peek_event(self) -> Any:  # type: ignore[override]
        return self._events.peek_event()

    def get_event(self) -> Any:  # type: ignore[override]
        return self._events.get_event()

    def dispose(self) -> None:
        self._events.dispose()
        super().dispose()


def _compose(text: str) -> yaml.Node | None:
    if _CParser is not None:
        try:
            return yaml.compose(text, Loader=_FastLoader)
        except Exception:  # noqa: BLE001 - the pure-Python pass below gives the precise error (or, rarely, succeeds)
            pass
    return yaml.compose(text, Loader=_Loader)


def parse(text: str, path: Path, line_offset: int = 0) -> YamlDoc:
    """Parse ``text`` with PyYAML (``yamlfile.parse_yaml`` asks the user cache first); every
    problem is a ``BuildError`` at the file line where it is."""
    try:
        node = _compose(text)
    except _Refused as exc:
        line = exc.problem_mark.line + 1 + line_offset if exc.problem_mark else line_offset + 1
        raise BuildError(str(exc.problem), path, line) from None
    except RecursionError:
        raise BuildError(f"broken YAML: nested more than {MAX_DEPTH} levels deep; flatten the structure", path,
                         line_offset + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context_mark is not None and exc.context and mark is not None and exc.context_mark.line < mark.line:
            mark = exc.context_mark  # e.g. an unclosed [ or ": the mistake is where it opened
            what = f"{exc.context}, {what}"
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        raise BuildError(
            f"broken YAML: {what} (check the indentation, colons and quotes on this line)",
            path,
            line,
        ) from None
    except yaml.YAMLError as exc:
        raise BuildError(f"broken YAML: {exc}", path, line_offset + 1) from None
    doc = YamlDoc(data=None, path=path, first_line=line_offset + 1)
    if node is None:
        return doc
    _index(node, (), doc, line_offset)
    loader = _Loader("")
    try:
        doc.data = loader.construct_document(node)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise BuildError(f"broken YAML: {exc}", path, line_offset + 1) from None
    finally:
        loader.dispose()
    return doc


def _index(node: yaml.Node, prefix: KeyPath, doc: YamlDoc, offset: int) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                raise BuildError(f'key "{key}" is given twice (keep one of them)', doc.path, line)
            seen.add(key)
            doc.lines[prefix + (key,)] = line
            _index(value_node, prefix + (key,), doc, offset)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.lines[prefix + (i,)] = item.start_mark.line + 1 + offset
            _index(item, prefix + (i,), doc, offset)
    elif isinstance(node, yaml.ScalarNode):
        doc.raw[prefix] = node.value


