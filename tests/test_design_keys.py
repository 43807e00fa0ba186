"""Design values that live in the layout (code backgrounds and padding, the consent pack's
paddings): their defaults are today's look, and a designer's value reaches the page."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from helpers import FIXTURES, ROOT, make_project, render_page, run

from clinicpack.brand import load_brand
from clinicpack.errors import BuildError
from clinicpack.layout import load_layout

# the fixture with a code block added to its intro (it already has `code` inline)
CODE = (FIXTURES / "everything.md").read_text(encoding="utf-8").replace(
    "Intro text before the first section", "    a code block, printed as written\n\nIntro text before the first section", 1)


def _pixels(image, rgb: tuple[int, int, int]) -> int:
    return sum(1 for p in image.convert("RGB").getdata() if p == rgb)


def _build(tmp_path: Path, layout_text: str | None, *args: str, leaflets: dict[str, str] | None = None) -> Path:
    root = make_project(tmp_path, leaflets, copy_shipped=leaflets is None)
    if layout_text is not None:
        (root / "layouts" / "custom.yaml").write_text("extends: default\n" + layout_text, encoding="utf-8")
        args = ("--layout", "custom", *args)
    out = tmp_path / "out"
    code, _, err = run(root, *args, "--out", str(out), "-q", "--db", str(tmp_path / "db.sqlite3"))
    assert code == 0, err
    return out


def test_code_backgrounds_come_from_the_layout(tmp_path: Path) -> None:
    plain = next(_build(tmp_path / "a", None, leaflets={"code.md": CODE}).glob("*.pdf"))
    custom = next(_build(tmp_path / "b", 'code:\n  background: "#ffc0c0"\n  inline_background: "#c0ffc0"\n',
                         leaflets={"code.md": CODE}).glob("*.pdf"))
    before, after = render_page(plain), render_page(custom)
    assert _pixels(before, (242, 242, 242)) > 500 and _pixels(before, (238, 238, 238)) > 50  # today's greys by default
    assert _pixels(after, (255, 192, 192)) > 500  # the code block's box
    assert _pixels(after, (192, 255, 192)) > 50  # behind the inline `code`
    # the greys are gone (a few anti-aliased edge pixels of other drawings may share the value)
    assert _pixels(after, (242, 242, 242)) < _pixels(before, (242, 242, 242)) / 10
    assert _pixels(after, (238, 238, 238)) < _pixels(before, (238, 238, 238)) / 2


def test_code_padding_widens_the_box(tmp_path: Path) -> None:
    def box_height(layout_text: str | None, name: str) -> float:
        pdf = next(_build(tmp_path / name, layout_text, leaflets={"code.md": CODE}).glob("*.pdf"))
        with pdfplumber.open(pdf) as doc:
            grey = [r for r in doc.pages[0].rects if tuple(r.get("non_stroking_color") or ()) == pytest.approx((242 / 255,) * 3, abs=0.002)]
        assert grey, "no code block box on the first page"
        return max(r["height"] for r in grey)

    assert box_height('code:\n  padding: 10pt\n', "wide") == pytest.approx(box_height(None, "plain") + 2 * (10 - 4), abs=0.1)


def test_pack_panel_padding_comes_from_the_layout(tmp_path: Path) -> None:
    def panel(layout_text: str | None, name: str) -> tuple[float, float]:
        out = _build(tmp_path / name, layout_text, "exosome-hair-loss", "--pack", "consent")
        colour = load_layout("default", ROOT / "layouts", load_brand(ROOT / "assets" / "brand.yaml")).qr.panel_colour
        want = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        with pdfplumber.open(next(out.glob("*.pdf"))) as doc:  # the cover's booking panel
            rects = [r for r in doc.pages[0].rects if tuple(r.get("non_stroking_color") or ()) == pytest.approx(want, abs=0.002)]
        assert rects, "no booking panel on the cover"
        big = max(rects, key=lambda r: r["width"] * r["height"])
        return big["width"], big["height"]

    width, height = panel(None, "plain")
    wide_width, wide_height = panel("forms:\n  panel_padding: 14pt\n", "wide")
    assert wide_height == pytest.approx(height + 2 * (14 - 8), abs=0.5)  # the panel grows by the padding, above and below
    assert wide_width == pytest.approx(width, abs=0.5)  # ... within the same column


@pytest.mark.parametrize("key", ["code:\n  padding", "forms:\n  panel_padding", "forms:\n  checklist_padding", "forms:\n  warning_padding",
                                 "callout:\n  padding", "table:\n  cell_padding", "rule:\n  space_after"])
def test_paddings_have_limits(tmp_path: Path, key: str) -> None:
    layout = tmp_path / "bad.yaml"
    layout.write_text(f"{key}: 5cm\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        load_layout(str(layout), ROOT / "layouts", load_brand(ROOT / "assets" / "brand.yaml"))
    assert err.value.line == 2 and "5cm" in err.value.message


@pytest.mark.parametrize("text, sides", [("5pt", (5, 5, 5, 5)), ("4pt 6pt", (4, 6, 4, 6)), ("4pt 6pt 5pt", (4, 6, 5, 6)),
                                         ("1pt 2pt 3pt 4pt", (1, 2, 3, 4)), ("1mm 0pt", (72 / 25.4, 0, 72 / 25.4, 0))])
def test_a_padding_is_written_as_in_css(tmp_path: Path, text: str, sides: tuple) -> None:
    layout = tmp_path / "pad.yaml"
    layout.write_text(f"forms:\n  photo_padding: {text}\n", encoding="utf-8")
    loaded = load_layout(str(layout), ROOT / "layouts", load_brand(ROOT / "assets" / "brand.yaml"))
    assert loaded.forms.photo_padding == pytest.approx(sides)


@pytest.mark.parametrize("text", ["1pt 2pt 3pt 4pt 5pt", "4pt six", "4"])
def test_a_wrong_padding_is_refused_with_its_line(tmp_path: Path, text: str) -> None:
    layout = tmp_path / "pad.yaml"
    layout.write_text(f"extends: default\nforms:\n  copy_mark_padding: {text}\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        load_layout(str(layout), ROOT / "layouts", load_brand(ROOT / "assets" / "brand.yaml"))
    assert err.value.line == 3 and "forms.copy_mark_padding" in err.value.message


def test_the_health_check_padding_reaches_its_header_row(tmp_path: Path) -> None:
    """The health check's header row grows by exactly the added padding above and below."""
    def header_heights(layout_text: str | None, name: str) -> list[float]:
        out = _build(tmp_path / name, layout_text, "exosome-hair-loss", "--pack", "consent")
        colour = load_layout("default", ROOT / "layouts", load_brand(ROOT / "assets" / "brand.yaml")).table.header_background
        want = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        with pdfplumber.open(next(out.glob("*.pdf"))) as doc:
            return sorted(round(r["height"], 2) for page in doc.pages for r in page.rects
                          if tuple(r.get("non_stroking_color") or ()) == pytest.approx(want, abs=0.002))

    before = header_heights(None, "plain")
    after = header_heights('forms:\n  checklist_padding: "10pt 6pt 11pt"\n', "tall")
    removed = [h for h in before if h not in after]
    added = [h for h in after if h not in before]
    assert removed and len(removed) == len(added)  # only the health check's header rows changed
    assert [a - r for r, a in zip(removed, added)] == pytest.approx([12.0] * len(added), abs=0.05)  # (10 + 11) - (4 + 5)


