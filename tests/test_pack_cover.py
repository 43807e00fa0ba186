"""A consent pack's cover is one page, in every layout and language: patient details and the
booking panel (its QR code decodes) on the first page, the leaflet from the second."""

from __future__ import annotations

import pypdf
import pytest
from helpers import ROOT, decode_qr, make_project, render_page, run

LAYOUTS = sorted(p.stem for p in (ROOT / "layouts").glob("*.yaml"))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("cover"), copy_shipped=True)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("leaflet", ["exosome-hair-loss", "exosome-hair-loss.ur"])
def test_cover_is_one_page(project, layout, leaflet, tmp_path) -> None:
    assert run(project, leaflet, "--pack", "consent", "--layout", layout, "--out", str(tmp_path), "-q")[0] == 0
    path = next(tmp_path.glob("*-consent*.pdf"))
    reader = pypdf.PdfReader(path)
    starts = [reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)]
    assert starts[:2] == [0, 1], "the leaflet starts on page 2: the cover is one page"
    assert decode_qr(render_page(path, 0)), "the booking code is on the cover"
