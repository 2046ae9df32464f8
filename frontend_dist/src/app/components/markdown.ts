/** A tiny, safe Markdown renderer: headings, emphasis, code, links, images, lists, quotes, tables, rules.
 *
 * `sdk/podium/ssr/markdown.py` is its exact twin (the SSR output must equal this one byte for byte); both run
 * the cases in frontend_dist/tests/components/markdown_cases.json. Change both together.
 * With `sanitize` (Gradio's `sanitize_html=True`, the default), raw HTML tags outside an allow-list are shown
 * as text and attributes outside an allow-list are dropped; URLs must be http(s), mailto or relative. */
import { esc } from "./format";

export interface MarkdownOptions {
  sanitize?: boolean;
  lineBreaks?: boolean;
}

const INLINE = new RegExp(
  [
    String.raw`(\x60+)([\s\S]*?[^\x60])\1(?!\x60)`,
    String.raw`\\([\\\x60*_{}\[\]()#+\-.!~|<>])`,
    String.raw`<(https?://[^\s<>]+)>`,
    String.raw`<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>\x60]+))?)*)\s*(/?)>`,
    String.raw`!\[([^\]]*)\]\(\s*([^\s()]*)(?:\s+"([^"]*)")?\s*\)`,
    String.raw`\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*([^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+"([^"]*)")?\s*\)`,
    String.raw`\*\*(?=\S)([\s\S]*?\S)\*\*`,
    String.raw`(?<![A-Za-z0-9_])__(?=\S)([\s\S]*?\S)__(?![A-Za-z0-9_])`,
    String.raw`\*(?=[^\s*])([^*]*?[^\s*])\*`,
    String.raw`(?<![A-Za-z0-9_])_(?=[^\s_])([^_]*?[^\s_])_(?![A-Za-z0-9_])`,
    String.raw`~~(?=\S)([\s\S]*?\S)~~`,
    String.raw`&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);`,
    String.raw` {2,}\n|\\\n`,
  ].join("|"),
  "g",
);
const ATTR = /([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>\x60]+)))?/g;

const TAGS = new Set(
  ("a abbr b blockquote br center code dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img kbd li mark ol p " +
    "pre s small span strong sub summary sup table tbody td tfoot th thead tr u ul").split(" "),
);
const ATTRS = new Set("align alt class colspan height href open rowspan src start style target title width".split(" "));
const VOID = new Set(["br", "hr", "img"]);
const NEW_TAB = ' target="_blank" rel="noopener noreferrer"';

export function safeUrl(url: string): boolean {
  const s = url.replace(/[\x00-\x20]/g, "").toLowerCase();
  return !/^[a-z][a-z0-9+.-]*:/.test(s) || /^(https?|mailto):/.test(s);
}

function tag(m: RegExpExecArray): string {
  const name = m[6].toLowerCase();
  if (!TAGS.has(name)) return esc(m[0]);
  if (m[5]) return VOID.has(name) ? "" : `</${name}>`;
  let out = `<${name}`;
  for (const a of m[7].matchAll(ATTR)) {
    const attr = a[1].toLowerCase();
    const value = a[2] ?? a[3] ?? a[4] ?? null;
    if (!ATTRS.has(attr)) continue;
    if ((attr === "href" || attr === "src") && (value === null || !safeUrl(value))) continue;
    if (attr === "style" && value !== null && /url\s*\(|expression|javascript:/i.test(value)) continue;
    out += value === null ? ` ${attr}` : ` ${attr}="${esc(value)}"`;
  }
  return out + ">";
}

function plain(s: string, o: MarkdownOptions): string {
  const e = esc(s);
  return o.lineBreaks ? e.split("\n").join("<br>\n") : e;
}

export function inline(src: string, o: MarkdownOptions): string {
  let out = "";
  let last = 0;
  const re = new RegExp(INLINE.source, "g");
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    out += plain(src.slice(last, m.index), o);
    last = m.index + m[0].length;
    if (m[1] !== undefined) out += `<code>${esc(m[2])}</code>`;
    else if (m[3] !== undefined) out += esc(m[3]);
    else if (m[4] !== undefined) out += `<a href="${esc(m[4])}"${NEW_TAB}>${esc(m[4])}</a>`;
    else if (m[6] !== undefined) out += o.sanitize === false ? m[0] : tag(m);
    else if (m[10] !== undefined) {
      out += safeUrl(m[10])
        ? `<img src="${esc(m[10])}" alt="${esc(m[9])}"${m[11] !== undefined ? ` title="${esc(m[11])}"` : ""}>`
        : esc(m[9]);
    } else if (m[13] !== undefined) {
      const body = inline(m[12], o);
      out += safeUrl(m[13])
        ? `<a href="${esc(m[13])}"${m[14] !== undefined ? ` title="${esc(m[14])}"` : ""}${NEW_TAB}>${body}</a>`
        : body;
    } else if (m[15] !== undefined) out += `<strong>${inline(m[15], o)}</strong>`;
    else if (m[16] !== undefined) out += `<strong>${inline(m[16], o)}</strong>`;
    else if (m[17] !== undefined) out += `<em>${inline(m[17], o)}</em>`;
    else if (m[18] !== undefined) out += `<em>${inline(m[18], o)}</em>`;
    else if (m[19] !== undefined) out += `<del>${inline(m[19], o)}</del>`;
    else if (m[0][0] === "&") out += m[0];
    else out += "<br>\n";
  }
  return out + plain(src.slice(last), o);
}

