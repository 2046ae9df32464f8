// Deep links in the browser runtime (docs/design/deep-links.md): the snapshot a DeepLinkButton click saves,
// the POST and its errors, copying the link (Clipboard API, execCommand fallback, shown by hand), the toasts,
// the button's props, and `load` events skipped on a page a link restored.
import { afterEach, describe, expect, it, vi } from "vitest";
import { copyText } from "../../src/app/api/clipboard";
import { collectSnapshot, DeepLinkError, saveDeepLink } from "../../src/app/runtime/deeplink";
import { createRuntime, type PodiumRuntime } from "../../src/app/runtime/runtime";
import type { DeepLinkState, DependencyConfig } from "../../src/app/types";
import { appConfig, component, dep, FakeTransport, flush } from "./fakes";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

interface Posted {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

/** A fetch that records what it is sent and answers `status` with `body`. */
function fakeFetch(status: number, body: unknown, posted: Posted[] = []): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    posted.push({ url, init, body: JSON.parse(String(init.body)) as Record<string, unknown> });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
}

const SAVED = { id: "Xq3abcdefgh12345", url: "http://app.test/?deep_link=Xq3abcdefgh12345", expires_at: "2026-12-21T10:00:00Z", skipped: [] };

// 1 textbox, 2 state, 3 button, 4 dropdown, 5 slider, 6 tabs (7, 8 tab items), 9 accordion, 10 deep link button,
// 11 hidden textbox, 12 upload button, 13 download button, 14 clear button, 15 row (no value)
function app(options: { fetchImpl?: typeof fetch; copy?: (t: string) => Promise<boolean>; dependencies?: DependencyConfig[]; state?: DeepLinkState } = {}): PodiumRuntime {
  const config = appConfig(
    [
      component(1, "textbox", { value: "Ada", label: "Name", visible: true }),
      component(2, "state", { value: { secret: 1 } }),
      component(3, "button", { value: "Go", visible: true }),
      component(4, "dropdown", { value: "b", choices: [["a", "a"], ["b", "b"]] }),
      component(5, "slider", { value: 3, minimum: 0, maximum: 10 }),
      component(6, "tabs", { selected: null }),
      component(7, "tabitem", { label: "One", id: "one" }),
      component(8, "tabitem", { label: "Two", id: "two" }),
      component(9, "accordion", { label: "More", open: false }),
      component(10, "deeplinkbutton", { value: "Share via Link", copied_message: "Copied!" }),
      component(11, "textbox", { value: "later", visible: false }),
      component(12, "uploadbutton", { value: null }),
      component(13, "downloadbutton", { value: null }),
      component(14, "clearbutton", { value: "Clear" }),
      component(15, "row", { visible: true }),
    ],
    options.dependencies ?? [],
  );
  if (options.state) config.deep_link_state = options.state;
  return createRuntime(config, new FakeTransport(), { busyDelayMs: 0, fetchImpl: options.fetchImpl, copy: options.copy });
}

describe("collectSnapshot", () => {
  it("holds every value but State and buttons, visibility, the selected tab and open accordions", () => {
    const rt = app();
    rt.handles(1).setValue("Grace");
    rt.handles(6).reportUi("two");
    rt.handles(9).reportUi(true);
    rt.store.updateProps(11, { visible: true });
    expect(collectSnapshot(rt.store, "sess")).toEqual({
      session_hash: "sess",
      values: { "1": "Grace", "4": "b", "5": 3, "11": "later" },
      visible: { "1": true, "3": true, "11": true, "15": true },
      tabs: { "6": "two" },
      accordions: { "9": true },
    });
  });

  it("keeps null values, sends a tab's index when it has no id and falls back to the props before any report", () => {
    const rt = app();
    rt.store.setValue(4, null);
    let snapshot = collectSnapshot(rt.store, "s");
    expect(snapshot.values["4"]).toBeNull();
    expect(snapshot.tabs).toEqual({});
    expect(snapshot.accordions).toEqual({ "9": false });
    rt.store.updateProps(6, { selected: 1 });
    rt.store.updateProps(9, { open: true });
    snapshot = collectSnapshot(rt.store, "s");
    expect(snapshot.tabs).toEqual({ "6": 1 });
    expect(snapshot.accordions).toEqual({ "9": true });
    rt.handles(6).reportUi(0);
    rt.handles(9).reportUi(false);
    snapshot = collectSnapshot(rt.store, "s");
    expect(snapshot.tabs).toEqual({ "6": 0 });
    expect(snapshot.accordions).toEqual({ "9": false });
  });

  it("reports `visible: \"hidden\"` as not visible", () => {
    const rt = app();
    rt.store.updateProps(1, { visible: "hidden" });
    expect(collectSnapshot(rt.store, "s").visible["1"]).toBe(false);
  });
});

