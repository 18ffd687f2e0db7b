# SPDX-License-Identifier: Apache-2.0
"""The text filters of the renderers: Markdown escaping checked through a real CommonMark
renderer, and wrapping by display width (issue #13, formats)."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from threatbrief.render import _md
from threatbrief.textwidth import display_width, wrap

# GitHub reads tables and strikethrough too, so the renderer has them on.
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "Russia-linked (APT28) hits 3 banks: see CVE-2025-1234.",
    "# not a heading",
    "> not a quote",
    "- not a list item",
    "+ not one either",
    "12. not an ordered item",
    "3) nor this",
    "*emphasis* and **strong** and _under_ and __dunder__",
    "snake_case_names stay as they are",
    "[a link](https://evil.example) and ![an image](https://evil.example/p.png)",
    "<script>alert(1)</script> <b>bold</b> <https://auto.example>",
    "`code` and ``more code``",
    "&amp; &#x3c; &lt;script&gt; AT&T",
    "~~struck~~ and ~tilde~",
    "a | table | cell",
    "back\\slash\\*",
    "Jaana, Riigikogu ja 防衛省への攻撃 (2025年)",
    "===",
    "---",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("where", ["paragraph", "list-item", "table-cell"], ids=str)
def test_markdown_escaping_keeps_feed_text_as_text(text: str, where: str) -> None:
    """Rendered by CommonMark, the escaped text is the original text and nothing else: no
    element, no link, no entity, wherever in the document it stands."""
    escaped = _md(text)
    if where == "paragraph":
        rendered, wrapper = RENDERER.render(escaped), ("<p>", "</p>\n")
    elif where == "list-item":
        rendered, wrapper = RENDERER.render(f"- {escaped}"), ("<ul>\n<li>", "</li>\n</ul>\n")
    else:
        rendered = RENDERER.render(f"| a |\n|---|\n| {escaped} |")
        start = rendered.index("<td>") + len("<td>")
        rendered = "<td>" + rendered[start : rendered.index("</td>")] + "</td>"
        wrapper = ("<td>", "</td>")
    assert rendered == f"{wrapper[0]}{html.escape(text, quote=False)}{wrapper[1]}", escaped


def test_markdown_escapes_only_what_would_change_the_rendering() -> None:
    plain = "Russia-linked actors (APT28, GRU unit 26165) hit 3 ministries: 12% more."
    assert _md(plain) == plain


NPA_NOTICE = "警察庁は、中国を背景とするサイバー攻撃グループによる攻撃について注意喚起を行った。"


@pytest.mark.parametrize(
    ("text", "width"),
    [
        (
            "警察庁は、中国を背景とするサイバー攻撃グループによる攻撃について注意喚起を行った。"
            * 3,
            40,
        ),
        ("Estonian RIA reports DDoS attacks on ministries. " * 6, 60),
        ("混在する text と日本語の文章、 and English words together で折り返す。" * 4, 50),
    ],
    ids=["japanese", "english", "mixed"],
)
def test_text_wraps_by_display_width_with_a_hanging_indent(text: str, width: int) -> None:
    out = wrap("* " + text, width, "", "  ")
    lines = out.split("\n")
    assert len(lines) > 1
    # a closing mark may stay one column over rather than start a line
    assert all(display_width(line) <= width + 2 for line in lines), [
        display_width(line) for line in lines
    ]
    assert all(line.startswith("  ") for line in lines[1:])
    assert not any(line.lstrip()[:1] in "、。」" for line in lines[1:])
    joined = "".join(line.strip() for line in lines)
    assert joined.replace(" ", "") == ("* " + text).replace(" ", "")


def test_a_word_longer_than_the_line_is_cut_rather_than_overflowing() -> None:
    url = "https://advisories.example/" + "x" * 120
    lines = wrap(url, 80, "   ").split("\n")
    assert all(display_width(line) <= 80 for line in lines) and len(lines) == 2


def test_japanese_counts_two_columns() -> None:
    assert display_width("防衛省") == 6 and display_width("RIA") == 3
    assert display_width("ﾗｻﾞﾙｽ") == 5  # half-width katakana take one column each


def test_an_html_brief_carries_the_japanese_font_it_needs() -> None:
    """Japanese renders on a machine with no CJK font: the HTML embeds the packaged font cut
    to its own characters, as a data URI (it fetches nothing)."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from threatbrief.render import _embedded_font

    text = "<p>警察庁は、ミラーフェイスによる攻撃について注意喚起を行った。</p>"
    rule = _embedded_font(text)
    data = re.search(r"data:font/woff2;base64,([A-Za-z0-9+/=]+)", rule)
    assert data is not None and 'font-family: "threatbrief JP"' in rule
    font = TTFont(io.BytesIO(base64.b64decode(data.group(1))))
    cmap = font.getBestCmap()
    wanted = {ord(c) for c in text if ord(c) > 0x2FFF}
    assert wanted <= set(cmap) and len(cmap) < 100  # these characters, not all 7,000
    assert _embedded_font("<p>No Japanese here.</p>") == ""


def test_a_space_next_to_japanese_is_set_in_the_latin_font_in_the_pdf() -> None:
    """The font subset has no ASCII space, so a space that Pango set in it printed as a box."""
    from threatbrief.render import _latin_spaces

    html = '<html><head></head><body><p title="a 日本">日本 の Lazarus が 攻撃</p></body></html>'
    out = _latin_spaces(html)
    assert out.count('<span class="latin-space"> </span>') == 4
    assert 'title="a 日本"' in out  # never inside a tag
    assert ".latin-space" in out.split("</head>")[0]


def test_a_space_next_to_a_curly_quote_is_set_in_the_latin_font_too() -> None:
    """A quotation mark the Latin fonts of the stack lack is set in the Japanese subset, and
    Pango set the space before it there: ": “Attacks" printed a box in the demo's PDF."""
    from threatbrief.render import _latin_spaces

    out = _latin_spaces("<html><head></head><body><p>in Japan: “Attacks”.</p></body></html>")
    assert 'Japan:<span class="latin-space"> </span>“Attacks' in out
    plain = "<html><head></head><body><p>No quotes here.</p></body></html>"
    assert 'latin-space"' not in _latin_spaces(plain)