# ---------------------------------------------------------------- call-outs, tables, rules (the leaflet's own boxes)
EVERYTHING = {"everything.md": (FIXTURES / "everything.md").read_text(encoding="utf-8")}
MARK = '  background: "#ffe0a0"\n'  # a colour nothing else on the page uses, to find the call-out's box


def test_callout_padding_comes_from_the_layout(tmp_path: Path) -> None:
    def callout(layout_text: str, name: str) -> dict:
        """The box behind the fixture's one block quote ("Ask for a written quote ...")."""
        with pdfplumber.open(next(_build(tmp_path / name, "callout:\n" + MARK + layout_text, leaflets=EVERYTHING).glob("*.pdf"))) as doc:
            for page in doc.pages:
                words = [w for w in page.extract_words() if w["text"] == "quote"]
                boxes = [r for r in page.rects if words and r["x0"] <= words[0]["x0"] and r["x1"] >= words[0]["x1"]
                         and r["top"] <= words[0]["top"] and r["bottom"] >= words[0]["bottom"]
                         and tuple(r.get("non_stroking_color") or ()) == pytest.approx((1.0, 0xE0 / 255, 0xA0 / 255), abs=0.002)]
                if boxes:
                    return min(boxes, key=lambda r: r["height"])
        raise AssertionError("no call-out box around the block quote")

    plain, tall = callout("", "plain"), callout('  padding: "20pt 24pt 14pt"\n', "tall")
    assert tall["height"] == pytest.approx(plain["height"] + (20 - 9) + (14 - 3), abs=0.05)  # default 9pt 12pt 3pt
    assert tall["width"] == pytest.approx(plain["width"], abs=0.05)  # the box keeps the column's width; the text moves in


