/** Formatting shared by the components; `sdk/podium/ssr/format.py` mirrors every function here exactly. */

/** HTML-escape text (the same five characters as Python's `html.escape`). */
export function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#x27;");
}

/** A value as text in a cell or a box: numbers as JavaScript prints them, null as "". */
export function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map(text).join(", ");
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.path === "string") return fileName(o);
    return JSON.stringify(v);
  }
  return String(v);
}

/** Round to `digits` decimals, half up (the SSR does the same, not Python's banker's rounding). */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.floor(x * f + 0.5) / f;
}

export type FileData = { path: string; url?: string | null; orig_name?: string | null; size?: number | null };

export function fileName(f: Record<string, unknown>): string {
  const n = f.orig_name;
  if (typeof n === "string" && n) return n;
  const p = String(f.path ?? "");
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Where a FileData can be downloaded: its `url`, or the app's file route. */
export function fileUrl(f: Record<string, unknown>): string {
  if (typeof f.url === "string" && f.url) return f.url;
  return "gradio_api/file=" + encodeURI(String(f.path ?? ""));
}

export function fileSize(n: unknown): string {
  if (typeof n !== "number") return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${round(n / 1024, 1)} KB`;
  return `${round(n / (1024 * 1024), 1)} MB`;
}

/** Choices come as [label, value] pairs (older configs: plain values). */
export function choicePairs(choices: unknown): Array<[string, unknown]> {
  if (!Array.isArray(choices)) return [];
  return choices.map((c) => (Array.isArray(c) ? [text(c[0]), c[1]] : [text(c), c]));
}

/** Whether the block renders (the `hidden` attribute when not). */
export function isHidden(props: Record<string, unknown>): boolean {
  return props.visible === false || props.visible === "hidden";
}

/** A user-facing label: `props.label`, else the fallback. */
export function labelOf(props: Record<string, unknown>, fallback: string): string {
  const l = props.label;
  return typeof l === "string" && l !== "" ? l : l === null || l === undefined || l === "" ? fallback : text(l);
}