const FENCE = /^ {0,3}(\x60{3,}|~{3,})[ \t]*([^\x60\s]*)[^\x60]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+([\s\S]*?))?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?([\s\S]*)$/;
const ITEM = /^( *)([-*+]|[0-9]{1,9}[.)])[ \t]+([\s\S]*)$/;
const TABLE_SEP = /^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$/;
const HTML_BLOCK =
  /^ {0,3}<\/?(?:h[1-6]|div|p|table|thead|tbody|tr|td|th|ul|ol|li|pre|blockquote|details|summary|hr|center|dl|dt|dd|img|br|section|figure)(?=[\s/>]|$)/i;

const blank = (l: string) => /^[ \t]*$/.test(l);
const indent = (l: string) => l.length - l.replace(/^ +/, "").length;
const ordered = (marker: string) => /[0-9]/.test(marker[0]);
/** A list item that may start in the middle of a paragraph: a bullet, or an ordered item numbered 1. */
const interruptingItem = (l: string) => {
  const m = ITEM.exec(l);
  return m !== null && (!ordered(m[2]) || parseInt(m[2], 10) === 1);
};
const startsBlock = (l: string) =>
  blank(l) || FENCE.test(l) || HEADING.test(l) || HR.test(l) || QUOTE.test(l) || interruptingItem(l);

function cells(line: string): string[] {
  const s = line.replace(/^[ \t]+|[ \t]+$/g, "").replace(/^\|/, "").replace(/(?<!\\)\|$/, "");
  return s.split(/(?<!\\)\|/).map((c) => c.replace(/^[ \t]+|[ \t]+$/g, "").split("\\|").join("|"));
}

function align(sep: string): string {
  const l = sep.startsWith(":");
  const r = sep.endsWith(":");
  return l && r ? ' align="center"' : r ? ' align="right"' : l ? ' align="left"' : "";
}