def test_table_cell_padding_and_rule_width_come_from_the_layout(tmp_path: Path) -> None:
    header = '  header_background: "#203a70"\n  rule_colour: "#ff0000"\n'

    def table(layout_text: str, name: str) -> tuple[float, list[float]]:
        root_pdf = next(_build(tmp_path / name, "table:\n" + header + layout_text, leaflets=EVERYTHING).glob("*.pdf"))
        with pdfplumber.open(root_pdf) as doc:
            heads = [r for p in doc.pages for r in p.rects
                     if tuple(r.get("non_stroking_color") or ()) == pytest.approx((0x20 / 255, 0x3a / 255, 0x70 / 255), abs=0.002)]
            rules = [ln["linewidth"] for p in doc.pages for ln in p.lines
                     if tuple(ln.get("stroking_color") or ()) == pytest.approx((1.0, 0.0, 0.0), abs=0.002)]
        (head,) = heads
        return head["height"], rules

    height, rules = table("", "plain")
    tall, thick = table('  cell_padding: "12pt 6pt 10pt"\n  rule_width: 2pt\n', "tall")
    assert tall == pytest.approx(height + (12 - 5) + (10 - 6), abs=0.05)  # default 5pt 6pt 6pt
    assert rules and set(rules) == {0.5} and thick and set(thick) == {2.0}


def test_wider_cell_padding_leaves_the_text_less_room(tmp_path: Path) -> None:
    """The column widths are worked out with the layout's padding: text still fits its cell."""
    out = _build(tmp_path / "wide", 'table:\n  cell_padding: "5pt 20pt"\n', leaflets=EVERYTHING)
    with pdfplumber.open(next(out.glob("*.pdf"))) as doc:
        words = " ".join(w["text"] for p in doc.pages for w in p.extract_words())
    assert "long description of what happens that has to wrap inside its cell" in words


def test_the_horizontal_rule_comes_from_the_layout(tmp_path: Path) -> None:
    def rule(layout_text: str, name: str) -> list[dict]:
        with pdfplumber.open(next(_build(tmp_path / name, layout_text, leaflets=EVERYTHING).glob("*.pdf"))) as doc:
            return [ln for p in doc.pages for ln in p.lines
                    if tuple(ln.get("stroking_color") or ()) == pytest.approx((0.0, 0.5, 0.0), abs=0.002)]

    (line,) = rule('rule:\n  colour: "#008000"\n  thickness: 3pt\n', "thick")
    assert line["linewidth"] == pytest.approx(3.0)
    near, far = rule('rule:\n  colour: "#008000"\n', "near"), rule('rule:\n  colour: "#008000"\n  space_before: 30pt\n', "far")
    assert near[0]["linewidth"] == pytest.approx(0.8)  # the default
    assert near[0]["top"] + 24 == pytest.approx(far[0]["top"], abs=0.05)  # 30pt above it instead of 6pt