describe("saveDeepLink", () => {
  it("POSTs the payload as JSON to {apiBase}/deep_link with credentials", async () => {
    const posted: Posted[] = [];
    const payload = { session_hash: "s", values: { "1": "x" }, visible: {}, tabs: {}, accordions: {} };
    const saved = await saveDeepLink("http://app.test/gradio_api", payload, fakeFetch(200, SAVED, posted));
    expect(saved).toMatchObject({ id: SAVED.id, url: SAVED.url, skipped: [] });
    expect(posted).toHaveLength(1);
    expect(posted[0].url).toBe("http://app.test/gradio_api/deep_link");
    expect(posted[0].init.method).toBe("POST");
    expect(posted[0].init.credentials).toBe("include");
    expect((posted[0].init.headers as Record<string, string>)["content-type"]).toBe("application/json");
    expect(posted[0].body).toEqual(payload);
  });

  it("makes a relative url absolute against the page", async () => {
    vi.stubGlobal("location", { href: "http://host.test/app/?x=1" });
    const saved = await saveDeepLink("b", { session_hash: "s", values: {}, visible: {}, tabs: {}, accordions: {} },
      fakeFetch(200, { ...SAVED, url: "/app/?deep_link=abc" }));
    expect(saved.url).toBe("http://host.test/app/?deep_link=abc");
  });

  it.each([
    [413, { error: "This snapshot is 812 KB; the limit is 512 KB." }, "This snapshot is 812 KB; the limit is 512 KB."],
    [404, { error: "Deep links are turned off for this app (Blocks(deep_links=False))." }, "Deep links are turned off for this app (Blocks(deep_links=False))."],
    [503, { error: "Could not save the link: refused" }, "Could not save the link: refused"],
    [400, { detail: "values must be an object" }, "values must be an object"],
    [500, "not json", "500"],
    [200, "not json", "The server's answer was not JSON"],
    [200, { id: "x" }, "The server's answer has no link"],
  ])("status %i %j fails with the server's message", async (status, body, message) => {
    const empty = { session_hash: "s", values: {}, visible: {}, tabs: {}, accordions: {} };
    const error = await saveDeepLink("b", empty, fakeFetch(status, body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeepLinkError);
    expect((error as Error).message).toContain(message);
  });

  it("a network failure says the server could not be reached", async () => {
    const fail = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    const empty = { session_hash: "s", values: {}, visible: {}, tabs: {}, accordions: {} };
    await expect(saveDeepLink("b", empty, fail)).rejects.toThrow("Could not reach the server (TypeError: Failed to fetch)");
  });
});

describe("the DeepLinkButton click", () => {
  it("saves with the transport's session, copies the url, toasts copied_message and sets data for the button", async () => {
    const posted: Posted[] = [];
    const copied: string[] = [];
    const rt = app({ fetchImpl: fakeFetch(200, SAVED, posted), copy: async (t) => (copied.push(t), true) });
    rt.handles(10).emit("click");
    expect(rt.store.props(10).deep_link_saving).toBe(true);
    rt.handles(10).emit("click"); // a second click while saving does nothing
    await vi.waitFor(() => expect(rt.store.props(10).deep_link_saving).toBe(false));
    expect(posted).toHaveLength(1);
    expect(posted[0].url).toBe("http://app.test/gradio_api/deep_link");
    expect(posted[0].body.session_hash).toBe("session-1");
    expect(posted[0].body.values).toEqual({ "1": "Ada", "4": "b", "5": 3, "11": "later" });
    expect(copied).toEqual([SAVED.url]);
    expect(rt.store.props(10).deep_link_url).toBe(SAVED.url);
    expect(rt.toasts.list).toHaveLength(1);
    expect(rt.toasts.list[0]).toMatchObject({ level: "success", message: "Copied!" });
  });

  it("names the skipped values in the toast", async () => {
    const rt = app({ fetchImpl: fakeFetch(200, { ...SAVED, skipped: ["Secret file", "Old"] }), copy: async () => true });
    await rt.deepLinks.share(10);
    expect(rt.toasts.list[0].message).toBe("Copied!\nNot included: Secret file, Old.");
  });

  it("uses the default message when the button has no copied_message", async () => {
    const rt = app({ fetchImpl: fakeFetch(200, SAVED), copy: async () => true });
    rt.store.updateProps(10, { copied_message: null });
    await rt.deepLinks.share(10);
    expect(rt.toasts.list[0].message).toBe("Link copied to clipboard");
  });

  it("shows the url in a toast that stays when it cannot be copied", async () => {
    for (const copy of [async () => false, async () => Promise.reject(new Error("denied"))]) {
      const rt = app({ fetchImpl: fakeFetch(200, SAVED), copy });
      await rt.deepLinks.share(10);
      expect(rt.toasts.list[0]).toMatchObject({ level: "info", message: SAVED.url, duration: null });
      expect(rt.store.props(10).deep_link_url).toBe(SAVED.url);
    }
  });

  it("shows the server's error, keeps no url and enables the button again", async () => {
    const rt = app({ fetchImpl: fakeFetch(413, { error: "This snapshot is 812 KB; the limit is 512 KB." }), copy: async () => true });
    expect(await rt.deepLinks.share(10)).toBeNull();
    expect(rt.toasts.list[0]).toMatchObject({ level: "error", message: "This snapshot is 812 KB; the limit is 512 KB." });
    expect(rt.store.props(10).deep_link_url).toBeUndefined();
    expect(rt.store.props(10).deep_link_saving).toBe(false);
  });

  it("still fires the app's own click events of the button", async () => {
    const rt = app({
      fetchImpl: fakeFetch(200, SAVED),
      copy: async () => true,
      dependencies: [dep({ id: 0, targets: [[10, "click"]], inputs: [1], outputs: [11] })],
    });
    rt.handles(10).emit("click");
    await flush();
    expect((rt.transport as FakeTransport).calls).toHaveLength(1);
  });
});

describe("copyText", () => {
  function fakeDocument(execResult: boolean | "throw") {
    const appended: Array<{ value: string; removed: boolean }> = [];
    const doc = {
      activeElement: { focus: vi.fn() },
      body: { appendChild: (e: { value: string; removed: boolean }) => appended.push(e) },
      createElement: () => {
        const area = { value: "", removed: false, style: { cssText: "" }, setAttribute: vi.fn(), select: vi.fn(), remove: () => (area.removed = true) };
        return area;
      },
      execCommand: vi.fn(() => {
        if (execResult === "throw") throw new Error("no");
        return execResult;
      }),
    };
    vi.stubGlobal("document", doc);
    return { doc, appended };
  }

  it("uses the Clipboard API in a secure context", async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    vi.stubGlobal("isSecureContext", true);
    const { doc } = fakeDocument(true);
    expect(await copyText("http://x/?deep_link=a")).toBe(true);
    expect(writeText).toHaveBeenCalledWith("http://x/?deep_link=a");
    expect(doc.execCommand).not.toHaveBeenCalled();
  });

  it("falls back to a hidden textarea and execCommand when the Clipboard API refuses", async () => {
    vi.stubGlobal("navigator", { clipboard: { writeText: async () => Promise.reject(new Error("NotAllowed")) } });
    vi.stubGlobal("isSecureContext", true);
    const { doc, appended } = fakeDocument(true);
    expect(await copyText("link")).toBe(true);
    expect(doc.execCommand).toHaveBeenCalledWith("copy");
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ value: "link", removed: true });
    expect(doc.activeElement.focus).toHaveBeenCalled();
  });

  it("falls back when there is no Clipboard API (not a secure context)", async () => {
    vi.stubGlobal("navigator", {});
    vi.stubGlobal("isSecureContext", false);
    const { doc } = fakeDocument(true);
    expect(await copyText("link")).toBe(true);
    expect(doc.execCommand).toHaveBeenCalledWith("copy");
  });

  it("says false when both fail", async () => {
    vi.stubGlobal("navigator", {});
    for (const result of [false, "throw"] as const) {
      fakeDocument(result);
      expect(await copyText("link")).toBe(false);
    }
  });
});

