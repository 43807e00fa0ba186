"""Layouts: designer-editable YAML, validated against one typed schema.

The schema below is the single source of truth: it validates layout files (unknown keys get a
"did you mean"), supplies defaults, converts units, and documents every key (``layouts/README.md``
and ``--print-layout`` are generated from it). Layouts may inherit with ``extends: NAME``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import field, fields
from pathlib import Path
from typing import Any

from .brand import HEX_COLOUR, Brand
from .codecache import dataclass
from .errors import BuildError, did_you_mean
from .yamlfile import YamlDoc, as_text, parse_yaml, read_text

MM = 72 / 25.4
UNITS = {"pt": 1.0, "mm": MM, "cm": 10 * MM, "in": 72.0}
PAGE_SIZES = {"A4": (210 * MM, 297 * MM), "A5": (148 * MM, 210 * MM), "letter": (612.0, 792.0), "legal": (612.0, 1008.0)}


def opt(kind: str, default: Any, doc: str, **limits: Any) -> Any:
    """A layout key: its kind (how it is parsed), default as a designer writes it, and help."""
    return field(default=default, metadata={"kind": kind, "doc": doc, **limits})


@dataclass(frozen=True)
class Page:
    """Paper and margins (``page:`` in a layout file); every key with its default and limits is listed in layouts/README.md."""
    size: Any = opt("pagesize", "A4", "Paper size: A4, A5, letter, legal, or `WIDTH x HEIGHT` with units (e.g. `148mm x 210mm`).")
    orientation: str = opt("choice", "portrait", "`portrait` or `landscape`.", choices=("portrait", "landscape"))
    margin_top: float = opt("size", "16mm", "Space above the header.", min=0)
    margin_bottom: float = opt("size", "16mm", "Space below the footer.", min=0)
    margin_left: float = opt("size", "20mm", "Left margin.", min=0)
    margin_right: float = opt("size", "20mm", "Right margin.", min=0)
    background: str = opt("colour", "background", "Page colour (in print-ready PDFs it runs into the bleed).")


@dataclass(frozen=True)
class Text:
    """Body text (``text:``): font, size and spacing, the sizes clear print asks for as limits."""
    font: str = opt("font", "body", "Body font: a font name from the brand file.")
    size: float = opt("size", "13pt", "Body text size (clear print: 12pt or more; large print 16pt or more).", min=8, max=40, text=True)
    leading: float = opt("number", 1.45, "Line height as a multiple of the text size.", min=1.0, max=3.0)
    colour: str = opt("colour", "text", "Body text colour.")
    link_colour: str = opt("colour", "primary", "Colour of links.")
    align: str = opt("choice", "left", "`left` (recommended), `center`, `right` or `justify`.", choices=("left", "center", "right", "justify"))
    space_after: float = opt("size", "7pt", "Space after each paragraph.", min=0)
    min_column_chars: int = opt("integer", 35, "Narrowest allowed text column, in average characters per line.", min=10)
    large_print: bool = opt("boolean", False, "This layout is a large-print edition: the quality check then asks for body text of 16pt or more (RNIB).")
    min_size: float = opt("size", "8pt", "Smallest text allowed anywhere (footer, tables, header): every text size in this layout is checked against it. `large-print` sets 16pt.", min=4, max=40)


@dataclass(frozen=True)
class Headings:
    """Headings (``headings:``): font, colour and the size of each level."""
    font: str = opt("font", "headings", "Heading font: a font name from the brand file.")
    colour: str = opt("colour", "primary", "Heading colour.")
    h1_size: float = opt("size", "22pt", "Size of level 1 headings inside a leaflet.", min=8, max=72, text=True)
    h2_size: float = opt("size", "18pt", "Size of section headings (##).", min=8, max=72, text=True)
    h3_size: float = opt("size", "15pt", "Size of ### headings.", min=8, max=72, text=True)
    h4_size: float = opt("size", "13pt", "Size of #### headings and below.", min=8, max=72, text=True)
    space_before: float = opt("size", "14pt", "Space above a section heading.", min=0)
    space_after: float = opt("size", "5pt", "Space below a heading.", min=0)
    rule: bool = opt("boolean", True, "Draw a thin rule under section headings.")
    rule_colour: str = opt("colour", "accent", "Colour of that rule.")


@dataclass(frozen=True)
class Title:
    """The first page's title band (``title:``)."""
    size: float = opt("size", "26pt", "Leaflet title size on the first page.", min=12, max=96, text=True)
    colour: str = opt("colour", "on_primary", "Title text colour.")
    band_colour: str = opt("colour", "primary", "Colour of the band behind the title.")
    band_padding: float = opt("size", "7mm", "Space inside the title band.", min=0)
    band_width: str = opt(
        "choice", "frame",
        "`frame` (the band sits within the margins) or `page` (edge to edge; in print-ready PDFs it runs into the bleed).",
        choices=("frame", "page"),
    )
    summary_size: float = opt("size", "14pt", "Size of the summary line under the title.", min=8, max=40, text=True)


