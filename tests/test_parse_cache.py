"""Parsed YAML and Markdown read back from the user cache (clinicpack/parsecache.py) are what
parsing gives: the same data, key lines, raw scalars and element trees, the same errors with
the same files and lines, and a cache that is missing, damaged or unwritable only means parsing
again. A second cold build then imports neither PyYAML nor Python-Markdown nor xml.etree (the
tree's elements answer as ElementTree's do)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, make_project, run

from clinicpack import markdown_parser, markdown_tree, usercache, yamlparser
from clinicpack.errors import BuildError
from clinicpack.leaflet import Leaflet, load_leaflet
from clinicpack.yamlfile import YamlDoc, parse_yaml, read_text

LEAFLETS = sorted([*ROOT.glob("leaflets/*.md"), FIXTURES / "everything.md", FIXTURES / "rtl-mixed.ur.md",
                   FIXTURES / "consent" / "test-consent.md"])
YAMLS = sorted([*ROOT.glob("assets/**/*.yaml"), *ROOT.glob("layouts/*.yaml")])


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "clinicpack"


def no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cache folder that can be neither read nor made (a file stands where it would be)."""
    (tmp_path / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))


def parsers_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any parse now fails the test: what follows must come from the cache."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed, though the cache holds this text")

    monkeypatch.setattr(yamlparser, "parse", refuse)
    monkeypatch.setattr(markdown_parser, "parse", refuse)


def entries(cache: Path, kind: str) -> list[Path]:
    return sorted(cache.glob(f"{kind}-*.pickle")) if cache.is_dir() else []


def tree(el: markdown_tree.Element) -> tuple:
    """Everything the renderer reads from an element, with the types of its strings."""
    strings = [el.text, el.tail, *el.attrib.values()]
    return (el.tag, list(el.attrib.items()), el.text, el.tail, [type(s).__name__ for s in strings if s is not None],
            [tree(child) for child in el])


def doc_view(doc: YamlDoc | None) -> tuple | None:
    return None if doc is None else (doc.data, doc.path, doc.lines, doc.raw, doc.first_line)


def leaflet_view(leaflet: Leaflet) -> dict:
    view = {f.name: getattr(leaflet, f.name) for f in dataclasses.fields(leaflet) if f.name not in ("intro", "sections", "front")}
    view["intro"] = [tree(el) for el in leaflet.intro]
    view["sections"] = [(s.key, s.title, s.line, tree(s.heading), [tree(el) for el in s.body]) for s in leaflet.sections]
    view["front"] = doc_view(leaflet.front)
    return view


def load(path: Path) -> Leaflet:
    return load_leaflet(path, ROOT / "assets")


