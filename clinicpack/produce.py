"""From a loaded project to PDF bytes: a leaflet, or a consent pack laid out once and
stamped per patient. Nothing here writes files; the command line writes what these return,
and the front desk sends it to the browser.

ReportLab is imported inside the functions (clinicpack.render), so loading a project or
deciding that nothing changed never pays for it.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import TYPE_CHECKING

from .codecache import dataclass
from .errors import BuildError
from .leaflet import Leaflet
from .loading import Loaded
from .qr import booking_matrix, qr_matrix

if TYPE_CHECKING:  # the consent-pack modules load with the first pack (a leaflet build never needs them)
    from .consent import ConsentContent
    from .patients import Clinician, Patient
    from .render.stamp import Stamper


def render_leaflet(loaded: Loaded, leaflet: Leaflet | str, *, footer_note: str = "") -> bytes:
    """The finished leaflet PDF in the loaded layout (imposed two-up for a booklet layout).
    ``footer_note`` is added to every page's footer (a reprint says which version it reprints)."""
    from .render import RenderOptions
    from .render import render_leaflet as render

    leaflet = loaded.leaflet(leaflet) if isinstance(leaflet, str) else leaflet
    brand, layout = loaded.brand, loaded.layout
    options = RenderOptions(
        assets_dir=loaded.project.assets,
        booking_url=brand.booking_url(loaded.booking_id(leaflet)),
        review_overdue=loaded.review_overdue(leaflet),
        footer_note=footer_note,
    )
    pdf = render(leaflet, brand, layout, loaded.labels(leaflet.language), options)
    if layout.print.imposition == "booklet":
        from .render.impose import booklet

        pdf = booklet(pdf, layout, rtl=brand.language(leaflet.language).direction == "rtl")
    return pdf


def check_layout(loaded: Loaded, leaflet: Leaflet) -> None:
    """What preparing the leaflet for print refuses, without drawing it (``--check``): a font
    file ReportLab cannot use, a character the fonts cannot draw. From the fonts' cached facts,
    so ``--check`` imports ReportLab only for a font file it has not seen (quality/fontfacts.py)."""
    from .quality.fontfacts import check_fonts

    check_fonts(leaflet, loaded.brand, loaded.layout)


# ---------------------------------------------------------------- consent packs

@dataclass(frozen=True)
class StampJob:
    """What stamping needs for one leaflet's pack: plain data, cheap to send to a worker."""

    pdf: bytes
    slots: tuple
    font_file: tuple[str, ...]
    text_colour: str
    min_size: float = 7.0  # smallest size patient text may shrink to (the layout's text.min_size)
    shaping: bool = False  # right-to-left packs: values are shaped and bidi-ordered (Latin in the last font)
    script_fonts: tuple[str, ...] = ()  # left-to-right packs: fonts for a name written in a right-to-left script
    colour: str = "rgb"  # the layout's print.colour: "cmyk" stamps CMYK colours too
    fallback_fonts: tuple[str, ...] = ()  # the brand's fallback_fonts: for details the layout's font cannot print


@dataclass(frozen=True)
class Order:
    """One pack to stamp: file name, slot values and the booking link (patient data stays in memory)."""

    name: str
    values: dict[str, str]
    url: str
    line: int | None
    ref: str | None = None  # the patient's opaque reference (print records); never the name


@dataclass(frozen=True)
class Stamped:
    """A finished pack: its bytes and the file name it is saved under (never the patient's name)."""

    pdf: bytes
    file_name: str
    booking_url: str


