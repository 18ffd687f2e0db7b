# SPDX-License-Identifier: Apache-2.0
"""Render a `BriefContext` as HTML, Markdown, plain text, JSON or PDF.

Context in, text or bytes out; no file I/O. Templates come from one Jinja2 loader: a user's
override folder first, then the packaged templates, and `default:NAME` always names the packaged
one, so a partner template can `{% extends "default:brief.html" %}`. Autoescape is on for HTML,
`StrictUndefined` everywhere; Markdown escapes untrusted text with the `md` filter, every format
prints links through the `url` filter (an ASCII URI, see `textsafe.safe_url`) and names through
`oneline`. Charts are inline SVG from `svgcharts` in HTML and PDF, `textwidth.table` in
plain text. PDF goes through WeasyPrint with a URL fetcher that fetches nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ._net import is_public_url
from .brief.context import BriefContext, Grid, Weekly
from .brief.stories import Story, first_sentence
from .digest.build import DigestContext
from .errors import UsageError
from .svgcharts import grid_svg, weekly_svg
from .textsafe import oneline, safe_url
from .textwidth import table, wrap
from .vocab import counted

__all__ = ["FORMATS", "render_brief", "render_digest"]

log = logging.getLogger(__name__)

FORMATS = ("html", "md", "txt", "json", "pdf")
PACKAGED = [
    Path(__file__).parent / "templates",
    Path(__file__).resolve().parents[2] / "templates",
]  # source checkout
# What CommonMark (and GitHub's tables and strikethrough) would read as markup inside a line of
# text; nothing else is escaped, so the raw Markdown stays readable.
_MD_ANYWHERE = re.compile(r"([\\`*\[\]<>|~])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # not inside a word
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^([#>+=-])")  # a heading, quote, list or rule
_MD_NUMBERED = re.compile(r"^(\d{1,9})([.)])")  # an ordered list
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_CJK_ANY = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _md(value: object) -> str:
    """Escape text for Markdown so that feed text can never become markup or a link: only the
    characters that would change the rendering are escaped (a brief of real news had 168
    backslashes when every punctuation mark was)."""
    text = re.sub(r"\s+", " ", oneline(str(value))).strip()
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_NUMBERED.sub(r"\1\\\2", text)
    return _MD_LINE_START.sub(r"\\\1", text)


@functools.lru_cache(maxsize=8)
def _environment(template_dir: Path | None) -> jinja2.Environment:
    """One environment per template folder, so each template is compiled once per process;
    Jinja2 still reloads a template whose file changed."""
    packaged = jinja2.FileSystemLoader([str(p) for p in PACKAGED if p.exists()])
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders += [packaged, jinja2.PrefixLoader({"default": packaged}, delimiter=":")]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["url"] = cited_url
    env.filters["oneline"] = oneline
    env.filters["date"] = lambda d: d.strftime("%-d %B %Y") if d else "date unknown"
    env.filters["stamp"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC")
    env.filters["capitalize_first"] = lambda t: t[:1].upper() + t[1:]  # "The NCSC also …"
    env.filters["period"] = lambda p: p.label  # "October 2026", "1 November 2024 – 31 October 2025"
    env.filters["wrap"] = _wrap
    env.filters["counted"] = counted
    env.filters["cited"] = _cited
    env.filters["grid_svg"] = _grid_svg
    env.filters["weekly_svg"] = _weekly_svg
    env.filters["grid_table"] = _grid_table
    env.filters["weekly_table"] = _weekly_table
    env.filters["week_label"] = _week_label
    env.filters["monthly_table"] = _monthly_table
    return env


def _grid_svg(grid: Grid, title: str) -> Markup:
    """The `grid_svg` filter: a heat map of a `Grid` (svgcharts escapes every label)."""
    return Markup(grid_svg(grid.rows, grid.columns, grid.counts, title))


def _week_label(weekly: Weekly, n: int, mark: bool = True) -> str:
    """ "1 Oct" for the nth week's start; "29 Oct*" for a partial week, with `mark`."""
    week = weekly.weeks[n]
    return f"{week.start:%-d %b}{'*' if week.partial and mark else ''}"