@pytest.mark.parametrize("path", LEAFLETS, ids=lambda p: p.name)
def test_a_leaflet_read_back_is_the_leaflet_parsed(path: Path, cache: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cold = leaflet_view(load(path))  # parsed, then kept
    assert len(entries(cache, "yaml")) == 1 and len(entries(cache, "markdown")) == 1
    with monkeypatch.context() as patch:
        parsers_refused(patch)
        warm = leaflet_view(load(path))
    no_cache(monkeypatch, tmp_path)
    fresh = leaflet_view(load(path))
    assert warm == cold == fresh
    assert sum(len(s[4]) for s in warm["sections"]) > 3  # the bodies were compared, not two empty lists


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_yaml_file_read_back_is_the_file_parsed(path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = read_text(path, "test")
    cold = doc_view(parse_yaml(text, path))
    with monkeypatch.context() as patch:
        parsers_refused(patch)
        warm = doc_view(parse_yaml(text, path))
        moved = doc_view(parse_yaml(text, Path("elsewhere") / path.name))  # same text, another file
    assert warm == cold == doc_view(yamlparser.parse(text, path))
    assert moved[1] == Path("elsewhere") / path.name and moved[0] == cold[0] and moved[2] == cold[2]
    assert cold[2], "the key lines were compared"


def test_front_matter_lines_depend_on_where_it_starts(cache: Path) -> None:
    text = "id: x\ntitle: y\n"
    assert parse_yaml(text, Path("a.md"), 1).line("title") == 3
    assert parse_yaml(text, Path("a.md"), 4).line("title") == 6
    assert parse_yaml(text, Path("a.md"), 1).line("title") == 3


def test_one_character_changed_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "brand.yaml"
    text = read_text(ROOT / "assets" / "brand.yaml", "brand")
    first = parse_yaml(text, path)
    changed = text.replace("name:", "nome:", 1)
    assert changed != text
    second = parse_yaml(changed, path)
    assert "nome" in second.data["clinic"] and "nome" not in first.data["clinic"]
    assert len(entries(cache, "yaml")) == 2
    body = "## One\n\nSome *text*.\n"
    assert markdown_tree.parse(body).find("p/em").text == "text"
    assert markdown_tree.parse(body.replace("*text*", "*test*")).find("p/em").text == "test"
    assert len(entries(cache, "markdown")) == 2


def test_damaged_entries_are_parsed_again(cache: Path) -> None:
    path = ROOT / "leaflets" / "prp-hair-loss.md"
    good = leaflet_view(load(path))
    found = entries(cache, "yaml") + entries(cache, "markdown")
    assert len(found) == 2
    for damage in (b"", b"not a pickle", found[0].read_bytes()[:40]):
        for entry in found:
            entry.write_bytes(damage)
        assert leaflet_view(load(path)) == good
    for entry in found:  # unpickles, but is not what the entry should hold
        usercache.write(entry.name, ("div", None, None, None, ("not a node",)))
    assert leaflet_view(load(path)) == good


def test_a_missing_or_unwritable_cache_folder_means_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "leaflets" / "exosome-hair-loss.ur.md"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "missing" / "deeper"))
    made = leaflet_view(load(path))  # the folder is made
    assert (tmp_path / "missing" / "deeper" / "clinicpack").is_dir()
    no_cache(monkeypatch, tmp_path)
    assert leaflet_view(load(path)) == made
    read_only = tmp_path / "read-only"
    (read_only / "clinicpack").mkdir(parents=True)
    os.chmod(read_only / "clinicpack", 0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(read_only))
    try:
        assert leaflet_view(load(path)) == made
        if os.geteuid() != 0:  # root writes anyway
            assert list((read_only / "clinicpack").iterdir()) == []
    finally:
        os.chmod(read_only / "clinicpack", 0o700)


BAD_YAML = "clinic:\n  name: [Clinic\n  phone: 1\n"
BAD_FRONT = "---\nid: bad\ntitle: x\n  language: en\n---\n\n## What the treatment is\n\nText.\n"


def _report(work: object) -> str:
    with pytest.raises(BuildError) as info:
        work()  # type: ignore[operator]
    return info.value.report()


def test_broken_yaml_gives_the_same_error_every_time(cache: Path, tmp_path: Path) -> None:
    brand, leaflet = tmp_path / "brand.yaml", tmp_path / "bad.md"
    leaflet.write_text(BAD_FRONT)
    for _ in range(2):
        assert _report(lambda: parse_yaml(BAD_YAML, brand)) == _report(lambda: yamlparser.parse(BAD_YAML, brand))
        assert _report(lambda: load(leaflet)).startswith(f"{leaflet}:4: broken YAML: mapping values are not allowed here")
    duplicate = "a: 1\nb: 2\na: 3\n"
    assert _report(lambda: parse_yaml(duplicate, brand)) == _report(lambda: parse_yaml(duplicate, brand))
    assert entries(cache, "yaml") == []  # nothing broken was kept


def test_errors_found_after_parsing_name_the_file_being_read(cache: Path, tmp_path: Path) -> None:
    """A cached leaflet body or layout still fails its checks, at its own file and line."""
    text = (ROOT / "leaflets" / "prp-hair-loss.md").read_text(encoding="utf-8")
    broken = text.replace("## After your treatment {#aftercare}\n", "## After your treatment {#aftercare}\n\nSee [the form](ftp://example.org/form).\n", 1)
    assert broken != text
    reports = []
    for name in ("one.md", "two.md", "one.md"):
        path = tmp_path / name
        path.write_text(broken, encoding="utf-8")
        reports.append(_report(lambda p=path: load(p)))
    line = broken.split("\n").index("See [the form](ftp://example.org/form).") + 1
    assert reports[0] == reports[2] == reports[1].replace("two.md", "one.md")
    assert reports[0].startswith(f"{tmp_path / 'one.md'}:{line}: link \"ftp://example.org/form\"")
    assert len(entries(cache, "markdown")) == 1  # one body, whichever file holds it


