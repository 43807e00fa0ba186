"""The checks, one small function each, in a registry: ``CHECKS[name](input) -> findings``.

Every check reads the leaflet, brand and layout the build will really use, and says what to
change and where (the Markdown line, the layout key or the brand colour).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..layout import MM, Layout
from ..qr import QUIET_ZONE, booking_matrix
from .claims import describe, find_claims
from .colour import contrast_ratio
from .context import CheckInput, layout_key
from .findings import ERROR, NOTE, WARNING, Finding
from .prose import Sentence, sentences
from .readability import Score, hardest, longest, score

MIN_SECTION_WORDS = 30  # fewer: too little text for a stable score
LONG_SENTENCE = 15  # words; plain English averages 15 to 20
MIN_SIZE, MIN_SIZE_LARGE = 12.0, 16.0  # points (RNIB clear print / large print)
LINE_CHARS = (50, 75)  # characters per line (RNIB: 60 to 70 is best)
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text; we ask it of all text, large text included
MIN_QR = 20 * MM
MIN_MODULE = 0.4 * MM  # smaller modules blur on office printers and phone cameras
MAX_LINK = 120
# Plain English with ordinary letter frequencies: the average character width (spaces
# included) of the body font is measured on it, so every leaflet in a layout gets one answer.
ENGLISH_SAMPLE = (
    "Your doctor will explain the treatment, what it may do for you and what the risks are. "
    "Most people need more than one session, about four weeks apart. Ask us any question you have "
    "before you decide; you can change your mind at any time. Keep the treated area clean and call "
    "the clinic straight away if you feel unwell, have a fever or see redness that spreads."
)


def _pt(value: float) -> str:
    return f"{round(value, 1):g}pt"


# ---------------------------------------------------------------- readability


def check_readability(ci: CheckInput) -> list[Finding]:
    leaflet = ci.leaflet
    language = leaflet.language.lower()
    if language != "en" and not language.startswith("en-"):
        return [Finding(leaflet.path, None, NOTE, f'readability is measured for English only (this leaflet is "{leaflet.language}")', "readability")]
    prose = sentences(leaflet)
    whole = score(prose)
    if whole is None:
        return []
    metrics = {"leaflet": whole.as_dict(), "sections": {}}
    ci.metrics["readability"] = metrics
    title_line = leaflet.front.line("title") if leaflet.front is not None else 1
    out = [Finding(
        leaflet.path, None, NOTE,
        f"reads at grade {whole.grade:.1f} (Flesch-Kincaid), Flesch Reading Ease {whole.reading_ease:.0f} "
        f"({whole.sentences} sentences, {whole.words} words)",
        "readability",
    )]
    out += _grade(ci, "the leaflet", whole, prose, title_line)
    for section in leaflet.sections:
        own = [s for s in prose if s.section == section.key]
        sc = score(own)
        if sc is None:
            continue
        metrics["sections"][section.key] = sc.as_dict()
        if sc.words >= MIN_SECTION_WORDS:
            out += _grade(ci, f'section "{section.title}"', sc, own, section.line)
    return out


def _grade(ci: CheckInput, what: str, sc: Score, prose: list[Sentence], line: int) -> list[Finding]:
    t = ci.thresholds
    head = f"{what} reads at grade {sc.grade:.1f} (Flesch-Kincaid; Flesch Reading Ease {sc.reading_ease:.0f})"
    if sc.grade > t.grade_error:
        severity = ERROR
        text = f"{head}, above the limit of grade {t.grade_error:g}: use shorter sentences and everyday words (aim for grade {t.grade_warning:g} or below)"
    elif sc.grade > t.grade_warning:
        severity = WARNING
        text = f"{head}, above grade {t.grade_warning:g}: use shorter sentences and everyday words"
    else:
        return []
    path = ci.leaflet.path
    out = [Finding(path, line, severity, text, "readability")]
    out += [Finding(path, s.line, NOTE, f'long sentence ({len(s.words)} words): "{_clip(s.text)}"', "readability") for s in longest(prose) if len(s.words) >= LONG_SENTENCE]
    out += [Finding(path, w.line, NOTE, f'hard word "{w.text}" ({n} syllables)', "readability") for w, n in hardest(prose)]
    return out


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " \u2026"


# ---------------------------------------------------------------- clear print


def check_print_size(ci: CheckInput) -> list[Finding]:
    layout = ci.layout
    large = layout.text.large_print
    minimum = MIN_SIZE_LARGE if large else MIN_SIZE
    out = []
    for section, key, what in (
        ("text", "size", "body text"),
        ("qr", "text_size", "the booking panel text"),
        ("title", "summary_size", "the summary under the title"),
    ):
        size = getattr(getattr(layout, section), key)
        if size < minimum - 0.01:
            file, line, written = layout_key(layout, section, key)
            default = "" if written else ", the default"
            out.append(Finding(
                file, line, ERROR,
                f"{what} is {_pt(size)} ({section}.{key}{default}); clear print needs at least {minimum:g}pt"
                f"{' in a large-print layout' if large else ''} (RNIB): set {section}.{key}: {minimum:g}pt or more",
                "print-size",
            ))
    return out


def check_alignment(ci: CheckInput) -> list[Finding]:
    align = ci.layout.text.align
    if align == "left" or (align == "right" and ci.brand.language(ci.leaflet.language).direction == "rtl"):
        return []
    file, line, _ = layout_key(ci.layout, "text", "align")
    if align == "justify":
        return [Finding(
            file, line, ERROR,
            "body text is justified (text.align: justify); justified text leaves uneven gaps between words that "
            "break up reading (RNIB clear print): set text.align: left",
            "alignment",
        )]
    return [Finding(
        file, line, WARNING,
        f"body text is aligned {align} (text.align: {align}); lines without a fixed start are hard to follow: set text.align: left",
        "alignment",
    )]


def check_line_length(ci: CheckInput) -> list[Finding]:
    fonts, layout = ci.fonts, ci.layout
    if fonts is None or fonts.width is None or ci.brand.language(ci.leaflet.language).direction == "rtl":
        return []
    average = fonts.width(ENGLISH_SAMPLE) / len(ENGLISH_SAMPLE)
    chars = layout.frame_width / average
    low, high = LINE_CHARS
    ci.metrics["characters_per_line"] = round(chars, 1)
    if low <= chars <= high:
        return []
    keys = ("text", "size"), ("page", "margin_left"), ("page", "margin_right")
    located = [layout_key(layout, *k) for k in keys]
    file, line, _ = next((w for w in located if w[2]), located[0])
    if chars > high:
        advice = "make the margins wider (page.margin_left, page.margin_right) or the text larger (text.size)"
    else:
        advice = "make the margins narrower (page.margin_left, page.margin_right) or the text smaller (text.size)"
    return [Finding(
        file, line, WARNING,
        f"body text lines hold about {chars:.0f} characters ({layout.frame_width / MM:.0f}mm column, "
        f"{_pt(layout.text.size)} {fonts.family}); clear print reads best at about {low} to {high}: {advice}",
        "line-length",
    )]


# ---------------------------------------------------------------- contrast

CONTRAST_PAIRS = (
    ("body text", ("text", "colour"), ("page", "background")),
    ("links", ("text", "link_colour"), ("page", "background")),
    ("headings", ("headings", "colour"), ("page", "background")),
    ("the title", ("title", "colour"), ("title", "band_colour")),
    ("table header text", ("table", "header_colour"), ("table", "header_background")),
    ("text in striped table rows", ("text", "colour"), ("table", "stripe")),
    ("booking panel text", ("text", "colour"), ("qr", "panel_colour")),
    ("the booking link", ("text", "link_colour"), ("qr", "panel_colour")),
    ("the booking panel heading", ("headings", "colour"), ("qr", "panel_colour")),
    ("call-out text", ("text", "colour"), ("callout", "background")),
    ("links in call-outs", ("text", "link_colour"), ("callout", "background")),
    ("code blocks", ("text", "colour"), ("code", "background")),
    ("inline code", ("text", "colour"), ("code", "inline_background")),
    ("the clinic name in the header", ("header", "colour"), ("page", "background")),
    ("the footer", ("footer", "colour"), ("page", "background")),
)


def check_contrast(ci: CheckInput) -> list[Finding]:
    out = []
    for what, fg, bg in CONTRAST_PAIRS:
        fg_hex, bg_hex = getattr(getattr(ci.layout, fg[0]), fg[1]), getattr(getattr(ci.layout, bg[0]), bg[1])
        ratio = contrast_ratio(fg_hex, bg_hex)
        if ratio >= MIN_CONTRAST:
            continue
        file, line = _colour_source(ci, fg, bg)
        shown = math.floor(ratio * 100) / 100  # never round a failing ratio up to a passing one
        out.append(Finding(
            file, line, ERROR,
            f"{what}: {'.'.join(fg)} {_colour(ci.layout, fg)} on {'.'.join(bg)} {_colour(ci.layout, bg)} has a contrast "
            f"of {shown:.2f}:1; WCAG 2 AA needs at least {MIN_CONTRAST:g}:1: make one of the two colours darker or lighter",
            "contrast",
        ))
    return out


def _colour(layout: Layout, key: tuple[str, str]) -> str:
    raw = str(layout.raw[key[0]][key[1]])
    value = getattr(getattr(layout, key[0]), key[1])
    return f"{value}" if raw.lower() == value else f'"{raw}" ({value})'


def _colour_source(ci: CheckInput, fg: tuple[str, str], bg: tuple[str, str]):
    """The layout line that chose the colour, or else the brand line that defines it."""
    for key in (fg, bg):
        file, line, written = layout_key(ci.layout, *key)
        if written:
            return file, line
    for key in (fg, bg):
        name = str(ci.layout.raw[key[0]][key[1]])
        if name in ci.brand.colours:
            return ci.brand.path, ci.brand.doc.line("colours", name)
    return layout_key(ci.layout, *fg)[:2]


# ---------------------------------------------------------------- glyphs, QR, review, claims


def check_glyphs(ci: CheckInput) -> list[Finding]:
    if ci.fonts is None:
        return []
    return [Finding(e.file, e.line, ERROR, e.message, "glyphs") for e in ci.fonts.glyph_errors]


def check_qr(ci: CheckInput) -> list[Finding]:
    layout, brand, leaflet = ci.layout, ci.brand, ci.leaflet
    out = []
    size = layout.qr.size
    # the quiet zone is always QUIET_ZONE modules (clinicpack.qr draws it), so only the size can be wrong
    if size < MIN_QR - 0.01:
        file, line, _ = layout_key(layout, "qr", "size")
        out.append(Finding(
            file, line, ERROR,
            f"the QR code is printed {size / MM:.1f}mm wide (qr.size); "
            f"phones need at least 20mm plus {QUIET_ZONE} modules of white around it to scan it from paper: set qr.size: 20mm or more",
            "qr",
        ))
    url = brand.booking_url(leaflet.translation_of or leaflet.id)
    id_key = "translation_of" if leaflet.translation_of else "id"  # the id the link carries
    id_line = leaflet.front.line(id_key) if leaflet.front is not None else 1
    if not url.startswith("https://"):
        out.append(Finding(brand.path, brand.doc.line("booking", "link"), ERROR, f'the booking link "{url}" must start with https://', "qr"))
    if len(url) > MAX_LINK:
        out.append(Finding(
            leaflet.path, id_line, ERROR,
            f"the booking link for this leaflet is {len(url)} characters ({url}); keep it at most {MAX_LINK} so the "
            f"QR code stays coarse enough to scan: shorten the leaflet {'id' if id_key == 'id' else id_key + ' (the id it translates)'} "
            "or booking.link in the brand file",
            "qr",
        ))
        return out  # too long to judge the module size (a very long link may not fit any QR code)
    module = size / booking_matrix(url).size
    if module < MIN_MODULE:
        out.append(Finding(
            leaflet.path, id_line, WARNING,
            f"the QR code's squares are only {module / MM:.2f}mm wide (a {len(url)}-character link in a {size / MM:.0f}mm code); "
            "at least 0.4mm scans reliably: shorten the link or make qr.size larger",
            "qr",
        ))
    return out


def check_review(ci: CheckInput) -> list[Finding]:
    leaflet, today = ci.leaflet, ci.options.today
    due = leaflet.review_due
    line = leaflet.front.line("review_due") if leaflet.front is not None else None
    days = (due - today).days
    if days < 0:
        if ci.options.allow_overdue:
            return [Finding(
                leaflet.path, line, WARNING,
                f"review_due {due} passed {-days} day(s) ago; printing anyway (--allow-overdue): every page says the review is overdue",
                "review",
            )]
        hint = " (or build with --allow-overdue to print it marked as overdue)" if ci.options.overdue_option else ""
        return [Finding(
            leaflet.path, line, ERROR,
            f"review_due {due} passed {-days} day(s) ago: have the leaflet reviewed, then set a new review_due and version{hint}",
            "review",
        )]
    if days <= ci.thresholds.review_warning_days:
        return [Finding(
            leaflet.path, line, WARNING,
            f"review_due {due} is in {days} day(s): plan the review now (warning from {ci.thresholds.review_warning_days} days before)",
            "review",
        )]
    return []


def check_claims(ci: CheckInput) -> list[Finding]:
    if ci.claims is None:
        return []
    return [Finding(ci.leaflet.path, m.line, ERROR, describe(m), "claims") for m in find_claims(ci.leaflet, ci.claims)]


def check_alt_text(ci: CheckInput) -> list[Finding]:
    """A picture with no alt text is tagged as decoration in the PDF, so a screen reader says
    nothing about it: fine for an ornament, a loss for a diagram or a photo that explains."""
    leaflet = ci.leaflet
    out = []
    blocks = [*leaflet.intro, *(el for s in leaflet.sections for el in s.body)]
    for img in (img for block in blocks for img in block.iter("img")):
        if " ".join((img.get("alt") or "").split()):
            continue
        src = img.get("src") or ""
        out.append(Finding(
            leaflet.path, leaflet.line_of(src) if src else None, WARNING,
            f'the picture "{src}" has no alt text, so screen readers skip it: describe what it shows for someone '
            f"who cannot see it, ![like this]({src}) (leave it empty only for pure decoration)",
            "alt-text",
        ))
    return out


CHECKS: dict[str, Callable[[CheckInput], list[Finding]]] = {
    "readability": check_readability,
    "print-size": check_print_size,
    "alignment": check_alignment,
    "line-length": check_line_length,
    "contrast": check_contrast,
    "glyphs": check_glyphs,
    "qr": check_qr,
    "review": check_review,
    "claims": check_claims,
    "alt-text": check_alt_text,
}