def _partial_note(weekly: Weekly) -> str:
    """What the last week's mark means, or "" when every week has seven days."""
    short = [w for w in weekly.weeks if w.partial]
    if not short:
        return ""
    return (
        f"The week of {short[-1].start:%-d %b} has only "
        f"{counted(short[-1].days, 'day')} in the period."
    )


def _weekly_svg(weekly: Weekly, title: str) -> Markup:
    """The `weekly_svg` filter: one small bar chart per actor set, on one scale."""
    svg = weekly_svg(
        [f"{w.start:%-d %b}" for w in weekly.weeks],
        [w.partial for w in weekly.weeks],
        [(s.name, s.counts) for s in weekly.series],
        title,
        _partial_note(weekly),
    )
    return Markup(svg)


def _grid_table(
    grid: Grid, corner: str, extra: Sequence[Sequence[object]] = (), width: int = 80
) -> str:
    """The `grid_table` filter for plain text: the grid as an aligned table, zeros as dots,
    then the `extra` rows (totals) under a rule."""
    rows: list[list[object]] = [
        [label, *(n or "·" for n in counts)]
        for label, counts in zip(grid.rows, grid.counts, strict=True)
    ]
    return table([corner, *grid.columns], rows, width, footer=extra)


def _weekly_table(weekly: Weekly, width: int = 80) -> str:
    """The `weekly_table` filter for plain text: actor sets by week, "*" on a partial week,
    zeros as dots."""
    header = ["Actor set", *(_week_label(weekly, n) for n in range(len(weekly.weeks)))]
    rows = [[s.name, *(n or "·" for n in s.counts)] for s in weekly.series]
    return table(header, rows, width)


def _monthly_table(weekly: Weekly, width: int = 80) -> str:
    """The `monthly_table` filter for plain text: months (rows) by actor set, zeros as dots."""
    header = ["Month", *(s.name for s in weekly.series)]
    rows = [[label, *(n or "·" for n in counts)] for label, counts in weekly.months]
    return table(header, rows, width)


def _cited(claim: Any) -> str:
    """The `cited` filter for plain text: a claim with its notes, "… was active. [3,4]"."""
    notes = ",".join(str(n) for n in getattr(claim, "notes", ()))
    return f"{claim} [{notes}]" if notes else str(claim)


def cited_url(url: str) -> str:
    """A source's address as a reader may see it: an ASCII URI (`textsafe.safe_url`) with a
    public host (`_net.is_public_url`), or "" (never the feed server's or a private address)."""
    return safe_url(url) if is_public_url(url) else ""


def _wrap(text: object, width: int = 88, indent: str = "", hanging: str | None = None) -> str:
    """The `wrap` filter: lines of at most `width` display columns (a Japanese character takes
    two), each starting with `indent`, or after the first with `hanging`."""
    return wrap(str(text), width, indent, hanging)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("brief", True)
        }
        if isinstance(out.get("url"), str):
            out["url"] = cited_url(out["url"])
        for prop in ("corroboration", "language"):
            if hasattr(value, prop):
                out[prop] = getattr(value, prop)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name.lower()
    return value


SCHEMA = "threatbrief.brief/2"


def _story_record(story: Story) -> dict[str, Any]:
    """A story as the JSON brief's `stories` list gives it (DESIGN.md §5)."""
    return {
        "id": story.id,
        "headline": story.title,
        "sentence": first_sentence(story.summary or story.title),
        "lede": story.lede,  # the key story's one sentence in the brief ("" when not a key story)
        "items": [
            {
                "id": i.id,
                "url": cited_url(i.url),
                "publisher": i.publisher,
                "feed": i.feed_id,
                "lang": i.lang,
                "title": i.title,
                "published": i.published_at.isoformat() if i.published_at else None,
            }
            for i in story.items
        ],
        "publishers": story.publishers,
        "merged_on": story.merged_on,
        "actor_sets": story.actor_sets,
        "actors": story.actors,
        "sectors": story.sectors,
        "targets": story.targets,
        "quarantined": story.quarantined,
        "historical": story.historical,
    }