describe("load events on a page a deep link restored", () => {
  const restored = (ids: number[]): DeepLinkState => ({ id: "abcdefgh", status: "restored", message: "", restored_ids: ids });
  const loads = (): DependencyConfig[] => [
    dep({ id: 0, targets: [[0, "load"]], outputs: [1] }), // all restored: skipped
    dep({ id: 1, targets: [[0, "load"]], outputs: [1, 5] }), // 5 not restored: runs
    dep({ id: 2, targets: [[0, "load"]], outputs: [] }), // no outputs: runs
    dep({ id: 3, targets: [[0, "load"]], outputs: [1, 4] }), // all restored: skipped
  ];

  it("skips a load whose every output was restored and runs the others", async () => {
    const rt = app({ dependencies: loads(), state: restored([1, 4]) });
    rt.start();
    await flush();
    expect((rt.transport as FakeTransport).calls.map((c) => c.request.fnIndex)).toEqual([1, 2]);
  });

  it("runs every load without a link, or when the link restored nothing", async () => {
    for (const state of [undefined, restored([]), { id: "x", status: "not_found" as const, message: "" }]) {
      const rt = app({ dependencies: loads(), state });
      rt.start();
      await flush();
      expect((rt.transport as FakeTransport).calls.map((c) => c.request.fnIndex)).toEqual([0, 1, 2, 3]);
    }
  });

  it("a skipped load with `every` still starts its timer", async () => {
    vi.useFakeTimers();
    try {
      const rt = app({ dependencies: [dep({ id: 0, targets: [[0, "load"]], outputs: [1], every: 1 })], state: restored([1]) });
      rt.start();
      await vi.advanceTimersByTimeAsync(10);
      expect((rt.transport as FakeTransport).calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect((rt.transport as FakeTransport).calls).toHaveLength(1);
      rt.engine.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
