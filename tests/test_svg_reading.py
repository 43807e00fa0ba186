"""The SVG reference check reads with expat (clinicpack/svgxml.py) while svglib draws from
libxml2's reading: the check must see every reference libxml2 hands svglib. Hostile SVGs
(entity expansion, external and parameter entities, XInclude, deep nesting, huge elements,
<use> loops, gzip) are refused with a message and a line, and generated SVGs are read as
libxml2 reads them: every element svglib would get, with the same attributes and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from helpers import files_under, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from svglib.svglib import load_svg_file
from test_harden_images import png_bytes, project_with_svg

from clinicpack.errors import BuildError
from clinicpack.images import MAX_SVG_ELEMENTS, check_svg
from clinicpack.svgxml import MAX_DEPTH, MAX_TEXT, read_elements

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
PUBLIC = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"'
LAUGHS = "".join(f'<!ENTITY l{i + 1} "{f"&l{i};" * 10}">' for i in range(9))


def refused(tmp_path: Path, text: str | bytes) -> tuple[str, int | None]:
    """The check's message and line for ``text`` as an SVG in assets/ (it must refuse it)."""
    path = tmp_path / "pic.svg"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(BuildError) as caught:
        check_svg(path, [tmp_path])
    assert caught.value.file == path
    return caught.value.message, caught.value.line


