/**
 * Just enough of a DOM for Preact's `render` in Node, with every prop landing as an attribute, and a serializer
 * that writes the markup the way `podium.ssr` does with sorted attributes (boolean attributes bare, a
 * textarea's value as its content, innerHTML as is). Vitest here runs without jsdom/happy-dom (no extra
 * dependencies), and comparing attributes, not properties, is what the SSR parity check needs anyway.
 */
import { esc } from "../../src/app/components/format";

const VOID = new Set(["input", "br", "hr", "img"]);

export class FakeText {
  readonly nodeType = 3;
  parentNode: FakeElement | null = null;
  constructor(public data: string) {}
  get nextSibling(): FakeNode | null {
    return sibling(this);
  }
}

export class FakeElement {
  readonly nodeType = 1;
  readonly namespaceURI = "http://www.w3.org/1999/xhtml";
  parentNode: FakeElement | null = null;
  childNodes: FakeNode[] = [];
  attrs = new Map<string, unknown>();
  rawHtml: string | null = null;
  style: { cssText: string; setProperty: (k: string, v: string) => void };
  constructor(public localName: string) {
    const attrs = this.attrs;
    this.style = {
      get cssText() {
        return String(attrs.get("style") ?? "");
      },
      set cssText(v: string) {
        if (v) attrs.set("style", v);
        else attrs.delete("style");
      },
      setProperty: () => undefined,
    };
  }
  get nodeName(): string {
    return this.localName.toUpperCase();
  }
  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }
  get nextSibling(): FakeNode | null {
    return sibling(this);
  }
  get attributes(): Array<{ name: string; value: string }> {
    return [...this.attrs].map(([name, value]) => ({ name, value: String(value) }));
  }
  set innerHTML(html: string) {
    this.rawHtml = html;
    this.childNodes = [];
  }
  get innerHTML(): string {
    return this.rawHtml ?? "";
  }
  /** A reflected boolean property with an enumerated attribute, as in a browser ("true" / "false"). */
  set spellcheck(v: boolean) {
    this.attrs.set("spellcheck", v ? "true" : "false");
  }
  setAttribute(name: string, value: unknown): void {
    this.attrs.set(name.toLowerCase(), value);
  }
  removeAttribute(name: string): void {
    this.attrs.delete(name.toLowerCase());
  }
  getAttribute(name: string): string | null {
    return this.attrs.has(name) ? String(this.attrs.get(name)) : null;
  }
  /** Only `[name="value"]` selectors (all the components use). */
  querySelectorAll(selector: string): FakeElement[] {
    const m = /^\[([\w-]+)="([^"]*)"\]$/.exec(selector);
    if (!m) throw new Error(`fakeDom: unsupported selector ${selector}`);
    return findAll(this, (e) => String(e.attrs.get(m[1])) === m[2]);
  }
  focus(): void {}
  listeners = new Map<string, { name: string; fn: (e: unknown) => unknown }>();
  addEventListener(type: string, fn: (e: unknown) => unknown): void {
    this.listeners.set(type.toLowerCase(), { name: type, fn });
  }
  removeEventListener(type: string): void {
    this.listeners.delete(type.toLowerCase());
  }
  insertBefore(node: FakeNode, ref: FakeNode | null): FakeNode {
    node.parentNode?.removeChild(node);
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    if (at < 0) this.childNodes.push(node);
    else this.childNodes.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }
  appendChild(node: FakeNode): FakeNode {
    return this.insertBefore(node, null);
  }
  removeChild(node: FakeNode): FakeNode {
    this.childNodes = this.childNodes.filter((c) => c !== node);
    node.parentNode = null;
    return node;
  }
  remove(): void {
    this.parentNode?.removeChild(this);
  }
}

export type FakeNode = FakeElement | FakeText;

function sibling(node: FakeNode): FakeNode | null {
  const parent = node.parentNode;
  if (!parent) return null;
  return parent.childNodes[parent.childNodes.indexOf(node) + 1] ?? null;
}

/** Fire `type` ("click", "keydown", ...) at `el` the way Preact's event proxy expects; `init` adds fields
 * (`key`, `shiftKey`, and `target` for the element state a handler reads, e.g. `{ value: "x" }`). */
export function fire(el: FakeElement, type: string, init: Record<string, unknown> = {}): void {
  const listener = el.listeners.get(type.toLowerCase());
  if (!listener) throw new Error(`<${el.localName}> has no ${type} listener`);
  let prevented = false;
  const { target, ...rest } = init;
  const event = {
    type: listener.name,
    currentTarget: target ?? el,
    target: target ?? el,
    preventDefault: () => (prevented = true),
    get defaultPrevented() {
      return prevented;
    },
    ...rest,
  };
  listener.fn.call(el, event);
}

/** Every element under `root` (depth first) that `test` accepts. */
export function findAll(root: FakeElement, test: (e: FakeElement) => boolean): FakeElement[] {
  const out: FakeElement[] = [];
  const walk = (n: FakeNode) => {
    if (n instanceof FakeElement) {
      if (test(n)) out.push(n);
      n.childNodes.forEach(walk);
    }
  };
  root.childNodes.forEach(walk);
  return out;
}

/** Text content of a node. */
export function textOf(n: FakeNode): string {
  return n instanceof FakeText ? n.data : n.childNodes.map(textOf).join("");
}

/** Install the fake `document` Preact uses (createElementNS, createTextNode). */
export function installFakeDocument(): void {
  const doc = {
    createElementNS: (_ns: string | null, tag: string) => new FakeElement(tag),
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeText(text),
    documentElement: new FakeElement("html"),
  };
  (globalThis as unknown as { document: unknown }).document = doc;
}

/** The markup of `node`'s children, as podium.ssr writes it under `sorted_attributes()`. */
export function innerMarkup(node: FakeElement): string {
  return node.rawHtml ?? node.childNodes.map(markup).join("");
}

export function markup(node: FakeNode): string {
  if (node instanceof FakeText) return esc(node.data);
  const tag = node.localName;
  const attrs = [...node.attrs].filter(([name]) => !(tag === "textarea" && name === "value"));
  attrs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const open = `<${tag}${attrs.map(([n, v]) => (v === true ? ` ${n}` : ` ${n}="${esc(String(v))}"`)).join("")}>`;
  if (VOID.has(tag)) return open;
  if (tag === "textarea") {
    const v = String(node.attrs.get("value") ?? "");
    return `${open}${v.startsWith("\n") ? "\n" : ""}${esc(v)}</${tag}>`;
  }
  return `${open}${innerMarkup(node)}</${tag}>`;
}