@dataclass(frozen=True)
class Header:
    """The header on every page (``header:``): logo and clinic name."""
    height: float = opt("size", "16mm", "Height of the header area.", min=0)
    logo_height: float = opt("size", "11mm", "Height of the logo.", min=0)
    clinic_name_size: float = opt("size", "12pt", "Size of the clinic name.", min=6, max=40, text=True)
    colour: str = opt("colour", "primary", "Colour of the clinic name.")
    rule_colour: str = opt("colour", "accent", "Colour of the line under the header.")


@dataclass(frozen=True)
class Footer:
    """The footer on every page (``footer:``): its height, text size and colour."""
    height: float = opt("size", "12mm", "Height of the footer area.", min=0)
    size: float = opt("size", "10pt", "Footer text size (also the leaflet title in the header of later pages).", min=6, max=24, text=True)
    colour: str = opt("colour", "muted", "Footer text colour.")


@dataclass(frozen=True)
class Qr:
    """The booking panel (``qr:``): the code's printed size, where it goes and its colours."""
    size: float = opt("size", "30mm", "Width of the QR code itself, without its quiet zone (20mm or more).", min=20 * MM - 0.01, max=120 * MM)
    placement: str = opt("choice", "start", "`start` (after the title) or `end` (after the last section).", choices=("start", "end"))
    panel_colour: str = opt("colour", "panel", "Background of the booking panel (the code keeps a white quiet zone).")
    text_size: float = opt("size", "13pt", "Size of the text beside the code.", min=8, max=40, text=True)


@dataclass(frozen=True)
class Callout:
    """Block quotes drawn as call-out boxes (``callout:``)."""
    background: str = opt("colour", "panel", "Background of block quotes (call-out boxes).")
    border: str = opt("colour", "primary", "Left border colour of call-out boxes.")
    border_width: float = opt("size", "3pt", "Width of that border.", min=0)
    padding: Any = opt("padding", "9pt 12pt 3pt", "Space inside a call-out box: one to four sizes, as CSS writes padding (`9pt 12pt 3pt`: top, left and right, bottom; the text's own paragraph spacing adds to the bottom).", min=0, max=30)


@dataclass(frozen=True)
class Table:
    """Tables (``table:``): header row and rules."""
    header_background: str = opt("colour", "primary", "Background of a table's header row.")
    header_colour: str = opt("colour", "on_primary", "Text colour of the header row.")
    rule_colour: str = opt("colour", "muted", "Colour of the lines between rows.")
    stripe: str = opt("colour", "panel", "Background of every second row.")
    rule_width: float = opt("size", "0.5pt", "Thickness of the lines between rows.", min=0, max=5)
    cell_padding: Any = opt("padding", "5pt 6pt 6pt", "Space around the text in each cell: one to four sizes, as CSS writes padding (`5pt 6pt 6pt`: top, left and right, bottom).", min=0, max=20)


