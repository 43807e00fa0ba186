"""The clinic's brand file: identity, palette, fonts, contact details and the booking link.

Loaded once and validated completely before any leaflet is read, so a typo in a colour or a
font path is reported with its file and line instead of surfacing halfway through a build.
"""

from __future__ import annotations

import importlib.util
import re
import urllib.parse
from pathlib import Path

from .codecache import dataclass
from .errors import did_you_mean
from .images import check_image
from .yamlfile import YamlDoc, as_text, check_keys, parse_yaml, read_text

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6})$")
MAX_LINK_LENGTH = 120
FACES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class FontFamily:
    """One of the brand's named fonts: its TrueType files per face, checked to exist when the brand loads."""
    name: str  # the brand's name for it, e.g. "body"
    family: str  # the typeface's own name, for people
    faces: dict[str, Path]  # face -> TrueType file; missing faces fall back to regular


@dataclass(frozen=True)
class Language:
    """How the brand prints one language: its own font (a script the layout's font lacks) and direction."""
    code: str
    font: str | None  # a brand font name, or None for the layout's font
    direction: str  # "ltr" or "rtl"


@dataclass(frozen=True)
class Brand:
    """The clinic's identity from the brand file, validated: names, colours, fonts, logo, booking link."""
    path: Path
    name: str
    address: str
    phone: str
    website: str
    email: str
    logo: Path | None
    colours: dict[str, str]  # palette name -> "#rrggbb"
    fonts: dict[str, FontFamily]
    booking_link: str  # template with {id}
    booking_parameters: dict[str, str]
    languages: dict[str, Language]
    extra: dict  # sections owned by other stages (e.g. quality thresholds), validated there
    doc: YamlDoc
    registration_body: str = ""  # who registers the clinic's doctors, e.g. "PMDC" or "GMC" (consent forms)
    fallback_fonts: tuple[str, ...] = ()  # brand font names, in order, for patient details the layout's font lacks

    def booking_url(self, leaflet_id: str, ref: str | None = None) -> str:
        """The follow-up link for a leaflet (and optionally an opaque patient reference)."""
        url = self.booking_link.replace("{id}", urllib.parse.quote(leaflet_id))
        params = dict(self.booking_parameters)
        if ref is not None:
            params["ref"] = ref
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def language(self, code: str) -> Language:
        return self.languages.get(code) or Language(code, None, "ltr")


BRAND_KEYS = {"clinic", "logo", "colours", "fonts", "booking", "languages", "quality", "archive", "fallback_fonts"}
CLINIC_LIMITS = {"name": 80, "address": 200, "phone": 40}  # others: 120 characters
CLINIC_KEYS = {"name", "address", "phone", "website", "email", "registration_body"}


def load_brand(path: Path) -> Brand:
    doc = parse_yaml(read_text(path, "brand"), path)
    data = check_keys(doc, doc.data, (), BRAND_KEYS, {"clinic", "colours", "fonts", "booking"}, "the brand file")
    clinic = check_keys(doc, data["clinic"], ("clinic",), CLINIC_KEYS, {"name", "phone"}, '"clinic"')
    text = {k: as_text(doc, ("clinic", k), v, f"clinic.{k}") for k, v in clinic.items()}
    for key, value in text.items():
        limit = CLINIC_LIMITS.get(key, 120)
        if len(value) > limit:  # printed in every page header, the booking panel and the forms
            raise doc.error(("clinic", key), f"clinic.{key} is {len(value):,} characters long; the limit is {limit}")
    website = text.get("website", "")
    if website and not website.startswith(("https://", "http://")):
        raise doc.error(("clinic", "website"), 'clinic.website must start with "https://"')

    logo = None
    if data.get("logo"):
        logo = _asset(doc, ("logo",), as_text(doc, ("logo",), data["logo"], "logo"))
        if logo.suffix.lower() not in (".svg", ".png", ".jpg", ".jpeg"):
            raise doc.error(("logo",), "the logo must be an .svg, .png or .jpg file")
        check_image(logo, [doc.path.parent], doc.path, doc.line("logo"), "logo")

    colours = _colours(doc, data["colours"])
    fonts = {name: _font(doc, name, spec) for name, spec in _mapping(doc, ("fonts",), data["fonts"]).items()}
    booking = check_keys(doc, data["booking"], ("booking",), {"link", "parameters"}, {"link"}, '"booking"')
    link = as_text(doc, ("booking", "link"), booking["link"], "booking.link")
    params = {
        str(k): as_text(doc, ("booking", "parameters", str(k)), v, f"booking.parameters.{k}")
        for k, v in _mapping(doc, ("booking", "parameters"), booking.get("parameters") or {}).items()
    }
    validate_booking_link(doc, link, params)

    languages = {}
    for code, spec in _mapping(doc, ("languages",), data.get("languages") or {}).items():
        spec = check_keys(doc, spec, ("languages", code), {"font", "direction"}, set(), f'languages.{code}')
        font = spec.get("font")
        if font is not None and font not in fonts:
            raise doc.error(("languages", code, "font"), f'font "{font}" is not defined under "fonts" (defined: {", ".join(fonts)})')
        direction = spec.get("direction", "ltr")
        if direction not in ("ltr", "rtl"):
            raise doc.error(("languages", code, "direction"), 'direction must be "ltr" or "rtl"')
        languages[str(code)] = Language(str(code), font, direction)

    fallback = _fallback_fonts(doc, data.get("fallback_fonts"), fonts)

    return Brand(
        path=path,
        name=text["name"],
        address=text.get("address", ""),
        phone=text["phone"],
        website=website,
        email=text.get("email", ""),
        logo=logo,
        colours=colours,
        fonts=fonts,
        booking_link=link,
        booking_parameters=params,
        languages=languages,
        extra={"quality": data.get("quality"), "archive": data.get("archive")},
        doc=doc,
        registration_body=text.get("registration_body", ""),
        fallback_fonts=fallback,
    )


