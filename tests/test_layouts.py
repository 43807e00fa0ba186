"""Layout files as designers write them: inheritance, --print-layout, the generated key
reference, and every error a designer can make, with its exact file, line and message."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from helpers import ROOT, make_project, run

from clinicpack.brand import load_brand
from clinicpack.errors import BuildError
from clinicpack.layout import MM, SECTIONS, load_layout, refreshed_readme

BRAND = load_brand(ROOT / "assets/brand.yaml")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def layout_error(project: Path, text: str, name: str = "mine") -> BuildError:
    (project / "layouts" / f"{name}.yaml").write_text(text)
    with pytest.raises(BuildError) as err:
        load_layout(name, project / "layouts", BRAND)
    return err.value


def where(err: BuildError) -> tuple[str, int | None]:
    return Path(err.file).name, err.line


# ---------------------------------------------------------------- shipped layouts


def test_shipped_layouts_load_and_inherit() -> None:
    layouts = {name: load_layout(name, ROOT / "layouts", BRAND) for name in ("default", "letter", "large-print", "a5-booklet")}
    assert [p.name for p in layouts["large-print"].files] == ["default.yaml", "large-print.yaml"]
    assert layouts["letter"].page_size == (612.0, 792.0)
    assert layouts["letter"].qr.size == layouts["default"].qr.size  # inherited
    assert round(layouts["a5-booklet"].page_size[0] / MM) == 148
    assert layouts["a5-booklet"].print.imposition == "booklet"
    lp = layouts["large-print"]
    assert lp.text.size >= 16 and lp.text.min_size == 16 and lp.text.large_print
    assert min(lp.headings.h2_size, lp.headings.h3_size, lp.headings.h4_size, lp.title.size) > lp.text.size


def test_print_layout_shows_every_key_with_its_origin(project: Path, capsys) -> None:
    code, out, err = run(project, "--print-layout", "large-print", capsys=capsys)
    assert code == 0, err
    assert out.startswith("# layout large-print, resolved from: default.yaml <- large-print.yaml\n")
    lines = out.splitlines()
    assert "  size: 18pt  # large-print.yaml:9" in lines  # text.size, set by large-print
    assert "  margin_top: 16mm  # default, = 45.35pt" in lines  # built-in default
    font_line = (ROOT / "layouts/default.yaml").read_text().splitlines().index("  font: body") + 1
    assert f"  font: body  # default.yaml:{font_line}" in lines  # inherited from default.yaml
    assert f"  colour: primary  # default.yaml:{font_line + 5}, = #17476b" in lines  # headings.colour
    assert "  imposition: none  # default" in lines
    keys = [line for line in lines if line.startswith("  ")]
    assert len(keys) == sum(len(fields(cls)) for cls in SECTIONS.values())  # every key of every section is shown


def test_print_layout_of_an_unknown_layout_is_one_clear_line(project: Path, capsys) -> None:
    code, out, err = run(project, "--print-layout", "larg-print", capsys=capsys)
    assert code == 1 and out == ""
    assert err == 'error: no layout called "larg-print" (did you mean "large-print"?); shipped layouts: a5-booklet, default, large-print, letter\n'


def test_layouts_readme_documents_every_key_and_is_up_to_date() -> None:
    readme = (ROOT / "layouts/README.md").read_text(encoding="utf-8")
    assert readme == refreshed_readme(readme), "layouts/README.md is out of date: run `make layouts-readme`"
    assert "| `bleed` | `3mm` |" in readme and "| `min_size` | `8pt` |" in readme


def test_a_child_layout_overrides_only_what_it_names(project: Path) -> None:
    (project / "layouts/mine.yaml").write_text('extends: large-print\ntext:\n  colour: "#8B0000"\n')
    mine = load_layout("mine", project / "layouts", BRAND)
    assert mine.text.colour == "#8b0000"
    assert mine.text.size == 18  # from large-print
    assert mine.page.margin_top == pytest.approx(16 * MM)  # built-in default


# ---------------------------------------------------------------- errors


def test_unknown_key_names_file_line_and_suggests(project: Path) -> None:
    err = layout_error(project, "extends: default\ntitle:\n  band_colur: accent\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == 'unknown key "title.band_colur" (did you mean "band_colour"?); see layouts/README.md'


def test_unknown_section_suggests(project: Path) -> None:
    err = layout_error(project, "page:\n  size: A4\nheadngs:\n  colour: accent\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message.startswith('unknown layout section "headngs" (did you mean "headings"?); sections: page, text,')


def test_unquoted_hex_colour_explains_the_yaml_comment(project: Path) -> None:
    err = layout_error(project, "text:\n  size: 14pt\n  colour: #123456\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == (
        '"text.colour": needs a single value (a colour in #rrggbb form must be quoted, e.g. "#17476b": '
        "in YAML an unquoted # starts a comment)"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"#12345"', '"text.colour": colour "#12345" is neither a #rrggbb value nor a colour named in the brand file'),
        ("primry", '"text.colour": colour "primry" is neither a #rrggbb value nor a colour named in the brand file (did you mean "primary"?)'),
    ],
)
def test_bad_colour(project: Path, value: str, message: str) -> None:
    err = layout_error(project, f"text:\n  colour: {value}\n")
    assert where(err) == ("mine.yaml", 2)
    assert err.message == message


def test_negative_margin_is_reported_in_the_designers_unit(project: Path) -> None:
    err = layout_error(project, "extends: default\npage:\n  margin_left: -5mm\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == '"page.margin_left": -5mm is too small (at least 0mm)'


def test_size_without_unit(project: Path) -> None:
    err = layout_error(project, "text:\n  size: 12\n")
    assert where(err) == ("mine.yaml", 2)
    assert err.message == '"text.size": "12" is not a size; write a number with a unit, e.g. 12pt, 18mm, 1.5cm, 0.5in'


def test_qr_code_too_small_to_scan(project: Path) -> None:
    err = layout_error(project, "qr:\n  size: 15mm\n")
    assert where(err) == ("mine.yaml", 2)
    assert err.message == '"qr.size": 15mm is too small (at least 20mm)'


def test_text_column_too_narrow_to_read(project: Path) -> None:
    err = layout_error(project, "page:\n  margin_left: 80mm\n  margin_right: 80mm\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == (
        "the text column is 50mm wide, too narrow to read at 13pt (about 22 characters a line, at least 35 needed); "
        "reduce page.margin_left/margin_right or text.size"
    )


def test_too_little_height_for_text(project: Path) -> None:
    err = layout_error(project, "page:\n  margin_top: 100mm\n  margin_bottom: 100mm\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message.startswith("only 69mm of the page height is left for text (at least 80mm needed)")


def test_large_print_refuses_small_text_anywhere(project: Path) -> None:
    err = layout_error(project, "extends: large-print\nfooter:\n  size: 12pt\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == (
        "footer.size is 12pt, smaller than text.min_size 16pt (this layout allows no smaller text); set footer.size to 16pt or more"
    )


def test_raising_min_size_blames_the_child_file(project: Path) -> None:
    err = layout_error(project, "extends: large-print\ntext:\n  min_size: 20pt\n")
    assert where(err) == ("mine.yaml", 3)  # not large-print.yaml, where text.size happens to be set
    assert err.message.startswith("text.size is 18pt, smaller than text.min_size 20pt")


def test_booklet_pages_must_fit_the_sheet(project: Path) -> None:
    err = layout_error(project, "extends: a5-booklet\npage:\n  size: A4\n")
    assert where(err) == ("mine.yaml", 3)
    assert err.message == (
        "two 210x297mm pages do not fit side by side on a 297x210mm sheet; use a larger print.sheet or a smaller page.size (A5 on A4)"
    )


def test_bad_choice_suggests(project: Path) -> None:
    err = layout_error(project, "print:\n  imposition: bookelt\n")
    assert where(err) == ("mine.yaml", 2)
    assert err.message == '"print.imposition": "bookelt" is not one of: none, booklet (did you mean "booklet"?)'


def test_extends_loop_names_the_chain(project: Path) -> None:
    (project / "layouts/other.yaml").write_text("extends: mine\n")
    err = layout_error(project, "extends: other\n")
    assert where(err) == ("other.yaml", 1)
    assert err.message == "layouts extend each other in a loop (mine.yaml -> other.yaml -> mine.yaml); remove one of these extends"


def test_extends_unknown_parent_suggests(project: Path) -> None:
    err = layout_error(project, "extends: defalt\n")
    assert where(err) == ("mine.yaml", 1)
    assert err.message.startswith('no layout called "defalt" (did you mean "default"?)')


def test_build_with_a_bad_layout_writes_nothing(project: Path, capsys) -> None:
    (project / "layouts/mine.yaml").write_text("text:\n  colour: primry\n")
    code, _, err = run(project, "--layout", "mine", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].endswith(
        'layouts/mine.yaml:2: error: "text.colour": colour "primry" is neither a #rrggbb value nor a colour named in the brand file (did you mean "primary"?)'
    )
    assert not (project / "output").exists() or not any((project / "output").iterdir())
