"""YAML read through libyaml gives the same node tree, line marks and errors as pure PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import clinicpack.yamlparser as yamlfile
from clinicpack.errors import BuildError


def tree(node: yaml.Node | None) -> object:
    """Everything the builder reads from a node (styles are presentation; nothing reads them)."""
    if node is None:
        return None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, marks)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", node.tag, marks[:2], [tree(v) for v in node.value])
    return ("map", node.tag, marks[:2], [(tree(k), tree(v)) for k, v in node.value])


def slow(text: str) -> object:
    return tree(yaml.compose(text, Loader=yamlfile._Loader))


def fast(text: str) -> object:
    return tree(yaml.compose(text, Loader=yamlfile._FastLoader))


SHIPPED = sorted([*ROOT.glob("assets/**/*.yaml"), *ROOT.glob("layouts/*.yaml"), *ROOT.glob("tests/fixtures/**/*.yaml")])


def test_libyaml_is_used() -> None:
    assert yamlfile._CParser is not None  # PyYAML's wheels include libyaml; without it every read is pure Python


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_composes_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        expected = slow(text)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            yamlfile._compose(text)
        return
    assert fast(text) == expected


scalars = st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.dates())
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(documents, st.booleans(), st.sampled_from([None, "'", '"']))
def test_random_documents_compose_the_same(data: object, flow: bool, quote: str | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, default_style=quote, allow_unicode=True)
    assert fast(text) == slow(text)


BROKEN = [
    "a: [1, 2\nb: 3\n",
    "key: 'unclosed\nnext: 1\n",
    "a: 1\n  b: 2\n",
    "x: &anchor 1\ny: *anchor\n",
    "- a\nb: c\n",
    "a: b: c\n",
    "\t- tab\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_errors_are_the_pure_python_ones(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def message() -> str:
        with pytest.raises(BuildError) as info:
            yamlfile.parse(text, Path("x.yaml"), 3)
        return info.value.report()

    with_c = message()
    monkeypatch.setattr(yamlfile, "_CParser", None)
    assert with_c == message()