@dataclass(frozen=True)
class Rule:
    """Horizontal rules (``rule:``): the line a `---` between paragraphs draws."""
    thickness: float = opt("size", "0.8pt", "Thickness of the line.", min=0.1, max=10)
    colour: str = opt("colour", "muted", "Colour of the line.")
    space_before: float = opt("size", "6pt", "Space above the line.", min=0, max=72)
    space_after: float = opt("size", "10pt", "Space below the line.", min=0, max=72)


@dataclass(frozen=True)
class Lists:
    """Lists (``lists:``)."""
    indent: float = opt("size", "7mm", "Indent per list level.", min=2)


@dataclass(frozen=True)
class Code:
    """Code blocks and inline code (``code:``)."""
    background: str = opt("colour", "#f2f2f2", "Background of code blocks (text printed exactly as written, in a box).")
    inline_background: str = opt("colour", "#eeeeee", "Background of `code` within a sentence.")
    padding: float = opt("size", "4pt", "Space inside a code block's box.", min=0, max=20)


@dataclass(frozen=True)
class Print:
    """What a print shop needs (``print:``): bleed, crop marks, colour model."""
    ready: bool = opt("boolean", False, "Make a print-ready PDF for a print shop: bleed, crop marks, TrimBox and BleedBox (the same as `--print-ready`).")
    bleed: float = opt("size", "3mm", "How far page backgrounds and edge-to-edge bands reach past the trimmed edge (print shops ask for 3mm).", min=0, max=20 * MM)
    crop_marks: bool = opt("boolean", True, "Draw crop marks outside the trimmed page (print-ready only).")
    imposition: str = opt(
        "choice", "none",
        "`none` (one page per sheet) or `booklet`: pages are placed two to a sheet in saddle-stitch order, "
        "with blank pages added to make a multiple of four; print double-sided (flip on the short edge), fold, staple.",
        choices=("none", "booklet"),
    )
    sheet: Any = opt("pagesize", "A4", "Sheet a booklet is printed on, used landscape: two pages must fit side by side.")
    colour: str = opt(
        "choice", "rgb",
        "`rgb` (screens and office printers) or `cmyk` (a print shop's press): every colour is converted from the brand's "
        "palette with LittleCMS and a CMYK SWOP profile, black and near-black text prints as black ink only, and crop marks "
        "are in registration colour. Photos stay RGB. See [Printing](#printing).",
        choices=("rgb", "cmyk"),
    )


@dataclass(frozen=True)
class Forms:
    """The consent pack's forms (``forms:``): sizes, lines, boxes and paddings."""
    text_size: float = opt("size", "12pt", "Text size on the consent pack's forms (cover, health check, consent form, aftercare card); the leaflet keeps `text.size`. Clear print: 12pt or more; a large-print layout sets its own.", min=12, max=40, text=True)
    field_size: float = opt("size", "13pt", "Size of patient details printed on the form lines (name, date of birth...); they shrink to fit a long name.", min=8, max=40, text=True)
    line_colour: str = opt("colour", "muted", "Colour of the lines to write on and of the tick boxes.")
    panel_padding: float = opt("size", "8pt", "Space inside the booking panels (around the QR code and the link) and inside the aftercare card's cut line.", min=0, max=20)
    field_gap: float = opt("size", "3pt", "Space above each row of labelled lines to write on.", min=0, max=20)
    checklist_padding: Any = opt("padding", "4pt 6pt 5pt", "Space around the text in the health check's table cells: one to four sizes, as CSS writes padding (`4pt 6pt 5pt`: top, left and right, bottom).", min=0, max=20)
    photo_padding: Any = opt("padding", "5pt 6pt 6pt 3pt", "Space around the cells of the consent form's photo table (top, right, bottom, left).", min=0, max=20)
    copy_mark_padding: Any = opt("padding", "7pt 6pt 8pt", "Space around the words of the consent form's \"Clinic copy\" / \"Patient copy\" mark.", min=0, max=20)
    warning_padding: Any = opt("padding", "6pt 8pt", "Space inside the aftercare card's warning box (top and bottom, sides).", min=0, max=20)