def test_deep_markdown_is_parsed_every_time_and_not_kept(cache: Path) -> None:
    body = "".join("> " * i + "quote\n" for i in range(1, 3)) + "> " * (markdown_tree.MAX_CACHED_DEPTH + 5) + "deep\n"
    first = markdown_tree.parse(body)
    assert tree(first) == tree(markdown_tree.parse(body))
    assert entries(cache, "markdown") == []


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_a_second_cold_build_imports_neither_pyyaml_nor_python_markdown(tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    build = [sys.executable, "-X", "importtime", str(ROOT / "build_pack.py"), "--project", str(root), "--out", str(tmp_path / "out"), "-q"]
    runs = [build + ["--force"], build + ["--force", "prp-hair-loss", "exosome-hair-loss.ur"], build + ["--check"]]
    imported = []
    for command in runs:
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        imported.append({m for m in _imported(done.stderr) if m.split(".")[0] in ("yaml", "markdown") or m.startswith("xml.etree")})
    assert {"yaml", "markdown", "xml.etree.ElementTree"} <= imported[0]  # the first build parsed (and the check would see it)
    assert imported[1] == imported[2] == set()
    assert (tmp_path / "out" / "prp-hair-loss.pdf").is_file()


def test_builds_with_a_cold_and_a_warm_cache_give_the_same_pdfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pdfs = []
    for step in ("cold", "warm"):
        out = tmp_path / step
        assert run(root, "--out", str(out), "-q", "prp-hair-loss", "exosome-hair-loss.ur")[0] == 0
        pdfs.append({p.name: p.read_bytes() for p in out.glob("*.pdf")})
    assert len(pdfs[0]) == 2 and pdfs[0] == pdfs[1]


def _pairs(et: ET.Element, ours: markdown_tree.Element) -> list:
    return list(zip(et.iter(), ours.iter(), strict=True))


PATHS = ("li", "tr", "tbody", "tbody/tr", "thead/tr/th", "*", "p/em", "*/li", "td", ".//img", ".//li", ".//*")


@pytest.mark.parametrize("path", LEAFLETS, ids=lambda p: p.name)
def test_the_tree_answers_as_elementtree_does(path: Path) -> None:
    """Every question the builder asks of a tree gets ElementTree's answer, on every element."""
    body = path.read_text(encoding="utf-8").split("---", 2)[2]
    et = markdown_parser.parse(body)
    ours = markdown_tree.parse(body)
    pairs = _pairs(et, ours)
    assert len(pairs) > 30
    for a, b in pairs:
        assert (a.tag, a.text, a.tail, a.attrib, a.keys(), a.items()) == (b.tag, b.text, b.tail, b.attrib, b.keys(), b.items())
        assert list(a.itertext()) == list(b.itertext()) and len(a) == len(b) and bool(len(a)) == bool(len(b))
        assert [c.tag for c in a] == [c.tag for c in b] and a.get("id", "-") == b.get("id", "-")
        for tag in ("li", "img", "a", "td", "*", None):
            assert [e.tag for e in a.iter(tag)] == [e.tag for e in b.iter(tag)]
        for step in PATHS:
            assert [e.tag for e in a.findall(step)] == [e.tag for e in b.findall(step)]
            assert (a.find(step) is None) == (b.find(step) is None)


def test_a_made_tree_answers_as_elementtree_does() -> None:
    """Comments (their text is text, as in ElementTree's C implementation), deep nesting, elements added
    as the renderer adds them."""
    def make(factory, comment):  # noqa: ANN001, ANN202
        root = factory("div", {"class": "x"})
        root.text, parent = "a", root
        for i in range(3000):
            child = factory("blockquote" if i % 2 else "p")
            child.text, child.tail = f"t{i}", f"tail{i}" if i % 3 else None
            parent.append(child)
            parent = child
        note = comment("hidden")
        note.tail = "after the comment"
        root.append(note)
        root.extend([factory("p"), factory("ul")])
        root[-1].append(factory("li"))
        return root

    def our_comment(text: str) -> markdown_tree.Element:
        el = markdown_tree.Element(ET.Comment)  # type: ignore[arg-type]
        el.text = text
        return el

    et, ours = make(ET.Element, ET.Comment), make(markdown_tree.Element, our_comment)
    assert list(et.itertext()) == list(ours.itertext())
    assert [e.tag for e in et.iter("p")] == [e.tag for e in ours.iter("p")] and len(list(ours.iter())) == 3005
    assert [e.tag for e in et.findall("ul/li")] == [e.tag for e in ours.findall("ul/li")] == ["li"]
    with pytest.raises(ValueError):
        ours.findall("p[@id]")  # nothing here asks for more of ElementPath: say so if someone does
    with pytest.raises(ValueError):
        ours.findall(".//ul/li")
    assert [e.tag for e in et.findall(".//li")] == [e.tag for e in ours.findall(".//li")] == ["li"]
