"""Pictures from people and drawing programs: SVGs with raster images draw, SVGs that name files
outside the allowed folders are refused, huge or disguised images are refused by their header
(no decoding, no raw Pillow warning), and a symbolic link out of assets/ is called what it is."""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib
from pathlib import Path

import pypdf
import pytest
from helpers import files_under, make_project, render_page, run
from PIL import Image
from test_errors import GOOD

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100">\n'


def png_bytes(size=(40, 30), colour=(220, 20, 20), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header says width x height; only a sliver of pixel data follows (what a
    hostile upload looks like: the header is all a careful reader needs to refuse it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def with_picture(markdown: str) -> str:
    return GOOD.replace("Text.\n\n## Who", f"Text.\n\n{markdown}\n\n## Who", 1)


PICTURE_LINE = 16  # the line of the picture in with_picture()


def project_with_svg(tmp_path: Path, svg: str, extra: dict[str, bytes] | None = None) -> Path:
    root = make_project(tmp_path, {"good.md": with_picture("![A drawing](pic.svg)")})
    (root / "assets" / "pic.svg").write_text(svg, encoding="utf-8")
    for name, data in (extra or {}).items():
        (root / "assets" / name).write_bytes(data)
    return root


def red_share(image) -> float:
    rgb = image.convert("RGB")
    colours = rgb.getcolors(rgb.width * rgb.height)
    return sum(n for n, (r, g, b) in colours if r > 180 and g < 80 and b < 80) / (rgb.width * rgb.height)


def test_svg_with_raster_images_draws_them(tmp_path, capsys):
    data = base64.b64encode(png_bytes(colour=(220, 20, 20))).decode()
    svg = (SVG_HEAD + '<rect width="200" height="100" fill="#2040c0"/>\n'
           '<image x="10" y="10" width="80" height="80" xlink:href="red.png"/>\n'
           f'<image x="110" y="10" width="80" height="80" href="data:image/png;base64,{data}"/>\n</svg>\n')
    root = project_with_svg(tmp_path, svg, {"red.png": png_bytes(colour=(220, 20, 20))})
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, err
    pdf = tmp_path / "out" / "good-leaflet.pdf"
    images = [name for page in pypdf.PdfReader(pdf).pages for name in page.images]
    assert images, "the SVG's pictures are not in the PDF"
    # both red squares show (drawn at 3/4 size): 2 x 60 x 60 pt of a 595 x 842 pt page; one alone is 0.007
    assert red_share(render_page(pdf, 0, scale=1.0)) > 0.012


def test_svg_logo_with_a_transparent_raster_image(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": GOOD})
    data = base64.b64encode(png_bytes(mode="RGBA", colour=(220, 20, 20, 255))).decode()
    (root / "assets" / "logo.svg").write_text(
        SVG_HEAD + f'<image width="200" height="100" href="data:image/png;base64,{data}"/>\n</svg>\n', encoding="utf-8")
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, err
    assert red_share(render_page(tmp_path / "out" / "good-leaflet.pdf", 0, scale=1.0)) > 0.001


OUTSIDE = {
    "use of an svg two folders up": ('<use xlink:href="../../x.svg#dot"/>', '"../../x.svg#dot", which is outside the allowed folders'),
    "image two folders up": ('<image width="9" height="9" href="../../x.png"/>', '"../../x.png", which is outside the allowed folders'),
    "absolute path": ('<image width="9" height="9" href="/etc/hostname"/>', '"/etc/hostname", which is not a file beside it'),
    "file url": ('<image width="9" height="9" xlink:href="file:///etc/hostname"/>', '"file:///etc/hostname", which is not a file beside it'),
    "web address": ('<image width="9" height="9" href="https://example.org/a.png"/>', '"https://example.org/a.png", which is not a file beside it'),
    "missing file": ('<image width="9" height="9" href="nope.png"/>', '"nope.png", which does not exist'),
    "missing id": ('<use href="#nowhere"/>', '"#nowhere", but nothing in this SVG has that id'),
    "gif data": ('<image width="9" height="9" href="data:image/gif;base64,R0lGODlhAQABAAAAACw="/>', "is not a PNG or JPEG data: image"),
    "text file": ('<image width="9" height="9" href="claims.yaml"/>', '"claims.yaml"; an SVG may use only PNG, JPEG or SVG files'),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_svg_references_outside_the_allowed_folders_are_errors(tmp_path, capsys, case):
    element, message = OUTSIDE[case]
    root = project_with_svg(tmp_path, SVG_HEAD + '<circle id="c" r="5"/>\n' + element + "\n</svg>\n")
    (tmp_path / "x.svg").write_text(SVG_HEAD + '<circle id="dot" r="40" fill="red"/></svg>', encoding="utf-8")
    (tmp_path / "x.png").write_bytes(png_bytes())
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"{root / 'assets' / 'pic.svg'}:3: error: "), err
    assert message in lines[0]
    assert lines[1:] == ["1 error(s); nothing was written"], err  # nothing from the SVG library
    assert files_under(tmp_path / "out") == []


def test_svg_inside_svg_is_checked_too(tmp_path, capsys):
    root = project_with_svg(tmp_path, SVG_HEAD + '<use href="parts.svg#p"/>\n</svg>\n')
    (root / "assets" / "parts.svg").write_text(SVG_HEAD + '<g id="p">\n<image width="9" height="9" href="../../x.png"/></g>\n</svg>\n')
    (tmp_path / "x.png").write_bytes(png_bytes())
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert f"{root / 'assets' / 'parts.svg'}:3: error: refers to \"../../x.png\", which is outside the allowed folders" in err


def test_svg_loop_is_an_error(tmp_path, capsys):
    root = project_with_svg(tmp_path, SVG_HEAD + '<use href="b.svg#q"/>\n</svg>\n')
    (root / "assets" / "b.svg").write_text(SVG_HEAD + '<g id="q"><use href="pic.svg"/></g>\n</svg>\n')
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1 and "uses itself through other SVG files" in err


def test_svg_inside_the_allowed_folders_still_draws(tmp_path, capsys):
    root = project_with_svg(tmp_path, SVG_HEAD + '<use href="parts.svg#p"/>\n<use href="#c"/>\n<circle id="c" r="5"/></svg>\n')
    (root / "assets" / "parts.svg").write_text(SVG_HEAD + '<g id="p"><rect width="150" height="80" fill="#dc1414"/></g>\n</svg>\n')
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, err
    assert red_share(render_page(tmp_path / "out" / "good-leaflet.pdf", 0, scale=1.0)) > 0.01


def test_what_the_svg_library_cannot_draw_is_an_error_not_a_log_line(tmp_path, capsys):
    # percentages with no viewBox or size to resolve them against: svglib logs and draws nothing
    root = project_with_svg(tmp_path, '<svg xmlns="http://www.w3.org/2000/svg" width="50%" height="50%">'
                                      '<rect width="50%" height="50%"/></svg>\n')
    code, out, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert f"good.md:{PICTURE_LINE}: error: SVG image \"pic.svg\" cannot" in err
    assert len(err.splitlines()) == 2, err


def test_huge_png_is_refused_from_its_header(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": with_picture("![A photo](big.png)")})
    (root / "assets" / "big.png").write_bytes(huge_png(13_000, 13_000))
    code, _, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f"{root / 'leaflets' / 'good.md'}:{PICTURE_LINE}: error: image \"big.png\" is 13,000 x 13,000 pixels (169 megapixels); "
        "the limit is 12.5 megapixels, far more than print needs (scale it down, e.g. to 3000 pixels wide)")
    assert "DecompressionBomb" not in err and len(err.splitlines()) == 2
    assert files_under(tmp_path / "out") == []


def test_huge_jpeg_and_huge_raster_inside_an_svg_are_refused(tmp_path, capsys):
    small = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(small, "JPEG")
    data = bytearray(small.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 40_000, 30_000)  # height, width in the frame header
    root = make_project(tmp_path, {"good.md": with_picture("![A photo](big.jpg)\n\n![A drawing](pic.svg)")})
    (root / "assets" / "big.jpg").write_bytes(bytes(data))
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1 and 'image "big.jpg" is 30,000 x 40,000 pixels (1200 megapixels)' in err
    (root / "assets" / "big.jpg").write_bytes(png_bytes())  # fine now (a PNG named .jpg is still a picture)
    encoded = base64.b64encode(huge_png(20_000, 20_000)).decode()
    (root / "assets" / "pic.svg").write_text(SVG_HEAD + f'<image width="9" height="9"\n href="data:image/png;base64,{encoded}"/></svg>')
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert f"{root / 'assets' / 'pic.svg'}:3: error: an embedded data: image is 20,000 x 20,000 pixels" in err  # the href line


def test_disguised_or_broken_images(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": with_picture("![A photo](photo.png)")})
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    (root / "assets" / "photo.png").write_bytes(gif.getvalue())
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1 and 'image "photo.png" is a GIF image; save it as PNG or JPEG' in err
    (root / "assets" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1 and 'image "photo.png" cannot be read (is it a real PNG or JPEG file?)' in err


@pytest.mark.parametrize("target", ["outside.png", "outside.svg"])
def test_symlink_out_of_assets_is_named_as_such(tmp_path, capsys, target):
    root = make_project(tmp_path, {"good.md": with_picture(f"![A photo](link{Path(target).suffix})")})
    (tmp_path / target).write_bytes(png_bytes() if target.endswith("png") else (SVG_HEAD + "</svg>").encode())
    os.symlink(tmp_path / target, root / "assets" / f"link{Path(target).suffix}")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        f"{root / 'leaflets' / 'good.md'}:{PICTURE_LINE}: error: image \"link{Path(target).suffix}\" is a symbolic link "
        "to a file outside the allowed folders; copy the picture itself into assets/ or the leaflet's folder")


def test_symlink_inside_an_svg(tmp_path, capsys):
    root = project_with_svg(tmp_path, SVG_HEAD + '<image width="9" height="9" href="inner.png"/>\n</svg>\n')
    (tmp_path / "secret.png").write_bytes(png_bytes())
    os.symlink(tmp_path / "secret.png", root / "assets" / "inner.png")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert 'refers to "inner.png", which is outside the allowed folders (a symbolic link to a file outside them)' in err


def test_an_svg_with_too_many_elements_is_refused_before_drawing(tmp_path, capsys):
    rects = "".join(f'<rect x="{i % 200}" y="{i % 100}" width="1" height="1"/>' for i in range(10_001))
    root = project_with_svg(tmp_path, SVG_HEAD + rects + "</svg>\n")
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"{root / 'assets' / 'pic.svg'}: error: this SVG has 10,002 elements; the limit is 10,000 "
                                   "(simplify it in the drawing program, or save it as a PNG)")


def test_many_large_pictures_together_are_refused(tmp_path, capsys):
    pictures = "\n\n".join(f"![Photo {i}](p{i}.png)" for i in range(5))
    root = make_project(tmp_path, {"good.md": with_picture(pictures)})
    for i in range(5):
        (root / "assets" / f"p{i}.png").write_bytes(huge_png(3_000, 3_000))  # 9 megapixels each: each one is fine
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (f"{root / 'leaflets' / 'good.md'}:{PICTURE_LINE + 8}: error: the leaflet's pictures add up to "
                                   "45 megapixels by this one; the limit is 40 megapixels (use fewer pictures, or smaller ones)")
