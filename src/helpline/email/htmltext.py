"""Turn customer HTML into readable plain text, and sanitize it for display.

Blockquotes become ``> `` lines so the quote stripper treats HTML-only replies (Gmail, Outlook web)
the same way as plain-text ones. Scripts, styles and the document head are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "h1", "h2", "h3",
    "h4", "h5", "h6", "pre", "hr", "dl", "dt", "dd", "center", "address", "form", "fieldset",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "font", "center",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "*": {"dir", "lang"},
}


def sanitize_html(html: str) -> str:
    """Customer HTML made safe to show: no scripts, handlers, styles or remote-form tricks.

    Images keep only ``cid:`` and ``data:`` sources, so opening a ticket never pings a tracker.
    """
    cleaned = nh3.clean(
        html,
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return re.sub(r'<img([^>]*?)src="(?!cid:|data:image/)[^"]*"', r'<img\1src=""', cleaned)


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.list_depth = 0

    def _prefix(self) -> str:
        return "> " * self.quote

    def newline(self, force: bool = False) -> None:
        text = "".join(self.current)
        if not self.pre:
            text = re.sub(r"[ \t\r\n\f\u00a0]+", " ", text).strip()
        if text or force:
            self.lines.append((self._prefix() + text).rstrip())
        self.current = []

    def paragraph(self) -> None:
        self.newline()
        if self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(self._prefix().rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self.newline(force=True)
        elif tag == "blockquote":
            self.paragraph()
            self.quote += 1
        elif tag == "li":
            self.newline()
            self.current.append("  " * max(self.list_depth - 1, 0) + "- ")
        elif tag in {"ul", "ol"}:
            self.newline()
            self.list_depth += 1
        elif tag == "pre":
            self.paragraph()
            self.pre += 1
        elif tag in {"td", "th"}:
            self.current.append(" ")
        elif tag == "hr":
            self.newline()
            self.lines.append(self._prefix() + "___")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(f"[{alt}]")
        elif tag in _BLOCK:
            self.paragraph() if tag in {"p", "h1", "h2", "h3", "h4", "h5", "h6"} else self.newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag == "blockquote":
            self.newline()
            self.quote = max(self.quote - 1, 0)
            self.paragraph()
        elif tag in {"ul", "ol"}:
            self.newline()
            self.list_depth = max(self.list_depth - 1, 0)
        elif tag == "pre":
            self.newline()
            self.pre = max(self.pre - 1, 0)
        elif tag == "a":
            href = self.links.pop() if self.links else None
            if href and href.startswith(("http://", "https://")):
                shown = "".join(self.current)
                if href not in shown:
                    self.current.append(f" <{href}>")
        elif tag in {"p", "h1", "h2", "h3", "h4", "h5", "h6"}:
            self.paragraph()
        elif tag in _BLOCK or tag == "li":
            self.newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self.newline(force=True)
                self.current.append(part)
        else:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; never raises on broken markup."""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        builder.close()
    except Exception:  # html.parser is lenient, but be certain
        return re.sub(r"<[^>]+>", " ", html)
    builder.newline()
    text = "\n".join(builder.lines)
    text = re.sub(r"\n(>? ?\n){2,}", "\n\n", text)
    return text.strip("\n")