class Stamping:
    """Stamps orders onto one template. One per process; ``pdf`` may run in several threads.

    Most patients' details print in the layout's own font. A detail it lacks is set in the
    first font that has it: a right-to-left language's font for Arabic-script names, else the
    brand's ``fallback_fonts`` in order (Latin with any diacritic, Greek, Cyrillic, Devanagari
    ...). Such a stamper is made once per set of fonts, only when a patient needs it, and only
    that patient's pack carries the extra font."""

    def __init__(self, job: StampJob):
        from .render.stamp import Stamper

        self.job = job
        self.stamper = Stamper(job.pdf, job.slots, job.font_file, job.text_colour, min_size=job.min_size, shaping=job.shaping,
                               colour=job.colour)
        self._stampers: dict[tuple[tuple[str, ...], bool], Stamper] = {}
        self._lock = threading.Lock()

    def _stamper_for(self, values: dict[str, str]) -> Stamper:
        main = self.stamper
        if all(not main.needs_shaping(v) and main.missing(v) is None for v in values.values()):
            return main
        fonts, shaping = self._fonts_for(values)
        with self._lock:
            if (fonts, shaping) not in self._stampers:
                from .render.stamp import Stamper

                # Latin values stay in the layout's font beside a fallback script font (which may have Latin too)
                latin_first = shaping and not self.job.shaping and fonts[0] not in self.job.script_fonts
                self._stampers[fonts, shaping] = Stamper(self.job.pdf, self.job.slots, fonts, self.job.text_colour,
                                                         min_size=self.job.min_size, shaping=shaping, colour=self.job.colour,
                                                         latin_first=latin_first)
        return self._stampers[fonts, shaping]

    def _fonts_for(self, values: dict[str, str]) -> tuple[tuple[str, ...], bool]:
        """The stamping fonts for these values, in order: (script font, fallbacks, the layout's
        fonts); the script font (shaped letters: Arabic script, Devanagari) comes first, the
        layout's Latin font last, as the shaping engine expects."""
        from .render.stamp_fonts import font_characters, shaped_script

        base, job = self.job.font_file, self.job
        script: str | None = None
        extra: list[str] = []
        for key, value in values.items():
            letters = [ch for ch in value if unicodedata.category(ch)[0] not in "ZC"]
            if job.shaping and shaped_script(value) and not _rtl(value):
                raise _unprintable(key, next(ch for ch in letters if shaped_script(ch)))  # e.g. Devanagari on an Urdu pack
            if not job.shaping and shaped_script(value):
                candidates = (*job.script_fonts, *job.fallback_fonts) if _rtl(value) else job.fallback_fonts
                needed = [ch for ch in letters if shaped_script(ch)]
                font = next((f for f in candidates if all(ord(ch) in font_characters(f) for ch in needed)), None)
                if font is None or (script is not None and font != script):
                    raise _unprintable(key, next(ch for ch in needed if font is None or ord(ch) not in font_characters(script or font)))
                script = font
            elif not all(ord(ch) in font_characters(b) for b in base[-1:] for ch in letters):
                font = next((f for f in (*base, *job.fallback_fonts) if all(ord(ch) in font_characters(f) for ch in letters)), None)
                if font is None:
                    known = set().union(*(font_characters(f) for f in (*base, *job.fallback_fonts)))
                    raise _unprintable(key, next((ch for ch in letters if ord(ch) not in known), letters[0]))
                if font not in base and font not in extra:
                    extra.append(font)
        extra = [f for f in job.fallback_fonts if f in extra]  # the brand's order
        if job.shaping:  # a right-to-left pack: its script font first, its Latin font last
            return tuple(dict.fromkeys((base[0], *extra, *base[1:]))), True
        if script is not None:
            return tuple(dict.fromkeys((script, *extra, *base))), True
        return tuple(dict.fromkeys((*base, *extra))), False

    def pdf(self, order: Order) -> bytes:
        """The stamped pack, or ``BuildError`` (with the field's key) when a value cannot print.
        Messages never quote the patient's details."""
        for key in ("date_of_birth", "appointment_date"):
            if not self.job.shaping and _rtl(order.values.get(key, "")):
                raise BuildError(
                    f"{key} would print with a month name in right-to-left letters, which the forms cannot print yet "
                    "(leave the date out to write it by hand, or build the pack from the English leaflet)", key=key,
                )
        stamper = self._stamper_for(order.values)
        for key, value in order.values.items():
            bad = stamper.missing(value)
            if bad is not None:
                raise _unprintable(key, bad)
        try:
            # a blank pack's link is the leaflet's own (kept in the user cache); a patient's is never stored
            matrix = booking_matrix(order.url) if order.ref is None else qr_matrix(order.url)
            return stamper.stamp(order.values, matrix)
        except ValueError as exc:  # a value too long for its line, even condensed
            key = getattr(exc, "key", None)
            raise BuildError(str(exc), key=key) from None


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _unprintable(key: str, ch: str) -> BuildError:
    return BuildError(f"{key} has {_script(ch)}, which no font in the brand file can print; add a font that has them "
                      "to fallback_fonts in the brand file (README: \"Names in other scripts\")", key=key)