def _fallback_fonts(doc: YamlDoc, value: object, fonts: dict[str, FontFamily]) -> tuple[str, ...]:
    """``fallback_fonts: [noto-sans, devanagari]``: the fonts a patient's details fall back to,
    in order, when the layout's own font cannot print them (names in other scripts)."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise doc.error(("fallback_fonts",), "fallback_fonts must be a list of font names from fonts, e.g. [noto-sans, devanagari]")
    out = []
    for i, name in enumerate(names):
        if str(name) not in fonts:
            raise doc.error(("fallback_fonts", i) if isinstance(value, list) else ("fallback_fonts",),
                            f'fallback_fonts: no font "{name}" under fonts{did_you_mean(str(name), fonts)}')
        out.append(str(name))
    return tuple(out)


def validate_booking_link(doc: YamlDoc, link: str, params: dict[str, str]) -> None:
    key = ("booking", "link")
    if not link.startswith("https://"):
        raise doc.error(key, f'booking link "{link}" must start with "https://" (plain http and other schemes are refused)')
    parts = urllib.parse.urlsplit(link.replace("{id}", "x"))
    if not parts.netloc or " " in link:
        raise doc.error(key, f'booking link "{link}" is not a valid web address')
    leftover = re.findall(r"\{[^}]*\}", link.replace("{id}", ""))
    if leftover:
        raise doc.error(key, f"booking link has an unknown placeholder {leftover[0]}; only {{id}} is filled in")
    # A long leaflet id plus a 16-character patient reference must still fit a clean code.
    sample = link.replace("{id}", "x" * 40)
    sample += ("&" if "?" in sample else "?") + urllib.parse.urlencode({**params, "ref": "x" * 16})
    if len(sample) > MAX_LINK_LENGTH:
        raise doc.error(
            key,
            f"booking link is too long for a clean QR code ({len(sample)} characters with a 40-character "
            f"leaflet id and a patient reference; keep it under {MAX_LINK_LENGTH}: shorten the address "
            "or drop tracking parameters)",
        )


def _mapping(doc: YamlDoc, keys: tuple, value: object) -> dict:
    if not isinstance(value, dict):
        raise doc.error(keys, f'"{".".join(map(str, keys))}" must be a mapping (name: value)')
    return value


def _colours(doc: YamlDoc, value: object) -> dict[str, str]:
    out = {}
    for name, colour in _mapping(doc, ("colours",), value).items():
        text = as_text(doc, ("colours", str(name)), colour, f"colours.{name}")
        if not HEX_COLOUR.match(text):
            raise doc.error(("colours", str(name)), f'colour "{text}" is not a #rrggbb colour (e.g. "#1d4e6b"; quote it in YAML)')
        out[str(name)] = text.lower()
    for needed in ("text", "background"):
        if needed not in out:
            raise doc.error(("colours",), f'the palette needs a "{needed}" colour')
    return out


def _font(doc: YamlDoc, name: str, spec: object) -> FontFamily:
    keys = ("fonts", name)
    spec = check_keys(doc, spec, keys, {"family", "package", "folder", *FACES}, {"regular"}, f"fonts.{name}")
    if "package" in spec and "folder" in spec:
        raise doc.error(keys, 'give either "package" (a Python font package) or "folder" (inside assets/), not both')
    if "package" in spec:
        package = as_text(doc, keys + ("package",), spec["package"], "package")
        found = importlib.util.find_spec(package)
        if found is None or not found.submodule_search_locations:
            raise doc.error(keys + ("package",), f'font package "{package}" is not installed (add it to pyproject.toml and run make)')
        base = Path(list(found.submodule_search_locations)[0]) / "files"
    else:
        base = doc.path.parent / as_text(doc, keys + ("folder",), spec.get("folder", "."), "folder")
    faces = {}
    for face in FACES:
        if face in spec:
            file = base / as_text(doc, keys + (face,), spec[face], face)
            if not file.is_file():
                raise doc.error(keys + (face,), f'font file "{file.name}" not found in {base}')
            if file.suffix.lower() != ".ttf":
                raise doc.error(keys + (face,), "fonts must be TrueType .ttf files (they are embedded in the PDF)")
            faces[face] = file
    family = as_text(doc, keys + ("family",), spec.get("family", name), "family")
    return FontFamily(name=name, family=family, faces=faces)


def _asset(doc: YamlDoc, keys: tuple, relative: str) -> Path:
    assets = doc.path.parent.resolve()
    file = (assets / relative).resolve()
    if not file.is_relative_to(assets):
        raise doc.error(keys, f'"{relative}" is outside the assets folder; put the file in {assets.name}/')
    if not file.is_file():
        raise doc.error(keys, f'file "{relative}" not found next to the brand file')
    return file