def brief_document(ctx: BriefContext) -> dict[str, Any]:
    """The brief as data, schema `threatbrief.brief/2`: every field of the context, with every
    story of the period once in `stories`, which sections, judgements and partner rows refer to
    by `story_ids`; a pull-quote is `{text, story_id, credit, lang, gloss}`."""
    doc: dict[str, Any] = {"schema": SCHEMA, **_plain(ctx)}
    doc["stories"] = [_story_record(s) for s in ctx.stories]
    doc["background"] = [s.id for s in ctx.background]
    doc["unverified"] = [s.id for s in ctx.unverified]
    for section, out in zip(ctx.sections, doc["sections"], strict=True):
        out["pull_quote"] = {
            "text": section.pull_quote,
            "story_id": section.pull_quote_story_id,
            "credit": section.pull_quote_credit,
            "lang": section.pull_quote_lang,
            "gloss": section.pull_quote_gloss,  # English, built from the facts; "" if en
        }
        for key in (
            "pull_quote_story_id",
            "pull_quote_credit",
            "pull_quote_lang",
            "pull_quote_gloss",
        ):
            del out[key]
    return doc


def render_brief(ctx: BriefContext, fmt: str, template_dir: Path | None = None) -> str | bytes:
    """The brief in one format: str for html, md, txt and json; bytes for pdf.

    Raises:
        UsageError: unknown format, or PDF without WeasyPrint or Pango.
    """
    if fmt == "json":
        return json.dumps(brief_document(ctx), indent=2, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    env = _environment(template_dir)
    if fmt == "pdf":
        return _pdf(env, ctx)
    body = env.get_template(f"brief.{fmt}").render(brief=ctx, print_mode=False)
    if fmt == "html":
        body = body.replace("</head>", _embedded_font(body) + "</head>", 1)
    return body


def render_digest(ctx: DigestContext, template_dir: Path | None = None) -> tuple[str, str]:
    """The digest's (text, html) bodies."""
    env = _environment(template_dir)
    return (
        env.get_template("digest.txt").render(digest=ctx),
        env.get_template("digest.html").render(digest=ctx),
    )


# A subset of Noto Sans CJK JP (OFL 1.1, see fonts/OFL.txt) covering JIS X 0208: PDF briefs
# embed it, so Japanese renders on a machine without a CJK font. scripts/build_cjk_font.py.
CJK_FONT = Path(__file__).parent / "fonts" / "NotoSansCJKjp-subset.woff2"
_FONT_FACE = '<style>@font-face {{ font-family: "threatbrief JP"; src: url("{}"); }}</style>'


# Pango draws a space between two Japanese characters with the Japanese font, and the subset
# has no ASCII glyphs, so the space printed as a missing-glyph box. In the PDF, such spaces
# are set in the Latin font instead (WeasyPrint does not honour `unicode-range`).
_LATIN_SPACE = '<span class="latin-space"> </span>'
_LATIN_SPACE_CSS = (
    '<style>.latin-space { font-family: "Noto Serif", "DejaVu Serif", serif; }</style>'
)
# characters the packaged Japanese font has and a Latin font may lack: the Japanese ones, and
# the quotation marks and ellipsis of JIS X 0208 (": “Attacks…" set a box for its space)
_CJK_CLASS = "[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef\u2018-\u201f\u2026]"
_CJK_SPACE = re.compile(rf"(?<={_CJK_CLASS}) +| +(?={_CJK_CLASS})")
_NEEDS_LATIN_SPACE = re.compile(_CJK_CLASS)
_TAG = re.compile(r"(<[^>]*>)")


def _latin_spaces(html: str) -> str:
    """`html` with each space next to a Japanese character or a curly quotation mark, in text
    (never inside a tag), set in the Latin font."""
    parts = _TAG.split(html)
    for n in range(0, len(parts), 2):  # the odd parts are tags
        if " " in parts[n] and _NEEDS_LATIN_SPACE.search(parts[n]):
            parts[n] = _CJK_SPACE.sub(_LATIN_SPACE, parts[n])
    return "".join(parts).replace("</head>", _LATIN_SPACE_CSS + "</head>", 1)


@functools.lru_cache(maxsize=1)
def _cjk_font_sfnt() -> bytes:
    """The packaged font, decompressed once per process (brotli takes most of a subset's
    time)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(CJK_FONT), recalcTimestamp=False)
    font.flavor = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _embedded_font(text: str) -> str:
    """An @font-face rule carrying, as a data URI, the packaged font cut to the Japanese
    characters of `text`, so an HTML brief shows Japanese on a machine with no CJK font and
    fetches nothing; "" when there is none to carry."""
    wanted = set(_CJK_ANY.findall(text))
    if not wanted or not CJK_FONT.is_file():
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # no new timestamp in the font's header: the same brief gives the same bytes
    font = TTFont(io.BytesIO(_cjk_font_sfnt()), recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(wanted)))
    noisy = logging.getLogger("fontTools")
    level = noisy.level
    noisy.setLevel(logging.ERROR)
    try:
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = "woff2"
        font.save(out)
    finally:
        noisy.setLevel(level)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return (
        '<style>@font-face { font-family: "threatbrief JP"; '
        f'src: url("data:font/woff2;base64,{data}") format("woff2"); }}</style>'
    )


def cjk_font_available() -> bool:
    """Whether a font that covers Japanese is at hand: the packaged subset, or one that
    fontconfig knows."""
    if CJK_FONT.is_file():
        return True
    if shutil.which("fc-list") is None:
        return False
    result = subprocess.run(
        ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False, timeout=10
    )
    return bool(result.stdout.strip())


def _only_the_font() -> Any:
    """WeasyPrint's URL fetcher for briefs: the packaged font, and nothing else, from anywhere
    (feed text is escaped, so nothing else should ever be asked for)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OnlyTheFont(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url == CJK_FONT.as_uri():
                return URLFetcherResponse(
                    url, CJK_FONT.read_bytes(), {"Content-Type": "font/woff2"}
                )
            raise ValueError(f"the brief's PDF fetches nothing from outside (refused {url[:80]})")

    return OnlyTheFont(allowed_protocols=("file",), allow_redirects=False)


def _pdf(env: jinja2.Environment, ctx: BriefContext) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise UsageError(
            "PDF output needs WeasyPrint and the Pango library: install the Debian package "
            "libpango-1.0-0 (or your system's Pango) and `pip install weasyprint`; every other "
            f"format works without them ({exc})"
        ) from exc
    html = env.get_template("brief.html").render(brief=ctx, print_mode=True)
    if _CJK.search(html) and not cjk_font_available():
        log.warning(
            "the brief has Japanese text but no Japanese font is installed: the PDF may show "
            "empty boxes (install a CJK font, e.g. Debian's fonts-noto-cjk)"
        )
        notice = Markup(
            '<p class="font-warning">This PDF contains Japanese text, but no '
            "Japanese font is installed, so it may show empty boxes. Install a CJK "
            "font (Debian: fonts-noto-cjk) and render again.</p>"
        )
        html = html.replace("<body>", f"<body>{notice}", 1)
    if CJK_FONT.is_file():
        html = html.replace("</head>", _FONT_FACE.format(CJK_FONT.as_uri()) + "</head>", 1)
        html = _latin_spaces(html)
    document = weasyprint.HTML(string=html, url_fetcher=_only_the_font())
    # WeasyPrint logs one warning per missing glyph and per screen-only CSS property; the one
    # that matters, a missing Japanese font, is said once above and on the PDF's first page.
    noisy = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.ERROR)
    try:
        return bytes(document.write_pdf())
    finally:
        for logger, level in zip(noisy, levels, strict=True):
            logger.setLevel(level)