def _script(ch: str) -> str:
    """What kind of letter cannot print, without quoting it (it is part of a patient's name)."""
    word = unicodedata.name(ch, "").split(" ")[0]
    if not word:
        return "an unknown character"
    return f"{word if word in ('CJK',) else word.title()} letters"


class PackTemplate:
    """A consent pack for one leaflet, laid out once; ``stamp`` personalises a copy in a few
    milliseconds. Safe to call ``stamp`` from several threads at once."""

    def __init__(self, loaded: Loaded, leaflet: Leaflet, content: ConsentContent, footer_note: str = ""):
        from .render.pack import render_pack_template

        self.loaded = loaded
        self.leaflet = leaflet
        self.labels = loaded.labels(leaflet.language)
        brand, layout = loaded.brand, loaded.layout
        template = render_pack_template(leaflet, content, brand, layout, self.labels, loaded.project.assets,
                                        brand.booking_url(loaded.booking_id(leaflet)), footer_note)
        self.job = StampJob(
            pdf=template.pdf, slots=template.slots, font_file=template.font_file, text_colour=layout.text.colour,
            min_size=layout.text.min_size, shaping=template.shaping, script_fonts=_script_fonts(loaded), colour=layout.print.colour,
            fallback_fonts=tuple(str(brand.fonts[name].faces["regular"]) for name in brand.fallback_fonts),
        )
        self._stamping: Stamping | None = None
        self._lock = threading.Lock()

    def order(self, patient: Patient | None, clinician: Clinician | None = None) -> Order:
        """What to stamp for a patient (None: the blank pack with the clinic's general link)."""
        brand, booking_id = self.loaded.brand, self.loaded.booking_id(self.leaflet)
        if patient is None:
            url = brand.booking_url(booking_id)
            return Order(f"{self.leaflet.id}-consent.pdf", {"booking_url": url}, url, None)
        from .patients import Clinician

        p = patient.with_defaults(clinician or Clinician())
        url = brand.booking_url(booking_id, ref=p.ref)
        values = {
            "name": p.name,
            "date_of_birth": self.labels.date(p.date_of_birth) if p.date_of_birth else "",
            "mrn": p.mrn,
            "ref": p.ref,
            "appointment_date": self.labels.date(p.appointment_date) if p.appointment_date else "",
            "clinician": p.clinician,
            "clinician_role": p.clinician_role,
            "clinician_registration": p.clinician_registration,
            "booking_url": url,
        }
        return Order(f"{p.ref}.pdf", values, url, p.line, p.ref)

    def stamping(self) -> Stamping:
        with self._lock:
            if self._stamping is None:
                self._stamping = Stamping(self.job)
        return self._stamping

    def stamp(self, patient: Patient | None = None, clinician: Clinician | None = None) -> Stamped:
        order = self.order(patient, clinician)
        return Stamped(self.stamping().pdf(order), order.name, order.url)


def pack_template(loaded: Loaded, leaflet: Leaflet | str, *, footer_note: str = "") -> PackTemplate:
    """Lay out the consent pack for a leaflet once (its consent sections are checked here).
    ``footer_note`` is added to every page's footer (a reprint says which version it reprints)."""
    leaflet = loaded.leaflet(leaflet) if isinstance(leaflet, str) else leaflet
    from .consent import consent_content

    return PackTemplate(loaded, leaflet, consent_content(leaflet, loaded.labels(leaflet.language)), footer_note)


def _script_fonts(loaded: Loaded) -> tuple[str, ...]:
    """The fonts of the brand's right-to-left languages: an English pack may still be for a
    patient whose name is written in Urdu script."""
    brand = loaded.brand
    return tuple(dict.fromkeys(
        str(brand.fonts[lang.font].faces["regular"]) for lang in brand.languages.values() if lang.direction == "rtl" and lang.font
    ))
