"""XML escaping for ReportLab's paragraph markup and the XMP packet.

The same rules as ``xml.sax.saxutils.escape`` and ``quoteattr``, written here because importing
``xml.sax.saxutils`` pulls in ``urllib.request`` and the HTTP client (about 8 ms of every build
that renders, for three string replacements).
"""

from __future__ import annotations


def escape(data: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` (and any ``entities`` given) as XML entities."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (entities or {}).items():
        data = data.replace(char, entity)
    return data


def quoteattr(data: str) -> str:
    """``data`` escaped and quoted as an XML attribute value (line breaks and tabs as character
    references), in double quotes unless it holds a double quote and no single one."""
    data = escape(data, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))
