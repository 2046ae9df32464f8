"""The tiny Markdown renderer, twin of frontend_dist/src/app/components/markdown.ts (same output, byte for byte).

Both run the cases in frontend_dist/tests/components/markdown_cases.json; change both together. The patterns
are written as in the TypeScript file; `_js` rewrites `\\s`/`\\S` to JavaScript's whitespace set, which differs
slightly from Python's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podium.ssr.format import esc

_WS = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"


def _js(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a pattern written for JavaScript, with JavaScript's `\\s` (inside and outside classes)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            pair = pattern[i : i + 2]
            if pair == "\\s":
                out.append(_WS if in_class else "[" + _WS + "]")
            elif pair == "\\S" and not in_class:
                out.append("[^" + _WS + "]")
            else:
                out.append(pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            if pattern.startswith("[\\s\\S]", i):  # any character
                out.append("[\\s\\S]")
                in_class = False
                i += 6
                continue
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return re.compile("".join(out), flags)


@dataclass(frozen=True)
class MarkdownOptions:
    sanitize: bool = True
    line_breaks: bool = False


_INLINE = _js(
    "|".join(
        [
            r"(\x60+)([\s\S]*?[^\x60])\1(?!\x60)",
            r"\\([\\\x60*_{}\[\]()#+\-.!~|<>])",
            r"<(https?://[^\s<>]+)>",
            r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>\x60]+))?)*)\s*(/?)>",
            r"!\[([^\]]*)\]\(\s*([^\s()]*)(?:\s+\"([^\"]*)\")?\s*\)",
            r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*([^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+\"([^\"]*)\")?\s*\)",
            r"\*\*(?=\S)([\s\S]*?\S)\*\*",
            r"(?<![A-Za-z0-9_])__(?=\S)([\s\S]*?\S)__(?![A-Za-z0-9_])",
            r"\*(?=[^\s*])([^*]*?[^\s*])\*",
            r"(?<![A-Za-z0-9_])_(?=[^\s_])([^_]*?[^\s_])_(?![A-Za-z0-9_])",
            r"~~(?=\S)([\s\S]*?\S)~~",
            r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);",
            r" {2,}\n|\\\n",
        ]
    )
)
_ATTR = _js(r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>\x60]+)))?")
_TAGS = frozenset(
    (
        "a abbr b blockquote br center code dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img kbd li mark ol p "
        "pre s small span strong sub summary sup table tbody td tfoot th thead tr u ul"
    ).split()
)
_ATTRS = frozenset("align alt class colspan height href open rowspan src start style target title width".split())
_VOID = frozenset({"br", "hr", "img"})
_NEW_TAB = ' target="_blank" rel="noopener noreferrer"'
_BAD_STYLE = re.compile(r"url[\t\n\x0b\x0c\r ]*\(|expression|javascript:", re.I | re.A)


def safe_url(url: str) -> bool:
    """http(s), mailto, or a URL without a scheme (relative, #anchor)."""
    s = re.sub(r"[\x00-\x20]", "", url).lower()
    return not re.match(r"[a-z][a-z0-9+.-]*:", s) or bool(re.match(r"(https?|mailto):", s))


def _tag(m: re.Match[str]) -> str:
    name = m.group(6).lower()
    if name not in _TAGS:
        return esc(m.group(0))
    if m.group(5):
        return "" if name in _VOID else f"</{name}>"
    out = f"<{name}"
    for a in _ATTR.finditer(m.group(7)):
        attr = a.group(1).lower()
        value = next((g for g in (a.group(2), a.group(3), a.group(4)) if g is not None), None)
        if attr not in _ATTRS:
            continue
        if attr in ("href", "src") and (value is None or not safe_url(value)):
            continue
        if attr == "style" and value is not None and _BAD_STYLE.search(value):
            continue
        out += f" {attr}" if value is None else f' {attr}="{esc(value)}"'
    return out + ">"


def _plain(s: str, o: MarkdownOptions) -> str:
    e = esc(s)
    return "<br>\n".join(e.split("\n")) if o.line_breaks else e


def inline(src: str, o: MarkdownOptions) -> str:
    """Inline Markdown (code, emphasis, links, images, allowed HTML tags) to HTML."""
    out = ""
    last = 0
    for m in _INLINE.finditer(src):
        out += _plain(src[last : m.start()], o)
        last = m.end()
        g = m.group
        if g(1) is not None:
            out += f"<code>{esc(g(2))}</code>"
        elif g(3) is not None:
            out += esc(g(3))
        elif g(4) is not None:
            out += f'<a href="{esc(g(4))}"{_NEW_TAB}>{esc(g(4))}</a>'
        elif g(6) is not None:
            out += g(0) if not o.sanitize else _tag(m)
        elif g(10) is not None:
            title = f' title="{esc(g(11))}"' if g(11) is not None else ""
            out += f'<img src="{esc(g(10))}" alt="{esc(g(9))}"{title}>' if safe_url(g(10)) else esc(g(9))
        elif g(13) is not None:
            body = inline(g(12), o)
            title = f' title="{esc(g(14))}"' if g(14) is not None else ""
            out += f'<a href="{esc(g(13))}"{title}{_NEW_TAB}>{body}</a>' if safe_url(g(13)) else body
        elif g(15) is not None:
            out += f"<strong>{inline(g(15), o)}</strong>"
        elif g(16) is not None:
            out += f"<strong>{inline(g(16), o)}</strong>"
        elif g(17) is not None:
            out += f"<em>{inline(g(17), o)}</em>"
        elif g(18) is not None:
            out += f"<em>{inline(g(18), o)}</em>"
        elif g(19) is not None:
            out += f"<del>{inline(g(19), o)}</del>"
        elif g(0)[0] == "&":
            out += g(0)
        else:
            out += "<br>\n"
    return out + _plain(src[last:], o)


_FENCE = _js(r"^ {0,3}(\x60{3,}|~{3,})[ \t]*([^\x60\s]*)[^\x60]*$")
_HEADING = _js(r"^ {0,3}(#{1,6})(?:[ \t]+([\s\S]*?))?[ \t]*$")
_SETEXT = _js(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = _js(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE = _js(r"^ {0,3}> ?([\s\S]*)$")
_ITEM = _js(r"^( *)([-*+]|[0-9]{1,9}[.)])[ \t]+([\s\S]*)$")
_TABLE_SEP = _js(r"^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$")
_HTML_BLOCK = _js(
    r"^ {0,3}<\/?(?:h[1-6]|div|p|table|thead|tbody|tr|td|th|ul|ol|li|pre|blockquote|details|summary|hr|center|dl|dt|dd|img|br|section|figure)(?=[\s/>]|$)",
    re.I | re.A,
)


def _blank(line: str) -> bool:
    return re.match(r"[ \t]*\Z", line) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _ordered(marker: str) -> bool:
    return marker[0] in "0123456789"


def _starts_block(line: str) -> bool:
    return (
        _blank(line)
        or bool(_FENCE.search(line))
        or bool(_HEADING.search(line))
        or bool(_HR.search(line))
        or bool(_QUOTE.search(line))
        or _interrupting_item(line)
    )


def _interrupting_item(line: str) -> bool:
    """A list item that may start in the middle of a paragraph: a bullet, or an ordered item numbered 1."""
    m = _ITEM.search(line)
    return m is not None and (not _ordered(m.group(2)) or int(re.sub(r"[.)]", "", m.group(2))) == 1)


def _strip_tabs_spaces(s: str) -> str:
    return re.sub(r"[ \t]+\Z", "", re.sub(r"^[ \t]+", "", s))


def _cells(line: str) -> list[str]:
    s = re.sub(r"(?<!\\)\|\Z", "", re.sub(r"^\|", "", _strip_tabs_spaces(line)))
    return ["|".join(_strip_tabs_spaces(c).split("\\|")) for c in re.split(r"(?<!\\)\|", s)]


def _align(sep: str) -> str:
    left, right = sep.startswith(":"), sep.endswith(":")
    return ' align="center"' if left and right else ' align="right"' if right else ' align="left"' if left else ""


def _row(r: list[str], t: str, head: list[str], aligns: list[str], o: MarkdownOptions) -> str:
    cells = (
        f"<{t}{aligns[k] if k < len(aligns) else ''}>{inline(r[k] if k < len(r) else '', o)}</{t}>"
        for k in range(len(head))
    )
    return "<tr>" + "".join(cells) + "</tr>"


def _unwrap(b: str) -> str:
    return b[3:-4] if b.startswith("<p>") and b.endswith("</p>") else b


def _blocks(lines: list[str], o: MarkdownOptions) -> list[str]:  # noqa: C901 - one branch per block kind
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _blank(line):
            i += 1
        elif m := _FENCE.search(line):
            fence, lang = m.group(1), m.group(2)
            close = re.compile(r"^ {0,3}" + ("~" if fence[0] == "~" else r"\x60") + "{" + str(len(fence)) + r",}[ \t]*$")
            body: list[str] = []
            i += 1
            while i < n and not close.search(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1
            cls = f' class="language-{esc(lang)}"' if lang else ""
            out.append(f"<pre><code{cls}>{esc(chr(10).join(body))}</code></pre>")
        elif m := _HEADING.search(line):
            content = re.sub(r"(?:^|[ \t]+)#+[ \t]*$", "", m.group(2) or "", count=1)
            k = len(m.group(1))
            out.append(f"<h{k}>{inline(content, o)}</h{k}>")
            i += 1
        elif _HR.search(line):
            out.append("<hr>")
            i += 1
        elif _QUOTE.search(line):
            inner: list[str] = []
            while i < n and (qm := _QUOTE.search(lines[i])):
                inner.append(qm.group(1))
                i += 1
            out.append("<blockquote>\n" + "\n".join(_blocks(inner, o)) + "\n</blockquote>")
        elif m := _ITEM.search(line):
            i = _list(lines, i, m, o, out)
        elif "|" in line and i + 1 < n and "-" in lines[i + 1] and _TABLE_SEP.search(lines[i + 1]):
            head = _cells(line)
            aligns = [_align(c) for c in _cells(lines[i + 1])]
            i += 2
            rows: list[list[str]] = []
            while i < n and not _blank(lines[i]) and "|" in lines[i]:
                rows.append(_cells(lines[i]))
                i += 1

            tbody = f"<tbody>{''.join(_row(r, 'td', head, aligns, o) for r in rows)}</tbody>" if rows else ""
            out.append(f"<table><thead>{_row(head, 'th', head, aligns, o)}</thead>{tbody}</table>")
        else:
            para = [re.sub(r"^[ \t]+", "", line)]
            i += 1
            heading = 0
            while i < n:
                sm = _SETEXT.search(lines[i])
                if sm:
                    heading = 1 if sm.group(1)[0] == "=" else 2
                    i += 1
                    break
                if _starts_block(lines[i]):
                    break
                para.append(re.sub(r"^[ \t]+", "", lines[i]))
                i += 1
            text = re.sub(r"[ \t]+\Z", "", "\n".join(para))
            if heading:
                out.append(f"<h{heading}>{inline(text, o)}</h{heading}>")
            elif _HTML_BLOCK.search(text):
                out.append(inline(text, o))
            else:
                out.append(f"<p>{inline(text, o)}</p>")
    return out


def _list(lines: list[str], i: int, m: re.Match[str], o: MarkdownOptions, out: list[str]) -> int:
    """Parse the list starting at line `i` into `out`; return the index of the first line after it."""
    n = len(lines)
    is_ordered = _ordered(m.group(2))
    base = len(m.group(1))
    start = int(re.match(r"[0-9]+", m.group(2)).group(0)) if is_ordered else 1  # type: ignore[union-attr]
    items: list[list[str]] = []
    content_indent = 0
    while i < n:
        line = lines[i]
        im = _ITEM.search(line)
        if im and len(im.group(1)) <= base + 1 and _ordered(im.group(2)) == is_ordered and not _HR.search(line):
            items.append([im.group(3)])
            content_indent = len(im.group(1)) + len(im.group(2)) + 1
            i += 1
        elif _blank(line):
            j = i + 1
            while j < n and _blank(lines[j]):
                j += 1
            if j < n and _indent(lines[j]) >= base + 2:
                items[-1].append("")
                i += 1
            else:
                sm = _ITEM.search(lines[j]) if j < n else None
                if sm and len(sm.group(1)) <= base + 1 and _ordered(sm.group(2)) == is_ordered:
                    i = j
                else:
                    break
        elif _indent(line) >= base + 2:
            items[-1].append(re.sub("^ {0," + str(content_indent) + "}", "", line))
            i += 1
        elif not _starts_block(line) and items[-1][-1] != "":
            items[-1].append(re.sub(r"^[ \t]+", "", line))
            i += 1
        else:
            break
    tag = "ol" if is_ordered else "ul"
    lis = ["<li>" + "\n".join(_unwrap(b) for b in _blocks(item, o)) + "</li>" for item in items]
    start_attr = f' start="{start}"' if is_ordered and start != 1 else ""
    out.append(f"<{tag}{start_attr}>\n" + "\n".join(lis) + f"\n</{tag}>")
    return i


def render_markdown(src: str, *, sanitize: bool = True, line_breaks: bool = False) -> str:
    """Markdown source to HTML, exactly as the browser's renderer makes it."""
    o = MarkdownOptions(sanitize=sanitize, line_breaks=line_breaks)
    lines = [re.sub(r"^\t+", lambda t: "    " * len(t.group(0)), ln) for ln in re.sub(r"\r\n?", "\n", src).split("\n")]
    return "\n".join(_blocks(lines, o))