SECTIONS: dict[str, type] = {
    "page": Page, "text": Text, "headings": Headings, "title": Title, "header": Header,
    "footer": Footer, "qr": Qr, "callout": Callout, "table": Table, "rule": Rule, "lists": Lists, "code": Code, "print": Print,
    "forms": Forms,
}


@dataclass(frozen=True)
class Layout:
    """A whole layout, its ``extends:`` chain resolved and every value checked: what render reads, never raw YAML."""
    name: str
    files: tuple[Path, ...]
    page: Page
    text: Text
    headings: Headings
    title: Title
    header: Header
    footer: Footer
    qr: Qr
    callout: Callout
    table: Table
    rule: Rule
    lists: Lists
    code: Code
    print: Print
    forms: Forms
    raw: dict  # the resolved values as written, for --print-layout
    origin: dict = field(default_factory=dict)  # section -> key -> "file:line" where the value was set

    @property
    def sheet_size(self) -> tuple[float, float]:
        """The booklet sheet, landscape."""
        w, h = self.print.sheet
        return (max(w, h), min(w, h))

    @property
    def page_size(self) -> tuple[float, float]:
        w, h = self.page.size
        return (max(w, h), min(w, h)) if self.page.orientation == "landscape" else (min(w, h), max(w, h))

    @property
    def frame_width(self) -> float:
        return self.page_size[0] - self.page.margin_left - self.page.margin_right


