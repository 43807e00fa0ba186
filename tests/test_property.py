"""Random Markdown: the builder either builds a PDF or refuses with a clear one-line error.

It never crashes with a traceback, and never leaves a partial file behind.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from helpers import files_under, make_project, run
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_errors import GOOD

WORDS = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_categories=("Cs",)), max_size=40),
    st.text(alphabet=st.characters(exclude_categories=("Cs",), max_codepoint=0x2FFF), max_size=5),
)
FRAGMENTS = st.one_of(
    WORDS,
    st.sampled_from([
        "**bold**", "*italic*", "`code`", "[link](https://example.org)", "[bad](file:///etc/passwd)", "<b>html</b>",
        "<img src='/etc/passwd'>", "&amp;", "&", "<", ">", "\\*", "# H1", "### H3", "#### H4", "> quote", "---",
        "- item", "    - nested", "        - deeper", "            - deepest", "1. one", "    1. inner",
        "| a | b |\n|---|---|\n| 1 | 2 |", "| a |\n|---|\n| x | y | z |", "![img](logo.svg)", "![img](nope.png)",
        "```\ncode block\n```", "  \n", "{#id}", "## Extra section", "## ", "Setext\n---", "https://" + "x" * 200,
        "\u0627\u0631\u062f\u0648", "\u00e9\u00e8\u00ea", "\u2192", "\t", "\u00a0", "<!-- comment -->", "<script>x</script>",
    ]),
)
BODY = st.lists(FRAGMENTS, min_size=1, max_size=12).map(lambda parts: "\n".join(parts))
LINE = re.compile(r"^\S.*?(?::\d+)?: error: .+$")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=BODY, where=st.sampled_from(["Text.\n\n## Who", "- Pregnancy", "- Rest."]))
def test_random_markdown_builds_or_fails_cleanly(body: str, where: str) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        text = GOOD.replace(where, where + "\n\n" + body + "\n", 1)
        root = make_project(tmp, {"random.md": text})
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code, _, _ = run(root)
        messages = err.getvalue().splitlines()
        assert code in (0, 1)
        event(f"exit {code}: {messages[0].split('error: ')[-1][:40] if messages else ''}")
        if code == 0:
            assert files_under(root / "output") == [".clinicpack-manifest.json", "good-leaflet.pdf"]  # the PDF and the incremental-build manifest
            assert (root / "output/good-leaflet.pdf").read_bytes().startswith(b"%PDF-")
        else:
            assert files_under(root / "output") == []
            assert messages and LINE.match(messages[0]), messages
            assert "random.md" in messages[0]
            assert "Traceback" not in err.getvalue()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
