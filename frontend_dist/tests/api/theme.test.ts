import { describe, expect, it } from "vitest";
import { shouldShowApi } from "../../src/app/footer/Footer";
import { applyTheme, readTheme, THEME_STORAGE_KEY } from "../../src/app/footer/theme";
import type { DependencyConfig } from "../../src/app/types";

/** A Map behind the Storage methods the theme uses (Vitest runs in Node, which has no localStorage). */
function memoryStore() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

/** The two attribute methods of <html> the theme uses. */
function fakeRoot() {
  const attrs = new Map<string, string>();
  return {
    attrs,
    setAttribute: (k: string, v: string) => void attrs.set(k, v),
    removeAttribute: (k: string) => void attrs.delete(k),
  } as unknown as HTMLElement & { attrs: Map<string, string> };
}

describe("theme switch", () => {
  it("stores light/dark and sets html[data-theme]", () => {
    const store = memoryStore();
    const root = fakeRoot();
    applyTheme("dark", root, store);
    expect(store.map.get(THEME_STORAGE_KEY)).toBe("dark");
    expect(root.attrs.get("data-theme")).toBe("dark");
    expect(readTheme(store)).toBe("dark");
    applyTheme("light", root, store);
    expect(root.attrs.get("data-theme")).toBe("light");
    expect(readTheme(store)).toBe("light");
  });

  it("system forgets the choice and lets the OS decide", () => {
    const store = memoryStore();
    const root = fakeRoot();
    applyTheme("dark", root, store);
    applyTheme("system", root, store);
    expect(store.map.has(THEME_STORAGE_KEY)).toBe(false);
    expect(root.attrs.has("data-theme")).toBe(false);
    expect(readTheme(store)).toBe("system");
  });

  it("reads junk, no storage, or a throwing storage as system", () => {
    const store = memoryStore();
    store.setItem(THEME_STORAGE_KEY, "purple");
    expect(readTheme(store)).toBe("system");
    expect(readTheme(null)).toBe("system");
    const throwing = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => undefined,
    };
    expect(readTheme(throwing)).toBe("system");
    const root = fakeRoot();
    applyTheme("dark", root, throwing); // still applies to the page
    expect(root.attrs.get("data-theme")).toBe("dark");
  });
});

describe("footer", () => {
  const dep = (extra: Partial<DependencyConfig>) =>
    ({ id: 0, backend_fn: true, api_name: "greet", api_visibility: "public", ...extra }) as DependencyConfig;
  it("shows 'Use via API' only with a public endpoint and 'api' in footer_links", () => {
    expect(shouldShowApi({ dependencies: [dep({})] })).toBe(true);
    expect(shouldShowApi({ dependencies: [dep({})], footer_links: ["settings"] })).toBe(false);
    expect(shouldShowApi({ dependencies: [dep({ api_visibility: "private" })] })).toBe(false);
    expect(shouldShowApi({ dependencies: [dep({ backend_fn: false })] })).toBe(false);
    expect(shouldShowApi({ dependencies: [] })).toBe(false);
  });
});