function blocks(lines: string[], o: MarkdownOptions): string[] {
  const out: string[] = [];
  let i = 0;
  const n = lines.length;
  while (i < n) {
    const line = lines[i];
    let m: RegExpExecArray | null;
    if (blank(line)) {
      i++;
    } else if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const lang = m[2];
      const close = new RegExp(`^ {0,3}${fence[0] === "~" ? "~" : "\\x60"}{${fence.length},}[ \\t]*$`);
      const body: string[] = [];
      i++;
      while (i < n && !close.test(lines[i])) body.push(lines[i++]);
      i++;
      out.push(`<pre><code${lang ? ` class="language-${esc(lang)}"` : ""}>${esc(body.join("\n"))}</code></pre>`);
    } else if ((m = HEADING.exec(line))) {
      const content = (m[2] ?? "").replace(/(?:^|[ \t]+)#+[ \t]*$/, "");
      const k = m[1].length;
      out.push(`<h${k}>${inline(content, o)}</h${k}>`);
      i++;
    } else if (HR.test(line)) {
      out.push("<hr>");
      i++;
    } else if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < n && (m = QUOTE.exec(lines[i]))) {
        inner.push(m[1]);
        i++;
      }
      out.push(`<blockquote>\n${blocks(inner, o).join("\n")}\n</blockquote>`);
    } else if ((m = ITEM.exec(line))) {
      const isOrdered = ordered(m[2]);
      const base = m[1].length;
      const start = isOrdered ? parseInt(m[2], 10) : 1;
      const items: string[][] = [];
      let contentIndent = 0;
      while (i < n) {
        const l = lines[i];
        const im = ITEM.exec(l);
        if (im && im[1].length <= base + 1 && ordered(im[2]) === isOrdered && !HR.test(l)) {
          items.push([im[3]]);
          contentIndent = im[1].length + im[2].length + 1;
          i++;
        } else if (blank(l)) {
          let j = i + 1;
          while (j < n && blank(lines[j])) j++;
          if (j < n && indent(lines[j]) >= base + 2) {
            items[items.length - 1].push("");
            i++;
          } else {
            const sm = j < n ? ITEM.exec(lines[j]) : null;
            if (sm && sm[1].length <= base + 1 && ordered(sm[2]) === isOrdered) i = j;
            else break;
          }
        } else if (indent(l) >= base + 2) {
          items[items.length - 1].push(l.replace(new RegExp(`^ {0,${contentIndent}}`), ""));
          i++;
        } else if (!startsBlock(l) && items[items.length - 1][items[items.length - 1].length - 1] !== "") {
          items[items.length - 1].push(l.replace(/^[ \t]+/, ""));
          i++;
        } else break;
      }
      const tagName = isOrdered ? "ol" : "ul";
      const lis = items.map(
        (item) =>
          `<li>${blocks(item, o)
            .map((b) => (b.startsWith("<p>") && b.endsWith("</p>") ? b.slice(3, -4) : b))
            .join("\n")}</li>`,
      );
      out.push(`<${tagName}${isOrdered && start !== 1 ? ` start="${start}"` : ""}>\n${lis.join("\n")}\n</${tagName}>`);
    } else if (line.includes("|") && i + 1 < n && lines[i + 1].includes("-") && TABLE_SEP.test(lines[i + 1])) {
      const head = cells(line);
      const aligns = cells(lines[i + 1]).map(align);
      i += 2;
      const rows: string[][] = [];
      while (i < n && !blank(lines[i]) && lines[i].includes("|")) rows.push(cells(lines[i++]));
      const row = (r: string[], t: string) =>
        `<tr>${head.map((_, k) => `<${t}${aligns[k] ?? ""}>${inline(r[k] ?? "", o)}</${t}>`).join("")}</tr>`;
      out.push(
        `<table><thead>${row(head, "th")}</thead>` +
          (rows.length ? `<tbody>${rows.map((r) => row(r, "td")).join("")}</tbody>` : "") +
          "</table>",
      );
    } else {
      const para: string[] = [line.replace(/^[ \t]+/, "")];
      i++;
      let heading = 0;
      while (i < n) {
        const sm = SETEXT.exec(lines[i]);
        if (sm) {
          heading = sm[1][0] === "=" ? 1 : 2;
          i++;
          break;
        }
        if (startsBlock(lines[i])) break;
        para.push(lines[i].replace(/^[ \t]+/, ""));
        i++;
      }
      const body = para.join("\n").replace(/[ \t]+$/, "");
      if (heading) out.push(`<h${heading}>${inline(body, o)}</h${heading}>`);
      else if (HTML_BLOCK.test(body)) out.push(inline(body, o));
      else out.push(`<p>${inline(body, o)}</p>`);
    }
  }
  return out;
}

/** Markdown source to HTML (a string for innerHTML). */
export function renderMarkdown(src: string, options: MarkdownOptions = {}): string {
  const o: MarkdownOptions = { sanitize: options.sanitize !== false, lineBreaks: options.lineBreaks === true };
  const lines = src
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/^\t+/, (t) => "    ".repeat(t.length)));
  return blocks(lines, o).join("\n");
}
