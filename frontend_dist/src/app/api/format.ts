/** Values as Python, JavaScript and JSON source text, for the API page's snippets. */

type FileData = { path?: unknown; url?: unknown; meta?: { _type?: unknown } };

/** A FileData dict (an uploaded file or a file example), which clients pass as `handle_file(url)`. */
export function isFileData(value: unknown): value is FileData {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as FileData & { orig_name?: unknown };
  if (v.meta && v.meta._type === "gradio.FileData") return true;
  return typeof v.path === "string" && ("url" in v || "orig_name" in v);
}

function fileUrl(file: FileData): string {
  return String(typeof file.url === "string" && file.url ? file.url : file.path ?? "");
}

/** Whether a value has a file anywhere inside it (the snippet then imports `handle_file`). */
export function containsFile(value: unknown): boolean {
  if (isFileData(value)) return true;
  if (Array.isArray(value)) return value.some(containsFile);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsFile);
  return false;
}

// A JSON string literal is also a valid Python and JavaScript string literal.
export const str = (s: string): string => JSON.stringify(s);

export function toPython(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (Number.isFinite(value)) return String(value);
    return Number.isNaN(value) ? 'float("nan")' : value > 0 ? 'float("inf")' : 'float("-inf")';
  }
  if (typeof value === "string") return str(value);
  if (isFileData(value)) return `handle_file(${str(fileUrl(value))})`;
  if (Array.isArray(value)) return `[${value.map(toPython).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${str(k)}: ${toPython(v)}`).join(", ")}}`;
  }
  return str(String(value));
}

const JS_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** An object key as JavaScript source: bare when it is an identifier, quoted otherwise. */
export function jsKey(key: string): string {
  return JS_IDENTIFIER.test(key) ? key : str(key);
}

export function toJs(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  if (isFileData(value)) return `handle_file(${str(fileUrl(value))})`;
  if (Array.isArray(value)) return `[${value.map(toJs).join(", ")}]`;
  if (typeof value === "object") {
    const body = Object.entries(value).map(([k, v]) => `${jsKey(k)}: ${toJs(v)}`).join(", ");
    return body ? `{ ${body} }` : "{}";
  }
  return JSON.stringify(value);
}

/**
 * JSON for the curl body. A file keeps its `path`: an upload's path on the server (valid while the server
 * keeps the upload) or a URL (an example), which the server fetches.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isFileData(v) ? { path: typeof v.path === "string" ? v.path : fileUrl(v), meta: { _type: "gradio.FileData" } } : v,
  );
}

const PYTHON_KEYWORDS = new Set(
  ("False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield").split(" "),
);
// predict() has its own keyword arguments; a parameter with one of these names must go positionally.
const PREDICT_KEYWORDS = new Set(["api_name", "fn_index", "result_callbacks"]);

/** Whether `name` can be written as a keyword argument of `client.predict(...)`. */
export function isPythonKeywordArg(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name) && !PREDICT_KEYWORDS.has(name);
}

/** A string as one shell word in single quotes. */
export function shellSingleQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Text safe inside shell double quotes (so `$EVENT_ID` next to it still expands). */
export function shellDoubleQuoted(s: string): string {
  return s.replace(/[\\"$`!]/g, (c) => (c === "!" ? "%21" : "\\" + c));
}

/** One URL path segment; also encodes the characters a shell treats specially. */
export function pathSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}