HOSTILE = {
    "billion laughs": (f'<!DOCTYPE svg [<!ENTITY l0 "ha">{LAUGHS}]>\n<svg {NS}><text>&l9;</text></svg>', 2,
                       "this SVG cannot be read (limit on input amplification factor (from DTD and entities) breached)"),
    "quadratic blow-up in an attribute": (
        f'<!DOCTYPE svg [<!ENTITY a "{"a" * 50_000}">]>\n<svg {NS}><g id="{"&a;" * 2_000}"/></svg>', 2,
        "this SVG cannot be read (limit on input amplification factor (from DTD and entities) breached)"),
    "external entity in text": (f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg {NS}><text>&x;</text></svg>', 1,
                                'this SVG cannot be read (it declares the external entity "&x;", a link to another file: remove that <!ENTITY>)'),
    "external entity in an href": (f'<!DOCTYPE svg [<!ENTITY x SYSTEM "secret.png">]>\n<svg {NS}><image href="&x;"/></svg>', 1,
                                   'this SVG cannot be read (it declares the external entity "&x;", a link to another file: remove that <!ENTITY>)'),
    "unparsed entity": (f'<!DOCTYPE svg [<!NOTATION p SYSTEM "png"><!ENTITY x SYSTEM "a.png" NDATA p>]>\n<svg {NS}/>', 1,
                        'this SVG cannot be read (it declares the external entity "&x;", a link to another file: remove that <!ENTITY>)'),
    "parameter entity": (f'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://example.org/x.dtd"> %p;]>\n<svg {NS}/>', 1,
                         'this SVG cannot be read (it declares the parameter entity "%p;": remove that <!ENTITY>)'),
    # libxml2 applies the declaration after an unknown %p; expat would not: the href would be read differently
    "undeclared parameter entity before a declaration": (
        f'<!DOCTYPE svg [\n %p; <!ENTITY x "../../secret.png">]>\n<svg {NS}><image href="&x;"/></svg>', 2,
        'this SVG cannot be read (it uses the parameter entity "%p;": remove it)'),
    "undeclared entity": (f'<svg {NS}>\n<text>&nope;</text></svg>', 2, "this SVG cannot be read (undefined entity)"),
    "entity with markup naming a file outside": (
        f'<!DOCTYPE svg [<!ENTITY e "<image href=\'../../secret.png\'/>">]>\n<svg {NS}>\n<g>&e;</g></svg>', 3,
        'refers to "../../secret.png", which is outside the allowed folders'),
    "internal entity naming a file outside": (
        f'<!DOCTYPE svg [<!ENTITY up "../..">]>\n<svg {NS}>\n<image href="&up;/secret.png"/></svg>', 3,
        'refers to "../../secret.png", which is outside the allowed folders'),
    "declared default href outside": (
        f'<!DOCTYPE svg [<!ATTLIST image xlink:href CDATA "/etc/hostname">]>\n<svg {NS}>\n<image/></svg>', 3,
        'refers to "/etc/hostname", which is not a file beside it'),
    "XInclude": (f'<svg {NS} xmlns:xi="http://www.w3.org/2001/XInclude">\n<xi:include href="/etc/passwd" parse="text"/></svg>', 2,
                 'refers to "/etc/passwd", which is not a file beside it'),
    "too deep": (f"<svg {NS}>" + "<g>" * MAX_DEPTH + "</g>" * MAX_DEPTH + "</svg>", 1,
                 f"this SVG cannot be read (its elements are nested more than {MAX_DEPTH} deep: draw it more simply, or save it as a PNG)"),
    "huge attribute": (f'<svg {NS}>\n<g id="{"x" * (MAX_TEXT + 1)}"/></svg>', 2,
                       "this SVG cannot be read (an attribute is longer than 10,000,000 bytes: draw it more simply, or save it as a PNG)"),
    "huge text": (f"<svg {NS}>\n<text>{'é' * (MAX_TEXT // 2 + 1)}</text></svg>", 2,
                  "this SVG cannot be read (a text is longer than 10,000,000 bytes: draw it more simply, or save it as a PNG)"),
    "huge comment": (f"<svg {NS}>\n<!--{'x' * (MAX_TEXT + 1)}--></svg>", 2,
                     "this SVG cannot be read (a comment is longer than 10,000,000 bytes: draw it more simply, or save it as a PNG)"),
    "huge name": (f"<svg {NS}>\n<{'g' * 50_001}/></svg>", 2,
                  "this SVG cannot be read (a name is longer than 50,000 characters: draw it more simply, or save it as a PNG)"),
    "not well-formed": (f'<svg {NS}>\n<g>\n<rect x="1></g></svg>', 3, "this SVG cannot be read (not well-formed (invalid token))"),
    "use of itself": (f'<svg {NS}>\n<use href="pic.svg#x"/>\n<g id="x"/></svg>', None,
                      "this SVG uses itself through other SVG files (a loop); remove the <use> that closes it"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_svgs_are_refused_with_a_message_and_a_line(tmp_path: Path, case: str) -> None:
    text, line, message = HOSTILE[case]
    got, got_line = refused(tmp_path, text)
    assert message in got and got_line == line


def test_nesting_up_to_libxml2s_limit_passes(tmp_path: Path) -> None:
    path = tmp_path / "pic.svg"
    path.write_text(f"<svg {NS}>" + "<g>" * (MAX_DEPTH - 1) + "</g>" * (MAX_DEPTH - 1) + "</svg>")
    check_svg(path, [tmp_path])
    assert _libxml2_view(path, svglib=False) == _our_view(path)


def test_a_gzip_compressed_svg_is_refused(tmp_path: Path) -> None:
    message, line = refused(tmp_path, gzip.compress(f"<svg {NS}/>".encode()))
    assert (message, line) == ("this SVG cannot be read (it is gzip-compressed; save it as a plain SVG)", None)


@pytest.mark.parametrize("encoding", ["Shift_JIS", "EUC-JP", "HZ-GB-2312", "ISO-2022-JP", "UTF-7", "cp037", "no-such-encoding"])
def test_an_encoding_expat_and_libxml2_might_read_differently_is_refused(tmp_path: Path, encoding: str) -> None:
    """(libxml2 reads "~" in Shift_JIS as an overline; HZ and ISO-2022 shift to other characters
    mid-text, so "/" and "." could mean different things to the check and to svglib.)"""
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<svg {NS}>\n<image href="~{{../x~}}.png"/></svg>'
    assert refused(tmp_path, text.encode("ascii")) == (
        f'this SVG cannot be read (it is saved in the character encoding "{encoding}", which cannot be read safely: save it as UTF-8)', 1)


@pytest.mark.parametrize(("encoding", "bom"), [("windows-1252", b""), ("ISO-8859-15", b""), ("KOI8-R", b""),
                                               ("UTF-16", b"\xff\xfe"), ("UTF-16", b"\xfe\xff"), ("UTF-8", b"\xef\xbb\xbf")])
def test_single_byte_and_unicode_encodings_read_as_libxml2_reads_them(tmp_path: Path, encoding: str, bom: bytes) -> None:
    letter = "\u0436" if encoding == "KOI8-R" else "\u00e9"
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<svg {NS}>\n<image\n href="caf{letter}.png"/><text>{letter}</text></svg>'
    codec = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}.get(bom, encoding)
    path = tmp_path / "pic.svg"
    path.write_bytes(bom + text.encode(codec))
    (tmp_path / f"caf{letter}.png").write_bytes(png_bytes())
    check_svg(path, [tmp_path])
    assert _our_view(path) == _libxml2_view(path, svglib=False)
    assert _our_view(path)[1][1:] == ({"href": f"caf{letter}.png"}, 4)  # the line where the tag ends, as libxml2 says


def test_a_byte_its_encoding_does_not_have_is_refused(tmp_path: Path) -> None:
    text = f'<?xml version="1.0" encoding="windows-1252"?>\n<svg {NS}><text>\x81</text></svg>'
    assert refused(tmp_path, text.encode("latin-1")) == (
        "this SVG cannot be read (it is not windows-1252 text throughout: save it as UTF-8)", None)


def test_utf16_declaring_another_encoding_is_refused(tmp_path: Path) -> None:
    text = f'<?xml version="1.0" encoding="windows-1252"?>\n<svg {NS}/>'
    message, line = refused(tmp_path, b"\xff\xfe" + text.encode("utf-16-le"))
    assert 'character encoding "windows-1252"' in message and line == 1


def test_an_svg_bomb_of_elements_is_counted_without_keeping_them(tmp_path: Path) -> None:
    path = tmp_path / "pic.svg"
    path.write_text(f"<svg {NS}>" + "<g/>" * 300_000 + "</svg>")
    elements, count = read_elements(path, MAX_SVG_ELEMENTS)
    assert count == 300_001 and len(elements) == MAX_SVG_ELEMENTS
    assert refused(tmp_path, path.read_bytes())[0].startswith("this SVG has 300,001 elements; the limit is 10,000")


def test_through_the_command_line_a_hostile_svg_is_one_error_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    root = project_with_svg(tmp_path, f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg {NS}><text>&x;</text></svg>')
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f'{root / "assets" / "pic.svg"}:1: error: this SVG cannot be read (it declares the external entity "&x;", '
        "a link to another file: remove that <!ENTITY>)",
        "1 error(s); nothing was written",
    ]
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize("text", [
    # an Illustrator file: the DTD named (never fetched), namespaces given through internal entities
    f'{PUBLIC} [\n<!ENTITY ns_svg "http://www.w3.org/2000/svg">\n<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">\n]>\n'
    '<svg xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" width="20" height="20">\n<use xlink:href="#c"/><circle id="c" r="5"/>'
    "<text>&nbsp;&amp;&#233;</text></svg>",
    f'{PUBLIC}>\n<svg {NS} width="20" height="20"><rect width="5" height="5"/><!-- a comment --><?pi x?></svg>',
    f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg {NS}><text>\xe9</text></svg>',
])
def test_ordinary_svgs_from_drawing_programs_pass(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pic.svg"
    path.write_bytes(text.encode("latin-1" if "ISO-8859-1" in text else "utf-8"))
    check_svg(path, [tmp_path])
    assert _libxml2_view(path, svglib=False) == _our_view(path)


# ---------------------------------------------------------------- generated SVGs against libxml2

CHECK_PARSER = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}  # what check_svg used


KEYS = ("href", "{http://www.w3.org/1999/xlink}href", "id", "width")


def _libxml2_view(path: Path, svglib: bool) -> list[tuple] | None:
    """(tag, attributes, line) of every element as libxml2 reads the file: as svglib reads it, or
    as the check read it before (None: refused). Attributes as ``get`` answers (svglib asks so):
    libxml2 answers a default the DTD declares there, though ``attrib`` does not list it."""
    try:
        root = load_svg_file(str(path)) if svglib else etree.parse(str(path), etree.XMLParser(**CHECK_PARSER)).getroot()
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    return [(e.tag, {k: e.get(k) for k in KEYS if e.get(k) is not None}, e.sourceline) for e in root.iter() if isinstance(e.tag, str)]


def _our_view(path: Path) -> list[tuple]:
    return [(e.tag, {k: e.attributes[k] for k in KEYS if k in e.attributes}, e.line) for e in read_elements(path, MAX_SVG_ELEMENTS)[0]]


VALUES = st.sampled_from(["a.png", "#c", "../../x.png", "/etc/hostname", "&up;/x.png", "&name;", "&amp;&#47;", "a&quot;b", "x\ny\tz", ""])
SPACE = st.sampled_from([" ", "\n", "  \n ", "\t"])


@st.composite
def elements(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(["g", "image", "use", "a", "rect", "text", "xlink:nope"] if depth else ["g"]))
    tag = "g" if tag == "xlink:nope" and depth == 0 else tag
    attributes = draw(st.lists(st.sampled_from(["href", "xlink:href", "id", "width"]), unique=True, max_size=3))
    head = f"<{tag}" + "".join(f'{draw(SPACE)}{name}="{draw(VALUES)}"' for name in attributes)
    children = draw(st.lists(elements(depth + 1), max_size=3)) if depth < 3 else []
    inner = draw(st.sampled_from(["", "&name;", "&markup;", "<!-- c -->", "<![CDATA[<image href='../x.png'/>]]>", "text\n"]))
    return f"{head}{draw(SPACE)}>{inner}{''.join(children)}</{tag}>"


@st.composite
def documents(draw) -> str:
    declarations = draw(st.lists(st.sampled_from([
        '<!ENTITY up "../..">', '<!ENTITY name "logo.png">', "<!ENTITY markup \"<use href='#c'/>\">",
        '<!ATTLIST image href CDATA "../d.png">', '<!ENTITY up "twice">', "<!-- in the DTD -->",
    ]), max_size=4))
    doctype = draw(st.sampled_from(["", PUBLIC + ">\n", f"<!DOCTYPE svg [{''.join(declarations)}]>\n",
                                    f"{PUBLIC} [{''.join(declarations)}\n]>\n"]))
    return f"{doctype}<svg {NS}{draw(SPACE)}>\n{draw(elements())}<circle id=\"c\"/></svg>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=documents())
def test_the_check_reads_what_libxml2_reads(tmp_path: Path, text: str) -> None:
    path = tmp_path / "gen.svg"
    path.write_text(text, encoding="utf-8")
    try:
        ours = _our_view(path)
    except Exception:  # noqa: BLE001 - refused: nothing is drawn, so nothing can be missed
        return
    before, svglib = _libxml2_view(path, svglib=False), _libxml2_view(path, svglib=True)
    if before is not None and "&markup;" not in text:
        assert ours == before  # the same elements, attributes and lines as the lxml check read
    for tag, attributes, _ in svglib or []:  # whatever svglib gets, the check saw (it may see more: markup in entities)
        assert any(tag == t and attributes == a for t, a, _ in ours), (tag, attributes)


def test_the_generated_documents_cover_the_cases_that_matter() -> None:
    """The strategy above makes entity-built hrefs, default attributes, external DTDs and markup
    in entities (a check that an example would pass by never meeting them)."""
    seen = set()

    @settings(max_examples=200, deadline=None)
    @given(text=documents())
    def collect(text: str) -> None:
        seen.update(key for key in ("&up;", "ATTLIST", "PUBLIC", "&markup;", "\n xlink:href") if key in text)

    collect()
    assert seen == {"&up;", "ATTLIST", "PUBLIC", "&markup;", "\n xlink:href"}


@pytest.mark.parametrize("name", ["a", "logo-1"])
def test_ids_and_hrefs_match_in_namespaced_and_plain_form(tmp_path: Path, name: str) -> None:
    path = tmp_path / "pic.svg"
    path.write_text(f'<svg {NS}>\n<use xlink:href="#{name}"/>\n<use href="#{name}"/>\n<g id="{name}"/></svg>')
    check_svg(path, [tmp_path])
    path.write_text(f'<svg {NS} xmlns:q="http://www.w3.org/1999/xlink">\n<use q:href="#not-{name}"/>\n<g id="{name}"/></svg>')
    assert refused(tmp_path, path.read_bytes()) == (f'refers to "#not-{name}", but nothing in this SVG has that id', 2)
