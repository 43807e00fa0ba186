"""The renderer's own XML escaping follows the standard library's rules exactly."""

from xml.sax.saxutils import escape as sax_escape
from xml.sax.saxutils import quoteattr as sax_quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicpack.render.escaping import escape, quoteattr

TEXT = st.text(alphabet=st.sampled_from(list("aé&<>\"';#\n\r\t")), max_size=40)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_escaping_matches_the_standard_library(text: str) -> None:
    assert escape(text) == sax_escape(text)
    assert escape(text, {'"': "&quot;"}) == sax_escape(text, {'"': "&quot;"})
    assert quoteattr(text) == sax_quoteattr(text)
