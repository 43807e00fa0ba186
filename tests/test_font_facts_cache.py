"""The font facts the quality gate reads from the user's cache are ReportLab's own: the same
missing characters (same messages, lines and order) and the same text widths, for every
shipped leaflet in every shipped layout, for a language's font with its Latin fallback, and
for fonts with missing faces; a font file ReportLab cannot use is never cached and gives
ReportLab's error every time; a damaged, stale or unwritable cache only costs time; and a
``--check`` with a warm cache does not import ReportLab at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, make_project, run

from clinicpack.brand import load_brand
from clinicpack.errors import BuildError
from clinicpack.layout import load_layout
from clinicpack.leaflet import load_leaflet
from clinicpack.quality import FontFacts, fontfacts
from clinicpack.quality.checks import ENGLISH_SAMPLE
from clinicpack.render import font_facts as reportlab_facts
from clinicpack.render.fonts import _cmap, register_font_file

LAYOUTS = sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml"))
HOSTILE = (
    "Rest \u2192 then walk \u2713. \u0416\u0438\u0437\u043d\u044c, \u00e9t\u00e9, \u0130stanbul, \u00df, \ufb01, "
    "\U0001f600, \u0928\u092e\u0938\u094d\u0924\u0947, \u05e9\u05dc\u05d5\u05dd, \u4e2d\u6587, PRP 3.5 ml; "
    "\u06a9\u0627 \u0631\u0633\u06cc\u062f \u0660\u0661\u0662 \u06f1\u06f2\u06f3 \u0640 \u200d \u00a0"
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fontfacts._load.cache_clear()
    yield tmp_path / "cache" / "clinicpack"
    fontfacts._load.cache_clear()


def samples(leaflet) -> list[str]:
    text = leaflet.printed_text()
    return [ENGLISH_SAMPLE, "", " ", HOSTILE, text, text[: len(text) // 3], "".join(sorted(set(text)))]


def assert_same(cached: FontFacts, reference: FontFacts, leaflet) -> None:
    assert cached.family == reference.family
    assert [(e.message, e.file, e.line) for e in cached.glyph_errors] == [(e.message, e.file, e.line) for e in reference.glyph_errors]
    for text in samples(leaflet):
        assert cached.width(text) == reference.width(text), text[:40]


def from_cache(leaflet, brand, layout) -> FontFacts:
    """Facts that must come from the cache: every file is there, so ReportLab is not asked."""
    plan = fontfacts.plan(leaflet, brand, layout)
    fontfacts._load.cache_clear()
    assert all(fontfacts.cached(path) is not None for path in plan.files)
    return fontfacts.leaflet_facts(leaflet, brand, layout)


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_cached_facts_equal_reportlabs_for_every_shipped_leaflet(cache: Path, layout_name: str) -> None:
    brand = load_brand(ROOT / "assets" / "brand.yaml")
    layout = load_layout(layout_name, ROOT / "layouts", brand)
    for path in sorted((ROOT / "leaflets").glob("*.md")):
        leaflet = load_leaflet(path, ROOT / "assets")
        reference = reportlab_facts(leaflet, brand, layout)
        assert_same(fontfacts.leaflet_facts(leaflet, brand, layout), reference, leaflet)  # first: through ReportLab
        assert_same(from_cache(leaflet, brand, layout), reference, leaflet)


def test_every_brand_font_file_is_cached_as_reportlab_reads_it(cache: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    from clinicpack.render.fonts import file_facts

    brand = load_brand(ROOT / "assets" / "brand.yaml")
    files = {path for family in brand.fonts.values() for path in family.faces.values()}
    assert len(files) >= 6  # body faces, Urdu, the fallback fonts for patients' names
    for path in sorted(files):
        digest, facts = file_facts(path)
        fontfacts.store(digest, facts)
        fontfacts._load.cache_clear()
        cached = fontfacts.cached(path)
        fresh = TTFont("probe", str(path)).face  # read again: not the registered font, which the RTL engine extends
        assert cached is not None and cached.codepoints == frozenset(fresh.charToGlyph) == _cmap(register_font_file(path))
        assert cached.widths == fresh.charWidths and cached.default_width == fresh.defaultWidth
        for text in (ENGLISH_SAMPLE, HOSTILE):
            assert cached.width(text, 11.5) == TTFont("probe", str(path)).stringWidth(text, 11.5)


def hostile_leaflets(tmp_path: Path) -> Path:
    odd = f"\n{HOSTILE} *{HOSTILE}* **{HOSTILE}**\n\n## "  # regular, italic and bold, before the second heading
    english = (ROOT / "leaflets" / "prp-hair-loss.md").read_text(encoding="utf-8")
    urdu = (FIXTURES / "rtl-mixed.ur.md").read_text(encoding="utf-8")
    english, urdu = (text[: text.index("\n## ") + 1] + text[text.index("\n## ") + 1 :].replace("\n## ", odd, 1) for text in (english, urdu))
    root = make_project(tmp_path, {"english.md": english, "urdu.ur.md": urdu})
    # a layout whose body font has no italic face (it falls back to regular) and Urdu headings
    (root / "layouts" / "odd.yaml").write_text("extends: default\ntext:\n  font: headings\nheadings:\n  font: urdu\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("layout_name", ["default", "odd"])
def test_missing_characters_match_reportlab_through_fallback_chains(cache: Path, tmp_path: Path, layout_name: str) -> None:
    root = hostile_leaflets(tmp_path)
    brand = load_brand(root / "assets" / "brand.yaml")
    layout = load_layout(layout_name, root / "layouts", brand)
    for name in ("english.md", "urdu.ur.md"):
        leaflet = load_leaflet(root / "leaflets" / name, root / "assets")
        reference = reportlab_facts(leaflet, brand, layout)
        assert len(reference.glyph_errors) >= 5  # the hostile line really tests something
        assert_same(fontfacts.leaflet_facts(leaflet, brand, layout), reference, leaflet)
        assert_same(from_cache(leaflet, brand, layout), reference, leaflet)


def test_a_broken_font_is_never_cached_and_gives_reportlabs_error(cache: Path, tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    (root / "assets" / "fonts" / "NotoNastaliqUrdu-Bold.ttf").write_bytes(b"not a font at all" * 100)
    brand = load_brand(root / "assets" / "brand.yaml")
    layout = load_layout("default", root / "layouts", brand)
    leaflet = load_leaflet(root / "leaflets" / "exosome-hair-loss.ur.md", root / "assets")
    with pytest.raises(BuildError) as reference:
        reportlab_facts(leaflet, brand, layout)
    for _ in range(2):
        fontfacts._load.cache_clear()
        with pytest.raises(BuildError) as caught:
            fontfacts.leaflet_facts(leaflet, brand, layout)
        assert (caught.value.message, caught.value.file, caught.value.line) == (reference.value.message, reference.value.file, reference.value.line)
    assert "cannot use font file NotoNastaliqUrdu-Bold.ttf" in reference.value.message
    assert fontfacts.cached(root / "assets" / "fonts" / "NotoNastaliqUrdu-Bold.ttf") is None
    code, _, err = run(root, "--check", "exosome-hair-loss-ur", capsys=capsys)
    assert code == 1 and reference.value.report("error") in err.splitlines()


def test_damaged_and_unwritable_caches_give_the_same_facts(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    brand = load_brand(ROOT / "assets" / "brand.yaml")
    layout = load_layout("default", ROOT / "layouts", brand)
    leaflet = load_leaflet(ROOT / "leaflets" / "exosome-hair-loss.ur.md", ROOT / "assets")
    reference = reportlab_facts(leaflet, brand, layout)
    fontfacts.leaflet_facts(leaflet, brand, layout)
    entries = sorted(cache.glob("fontfacts-*.pickle"))
    assert len(entries) == len(fontfacts.plan(leaflet, brand, layout).files)
    assert len(entries) >= 4
    entries[0].write_bytes(b"garbage")
    entries[1].write_bytes(entries[1].read_bytes()[:40])  # cut short
    entries[2].write_bytes(entries[3].read_bytes())  # another file's facts under this file's name
    fontfacts._load.cache_clear()
    assert_same(fontfacts.leaflet_facts(leaflet, brand, layout), reference, leaflet)  # read again through ReportLab
    assert_same(from_cache(leaflet, brand, layout), reference, leaflet)  # and the entries rewritten
    shutil.rmtree(cache.parent)
    cache.parent.write_text("a file where the cache folder should be")
    fontfacts._load.cache_clear()
    assert_same(fontfacts.leaflet_facts(leaflet, brand, layout), reference, leaflet)


def test_a_changed_font_file_is_read_again(cache: Path, tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    brand = load_brand(root / "assets" / "brand.yaml")
    layout = load_layout("default", root / "layouts", brand)
    leaflet = load_leaflet(root / "leaflets" / "exosome-hair-loss.ur.md", root / "assets")
    before = fontfacts.leaflet_facts(leaflet, brand, layout)
    other = tmp_path / "other"
    shutil.copytree(root, other)  # a new path (ReportLab keeps a registered file for the process)
    font = other / "assets" / "fonts" / "NotoNastaliqUrdu-Bold.ttf"
    shutil.copy(brand.fonts["body"].faces["bold"], font)  # same name, another font: the Latin one
    os.utime(font, ns=(1, 1))
    brand2 = load_brand(other / "assets" / "brand.yaml")
    leaflet2 = load_leaflet(other / "leaflets" / "exosome-hair-loss.ur.md", other / "assets")
    fontfacts._load.cache_clear()
    after = fontfacts.leaflet_facts(leaflet2, brand2, layout)
    reference = reportlab_facts(leaflet2, brand2, layout)
    assert_same(after, reference, leaflet2)
    assert [e.message for e in after.glyph_errors] != [e.message for e in before.glyph_errors]  # bold Urdu text now fails


def test_check_with_a_warm_cache_imports_neither_reportlab_nor_the_renderer(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = (
        "import sys; from clinicpack.cli import main; code = main(['--project', sys.argv[1], '--check', '-q']); "
        "heavy = {'reportlab', 'uharfbuzz', 'svglib', 'clinicpack.render', 'clinicpack.produce', 'clinicpack.pack'}; "
        "print(code, sorted({n for m in sys.modules for n in (m.split('.')[0], '.'.join(m.split('.')[:2]))} & heavy))"
    )
    root = make_project(tmp_path, copy_shipped=True)
    first = subprocess.run([sys.executable, "-c", script, str(root)], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    second = subprocess.run([sys.executable, "-c", script, str(root)], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert first.stdout.split()[0] == "0" and "reportlab" in first.stdout  # a cold cache: ReportLab read the fonts
    assert second.stdout.strip() == "0 []"
