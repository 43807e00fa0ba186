"""Markdown as clinic staff type it: lists, quotes and tables straight under a line of text,
and steps numbered ``1)``, become real lists, quotes and tables (as CommonMark reads them)."""

from __future__ import annotations

import pytest

from clinicpack.markdown_tree import parse


def shape(source: str) -> list[tuple[str, int]]:
    """Top-level blocks as (tag, number of children) pairs."""
    return [(el.tag, len(el)) for el in parse(source)]


@pytest.mark.parametrize(
    "source,expected",
    [
        ("What happens:\n- one\n- two", [("p", 0), ("ul", 2)]),
        ("What happens:\n* one\n+ two", [("p", 0), ("ul", 2)]),
        ("Steps:\n1) first\n2) second", [("p", 0), ("ol", 2)]),
        ("1) first\n2) second", [("ol", 2)]),
        ("Please note:\n> Ask for a written quote.", [("p", 0), ("blockquote", 1)]),
        ("Visits:\n| Visit | When |\n|---|---|\n| 1 | Week 0 |", [("p", 0), ("table", 2)]),
        ("- a\n    - nested\n- b", [("ul", 2)]),
    ],
)
def test_blocks_as_written(source: str, expected: list[tuple[str, int]]) -> None:
    assert shape(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "The clinic opened in\n2019. It has grown since.",  # a year ending a sentence is not a list
        "Read the leaflet - all of it -\nbefore you come.",  # a dash inside a sentence
        "Use *moderate* pressure\n*not* hard pressure.",  # emphasis at the start of a line
    ],
)
def test_running_text_stays_text(source: str) -> None:
    assert shape(source) == [("p", 0) if "*" not in source else ("p", 2)]


def test_raw_html_stays_text() -> None:
    root = parse('<b>bold?</b> and <img src="/etc/passwd">')
    assert "".join(root.itertext()).strip() == '<b>bold?</b> and <img src="/etc/passwd">'
    assert root.find(".//img") is None and root.find(".//b") is None