def find_layout(name_or_path: str, layouts_dir: Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or "/" in name_or_path:
        return candidate
    path = layouts_dir / f"{name_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in layouts_dir.glob("*.yaml"))
        raise BuildError(f'no layout called "{name_or_path}"{did_you_mean(name_or_path, known)}; shipped layouts: {", ".join(known)}')
    return path


def load_layout(name_or_path: str, layouts_dir: Path, brand: Brand) -> Layout:
    from .layout_checks import check_whole  # the checks read the schema defined here

    path = find_layout(name_or_path, layouts_dir)
    merged: dict[str, dict[str, tuple[Any, YamlDoc]]] = {}
    chain = _read_chain(path, layouts_dir, [])
    for doc in chain:  # parents first, so children override
        for section, values in (doc.data or {}).items():
            if section == "extends":
                continue
            for key, value in values.items():
                merged.setdefault(section, {})[key] = (value, doc)
    built: dict[str, Any] = {}
    raw: dict[str, dict[str, Any]] = {}
    origin: dict[str, dict[str, str]] = {}
    for section, cls in SECTIONS.items():
        kwargs = {}
        raw[section], origin[section] = {}, {}
        for f in fields(cls):
            value, doc = merged.get(section, {}).get(f.name, (f.default, None))
            kwargs[f.name] = _convert(f, value, doc, (section, f.name), brand)
            raw[section][f.name] = doc.raw.get((section, f.name), value) if doc is not None else value
            origin[section][f.name] = f"{doc.path.name}:{doc.line(section, f.name)}" if doc is not None else "default"
        built[section] = cls(**kwargs)
    layout = Layout(name=path.stem, files=tuple(d.path for d in chain), raw=raw, origin=origin, **built)
    check_whole(layout, merged)
    return layout


def _read_chain(path: Path, layouts_dir: Path, seen: list[Path]) -> list[YamlDoc]:
    doc = parse_yaml(read_text(path, "layout"), path)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise BuildError("a layout file must be a mapping of sections (page:, text:, ...)", path, 1)
    doc.data = data
    for section, values in data.items():
        if section == "extends":
            continue
        if section not in SECTIONS:
            raise doc.error((section,), f'unknown layout section "{section}"{did_you_mean(str(section), SECTIONS)}; sections: {", ".join(SECTIONS)}')
        if not isinstance(values, dict):
            raise doc.error((section,), f'"{section}" must contain keys (e.g. "  size: 13pt")')
        names = [f.name for f in fields(SECTIONS[section])]
        for key in values:
            if key not in names:
                raise doc.error((section, key), f'unknown key "{section}.{key}"{did_you_mean(str(key), names)}; see layouts/README.md')
    chain = [doc]
    if "extends" in data:
        parent = as_text(doc, ("extends",), data["extends"], "extends")
        try:
            parent_path = find_layout(parent, layouts_dir)
        except BuildError as exc:
            raise doc.error(("extends",), exc.message) from None
        trail = [*seen, path.resolve()]
        if parent_path.resolve() in trail:
            loop = " -> ".join(p.name for p in [*trail[trail.index(parent_path.resolve()):], parent_path.resolve()])
            raise doc.error(("extends",), f"layouts extend each other in a loop ({loop}); remove one of these extends")
        chain = _read_chain(parent_path, layouts_dir, trail) + chain
    return chain


def parse_size(text: str) -> float | None:
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(pt|mm|cm|in)\s*", str(text))
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def _convert(f: dataclasses.Field, value: Any, doc: YamlDoc | None, keys: tuple[str, str], brand: Brand) -> Any:
    meta = f.metadata
    kind = meta["kind"]
    key = ".".join(keys)

    def fail(message: str) -> BuildError:
        if doc is None:
            return BuildError(f'layout default for "{key}" is invalid: {message}')
        return doc.error(keys, f'"{key}": {message}')

    if value is None or isinstance(value, (dict, list)):
        hint = ' (a colour in #rrggbb form must be quoted, e.g. "#17476b": in YAML an unquoted # starts a comment)' if kind == "colour" else ""
        raise fail(f"needs a single value{hint}")
    text = doc.raw.get(keys, str(value)) if doc is not None else str(value)
    return _CONVERTERS[kind](text, value, meta, fail, brand)


# one converter per kind of value: (text as written, parsed YAML value, field metadata, fail, brand) -> value

def _size(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> float:
    size = parse_size(text)
    if size is None:
        raise fail(f'"{text}" is not a size; write a number with a unit, e.g. 12pt, 18mm, 1.5cm, 0.5in')
    unit = re.sub(r"[^a-z]", "", text)
    _limits(meta, size, fail, lambda v: f"{v / UNITS[unit]:.4g}{unit}")
    return size


def _number(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> float | int:
    whole = meta["kind"] == "integer"
    try:
        number = int(text) if whole else float(text)
    except ValueError:
        raise fail(f'"{text}" is not a {"whole " if whole else ""}number') from None
    _limits(meta, number, fail, lambda v: f"{v:g}")
    return number


def _boolean(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> bool:
    if isinstance(value, bool):
        return value
    raise fail(f'"{text}" must be true or false')


def _choice(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> str:
    if text not in meta["choices"]:
        raise fail(f'"{text}" is not one of: {", ".join(meta["choices"])}{did_you_mean(text, meta["choices"])}')
    return text


def _colour(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> str:
    if HEX_COLOUR.match(text):
        return text.lower()
    if text in brand.colours:
        return brand.colours[text]
    raise fail(f'colour "{text}" is neither a #rrggbb value nor a colour named in the brand file{did_you_mean(text, brand.colours)}')


def _font(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> str:
    if text in brand.fonts:
        return text
    raise fail(f'font "{text}" is not defined in the brand file{did_you_mean(text, brand.fonts)} (defined: {", ".join(brand.fonts)})')


def _pagesize(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> tuple[float, float]:
    if text in PAGE_SIZES:
        return PAGE_SIZES[text]
    m = re.fullmatch(r"\s*(\S+)\s*[xX×]\s*(\S+)\s*", text)
    dims = (parse_size(m.group(1)), parse_size(m.group(2))) if m else (None, None)
    if dims[0] is None or dims[1] is None or dims[0] <= 0 or dims[1] <= 0:
        raise fail(f'"{text}" is not a paper size; use A4, A5, letter, legal or e.g. "148mm x 210mm"')
    return dims


def _padding(text: str, value: Any, meta: dict, fail: Any, brand: Brand) -> tuple[float, float, float, float]:
    """One to four sizes as CSS writes padding -> (top, right, bottom, left)."""
    parts = text.split()
    if not 1 <= len(parts) <= 4:
        raise fail(f'"{text}" is not a padding; write one to four sizes (top, right, bottom, left, as in CSS), e.g. "4pt 6pt 5pt"')
    s = [_size(part, part, meta, fail, brand) for part in parts]
    top, right, bottom, left = [*s, s[1]] if len(s) == 3 else (s * 4)[:4]  # 1: all sides; 2: (top and bottom, sides); 4: as given
    return (top, right, bottom, left)


_CONVERTERS = {"size": _size, "number": _number, "integer": _number, "boolean": _boolean, "choice": _choice,
               "colour": _colour, "font": _font, "pagesize": _pagesize, "padding": _padding}


def _limits(meta: dict, value: float, fail: Any, show: Any) -> None:
    if "min" in meta and value < meta["min"]:
        raise fail(f"{show(value)} is too small (at least {show(meta['min'])})")
    if "max" in meta and value > meta["max"]:
        raise fail(f"{show(value)} is too large (at most {show(meta['max'])})")


def describe(layout: Layout) -> str:
    """The fully resolved layout, as YAML a designer can read or copy, with where each value came from."""
    out = [f"# layout {layout.name}, resolved from: {' <- '.join(p.name for p in layout.files)}",
           "# each value is followed by where it was set (file:line, or the built-in default)"]
    for section, cls in SECTIONS.items():
        out.append(f"{section}:")
        obj = getattr(layout, section)
        for f in fields(cls):
            raw = layout.raw[section][f.name]
            value = getattr(obj, f.name)
            notes = [layout.origin.get(section, {}).get(f.name, "default")]
            kind = f.metadata["kind"]
            if kind == "size" and not str(raw).strip().endswith("pt"):
                notes.append(f"= {value:.2f}pt")
            elif kind == "colour" and str(raw) != value:
                notes.append(f"= {value}")
            elif kind == "boolean":
                raw = "true" if value else "false"
            shown = f'"{raw}"' if kind == "colour" and str(raw).startswith("#") else raw
            out.append(f"  {f.name}: {shown}  # {', '.join(notes)}")
    return "\n".join(out) + "\n"


def _default_text(f: dataclasses.Field) -> str:
    return ("true" if f.default else "false") if isinstance(f.default, bool) else str(f.default)


def reference_markdown() -> str:
    """Every key with its default and meaning (layouts/README.md embeds this)."""
    out = []
    for section, cls in SECTIONS.items():
        out.append(f"### `{section}`\n\n| key | default | meaning |\n|---|---|---|")
        for f in fields(cls):
            out.append(f"| `{f.name}` | `{_default_text(f)}` | {f.metadata['doc']} |")
        out.append("")
    return "\n".join(out)


README_BEGIN = "<!-- BEGIN KEYS: generated by `make layouts-readme` from clinicpack/layout.py; do not edit by hand -->"
README_END = "<!-- END KEYS -->"


def refreshed_readme(text: str) -> str:
    """``text`` (layouts/README.md) with the key reference between the markers regenerated."""
    if README_BEGIN not in text or README_END not in text:
        raise BuildError(f"layouts/README.md has lost its markers; put back the lines {README_BEGIN} and {README_END}")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n\n{reference_markdown()}\n{README_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """``python -m clinicpack.layout --update-readme layouts/README.md`` refreshes the key tables."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m clinicpack.layout", description="Layout schema tools.")
    p.add_argument("--update-readme", type=Path, metavar="README", help="regenerate the key tables in this README")
    p.add_argument("--reference", action="store_true", help="print the key tables as Markdown")
    args = p.parse_args(argv)
    if args.update_readme:
        old = args.update_readme.read_text(encoding="utf-8")
        new = refreshed_readme(old)
        if new != old:
            args.update_readme.write_text(new, encoding="utf-8")
        print(f"{args.update_readme}: {'updated' if new != old else 'already up to date'}")
    if args.reference or not args.update_readme:
        print(reference_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
