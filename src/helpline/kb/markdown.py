"""A small, safe Markdown renderer for article bodies.

Everything is HTML-escaped first; only a fixed set of constructs become markup: headings, paragraphs,
bulleted and numbered lists, fenced code, block quotes, ``**bold**``, ``*italic*``, ``code`` and
``[links](https://…)`` (http, https, mailto and site-relative only). Raw HTML in an article is shown
as text, never executed. The article's own files are reached as ``attachment:NAME``:
``![alt](attachment:NAME)`` shows an image and ``[text](attachment:NAME)`` links a file; images from
elsewhere are not loaded (the alt text is shown), so reading an article tells no third party.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(((?:https?://|mailto:|/)[^\s)]{0,2000})\)")
_FILE_LINK = re.compile(r"(!?)\[([^\]\n]{0,300})\]\(attachment:([^\s)]{1,200})\)")
_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]\([^\s)]{0,2000}\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


@dataclass(frozen=True)
class FileRef:
    url: str
    image: bool  # safe to show inline as an <img>


class _Wanted(Mapping[str, FileRef]):
    """Notes every file name the renderer looks up (and resolves none of them)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, name: str) -> FileRef:
        self.names.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 1  # truthy, so the renderer uses it


def referenced_files(source: str) -> set[str]:
    """The ``attachment:NAME`` names that rendering ``source`` would link or show, found by rendering
    it: a link wrapped over two lines counts, a name inside code does not."""
    wanted = _Wanted()
    render_markdown(source, files=wanted)
    return wanted.names


def _file(match: re.Match[str], files: Mapping[str, FileRef]) -> str:
    bang, label, name = match.group(1), match.group(2), html.unescape(match.group(3))
    ref = files.get(name)
    if ref is None:
        return label or html.escape(name, quote=False)
    url = html.escape(ref.url, quote=True)
    if bang and ref.image:
        alt = html.escape(html.unescape(label), quote=True).replace("[", "&#91;").replace("]", "&#93;")
        return f'<img src="{url}" alt="{alt}" loading="lazy">'
    return f'<a href="{url}">{label or html.escape(name, quote=False)}</a>'


def _inline(text: str, files: Mapping[str, FileRef]) -> str:
    codes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        codes.append(match.group(1))
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep, html.escape(text, quote=False))
    text = _FILE_LINK.sub(lambda m: _file(m, files), text)
    text = _IMAGE.sub(lambda m: m.group(1), text)  # an image from elsewhere: its alt text only
    text = _LINK.sub(
        lambda m: f'<a href="{html.escape(html.unescape(m.group(2)), quote=True)}">{m.group(1)}</a>', text
    )
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: f"<code>{codes[int(m.group(1))]}</code>", text)


def render_markdown(
    source: str, *, heading_offset: int = 1, files: Mapping[str, FileRef] | None = None
) -> str:
    """HTML for ``source``. ``heading_offset`` shifts headings so an article's ``#`` sits below the
    page's own ``<h1>``; ``files`` resolves ``attachment:NAME`` references."""
    refs: Mapping[str, FileRef] = files or {}
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    lines = source.replace("\r\n", "\n").split("\n")

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append("<p>" + _inline(" ".join(paragraph), refs) + "</p>")
            paragraph.clear()
        if items:
            out.append(
                f"<{list_tag}>" + "".join(f"<li>{_inline(i, refs)}</li>" for i in items) + f"</{list_tag}>"
            )
            items.clear()
            list_tag = ""

    index = 0
    while index < len(lines):
        line = lines[index]
        bullet = _BULLET.match(line)
        numbered = None if bullet else _NUMBERED.match(line)
        if line.strip().startswith("```"):
            flush()
            block: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                block.append(lines[index])
                index += 1
            out.append("<pre><code>" + html.escape("\n".join(block), quote=False) + "</code></pre>")
        elif not line.strip():
            flush()
        elif heading := _HEADING.match(line):
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            out.append(f"<h{level}>{_inline(heading.group(2), refs)}</h{level}>")
        elif line.lstrip().startswith(">"):
            flush()
            quoted = []
            while index < len(lines) and lines[index].lstrip().startswith(">"):
                quoted.append(lines[index].lstrip()[1:].lstrip())
                index += 1
            inner = render_markdown("\n".join(quoted), heading_offset=heading_offset, files=refs)
            out.append("<blockquote>" + inner + "</blockquote>")
            continue
        elif bullet or numbered:
            match = bullet or numbered
            assert match is not None
            tag = "ul" if bullet else "ol"
            if paragraph or (items and tag != list_tag):
                flush()
            list_tag = tag
            items.append(match.group(1))
        elif items and line.startswith(("  ", "\t")):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            paragraph.append(line.strip())
        index += 1
    flush()
    return "\n".join(out)
