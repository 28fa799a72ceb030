"""Markdown written by people, rendered safely: a small tag allow-list, no script, no styles.

Every long text a person writes (status updates, stories, initiative summaries, charters, what a
closed team learned, barrier descriptions and resolutions) goes through ``render``; previews and
lists use ``excerpt``, which keeps sentences apart where the Markdown had separate blocks.

Both are pure functions of the text, so each process keeps the latest few thousand results
(a feed or an API page renders the same bodies on every request), and converts with one
Markdown parser per thread, reset between texts, rather than building a parser for each.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from html import escape as escape_html
from html.parser import HTMLParser
from typing import Any

import markdown
import nh3
from markupsafe import Markup

from teams_app import audit

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# A block ends a sentence in an excerpt; inline tags do not.
_BLOCKS = {"p", "li", "h3", "h4", "blockquote", "pre", "hr", "ul", "ol"}
_ENDS_SENTENCE = re.compile(r"[.!?…:;)\]\"”’]$")
CACHED_TEXTS = 2048  # results kept per process, for each of render and excerpt
_parsers = threading.local()


def _markdown(text: str | None) -> str:
    parser = getattr(_parsers, "markdown", None)
    if parser is None:
        parser = markdown.Markdown(extensions=["sane_lists", "nl2br"], output_format="html")
        _parsers.markdown = parser
    return str(parser.reset().convert(text or ""))


def render(text: str | None) -> Markup:
    """HTML for ``text``: Markdown converted (a single line break is kept, as people typed it),
    then everything not allowed is stripped."""
    return Markup(_clean_html(text or ""))  # noqa: S704 - sanitised by nh3 in _clean_html


@lru_cache(maxsize=CACHED_TEXTS)
def _clean_html(text: str) -> str:
    return _sanitise(_markdown(text))


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# --- @mentions in comments ----------------------------------------------------------------------

_HTML_PARTS = re.compile(r"(<[^>]*>)")
_NOT_IN = {"a", "code", "pre"}  # a mention inside a link or code stays text


def render_mentions(text: str | None, people: Iterable[tuple[str, str]]) -> Markup:
    """``render(text)`` with each "@Name" of ``people`` ((name, link) pairs: the mentions that
    were resolved when the comment was saved) made a link to the person. Names match as the
    resolver reads them, whatever the case, the longest first; an "@" inside a link or code
    stays text. The name is matched and written escaped, and the result goes through the same
    sanitiser as every rendered text."""
    pairs = tuple(sorted({(n.strip(), u) for n, u in people if n.strip()}, key=_longest_first))
    if not pairs:
        return render(text)
    return Markup(_mentions_html(text or "", pairs))  # noqa: S704 - sanitised by nh3


def _longest_first(pair: tuple[str, str]) -> tuple[int, str]:
    return (-len(pair[0]), pair[0].lower())


@lru_cache(maxsize=CACHED_TEXTS)
def _mentions_html(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    links: dict[str, str] = {}
    patterns = []
    for name, url in pairs:
        words = [escape_html(w, quote=False) for w in name.split()]
        links.setdefault(" ".join(words).lower(), url)
        patterns.append(r"\s+".join(re.escape(w) for w in words))
    mention = re.compile(r"(?:^|(?<=[\s(\[]))@(" + "|".join(patterns) + r")(?!\w)", re.I)

    def link(match: re.Match[str]) -> str:
        url = links.get(" ".join(match.group(1).split()).lower())
        if url is None:  # pragma: no cover - every alternative is a key
            return match.group(0)
        return f'<a href="{escape_html(url)}">{match.group(0)}</a>'

    out: list[str] = []
    inside = 0
    for part in _HTML_PARTS.split(_clean_html(text)):
        tag = _TAG.match(part) if part.startswith("<") else None
        if tag is not None:
            if tag.group(1).lower() in _NOT_IN:
                inside += -1 if part.startswith("</") else 1
            out.append(part)
        else:
            out.append(mention.sub(link, part) if inside <= 0 else part)
    return _sanitise("".join(out))


class _Blocks(HTMLParser):
    """Collects the text of each block (paragraph, list item, heading) separately."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []

    def _close(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._close()
        elif tag == "br":
            self._current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._close()

    def handle_data(self, data: str) -> None:
        self._current.append(data)


def plain_text(text: str | None) -> str:
    """The words of ``text`` without Markdown, each block ending as a sentence does."""
    parser = _Blocks()
    parser.feed(str(render(text)))
    parser.close()
    parser._close()
    return " ".join(b if _ENDS_SENTENCE.search(b) else b + "." for b in parser.blocks)


def excerpt(text: str | None, length: int = 240) -> str:
    """At most ``length`` characters of plain text, cut at a word, with an ellipsis if cut."""
    return _excerpt(text or "", length)


@lru_cache(maxsize=CACHED_TEXTS)
def _excerpt(text: str, length: int) -> str:
    words = plain_text(text)
    if len(words) <= length:
        return words
    cut = words[: length - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)")
_ACTIVE = re.compile(r"\son[a-z]+\s*=|\sstyle\s*=|javascript:|vbscript:|data:text/html", re.I)


def unsafe_markup(text: str | None) -> list[str]:
    """What the sanitiser will remove from ``text``: tags outside the allow-list (``script``,
    ``iframe``, ``img``...) and active attributes or URLs. Empty for ordinary Markdown."""
    html = _markdown(text)
    found = sorted({tag.lower() for tag in _TAG.findall(html)} - ALLOWED_TAGS)
    if _ACTIVE.search(html):
        found.append("active attribute or URL")
    return found


def audit_unsafe_markup(obj: Any, field: str, text: str | None) -> None:
    """Record text that tried to carry markup the sanitiser strips (it is stored as written
    and always rendered clean): a script in a story is worth knowing about."""
    removed = unsafe_markup(text)
    if removed:
        audit.record("content.sanitised", object=obj, field=field, removed=removed)
