// The deep-link parts of the page as Preact builds them: the notice at the top of `<App>` (the same markup as
// podium.ssr: deeplink_ssr_cases.json is written by tests/sdk/test_ssr_deeplinks.py), its dismiss button, the
// DeepLinkButton, and Tabs/Accordion reporting what the visitor selected and opened.
import { h, render, type VNode } from "preact";
import { beforeAll, describe, expect, it } from "vitest";
import { DeepLinkButton } from "../../src/app/components/DeepLinkButton";
import { collectSnapshot } from "../../src/app/runtime/deeplink";
import { App } from "../../src/app/runtime/layout";
import { createRuntime, type PodiumRuntime } from "../../src/app/runtime/runtime";
import type { AppConfig, BlockProps, ComponentConfig, DeepLinkState, LayoutNode } from "../../src/app/types";
import { FakeElement, findAll, fire, innerMarkup, installFakeDocument, textOf } from "../components/fakeDom";
import data from "./deeplink_ssr_cases.json";
import { FakeTransport } from "./fakes";

interface Case {
  name: string;
  config: { components: ComponentConfig[]; layout: LayoutNode; deep_link_state?: DeepLinkState };
  html: string;
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function runtimeOf(config: Case["config"]): PodiumRuntime {
  const full: AppConfig = {
    version: "t",
    api_prefix: "/gradio_api",
    root: "http://app.test",
    title: "t",
    mode: "blocks",
    dependencies: [],
    max_file_size: null,
    show_error: true,
    ...config,
  };
  return createRuntime(full, new FakeTransport());
}

function mountApp(config: Case["config"]): { root: FakeElement; rt: PodiumRuntime } {
  const rt = runtimeOf(config);
  const root = new FakeElement("div");
  render(h(App, { runtime: rt }) as VNode, root as unknown as HTMLElement);
  return { root, rt };
}

beforeAll(installFakeDocument);

const cases = data as unknown as Case[];

describe("the runtime's <App> equals the server's markup", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(innerMarkup(mountApp(c.config).root)).toBe(c.html);
  });
});

describe("the notice", () => {
  const withState = (state: unknown) => ({ ...cases[0].config, deep_link_state: state as DeepLinkState });
  const notices = (root: FakeElement) => findAll(root, (e) => e.attrs.get("class") === "pd-deeplink-notice");

  it("comes first, says the status and goes away on Dismiss", async () => {
    const { root } = mountApp(withState({ id: "abcdefgh", status: "expired", message: "This link expired on 1 May." }));
    const [notice] = notices(root);
    expect(root.childNodes[0]).toBe(notice);
    expect(notice.attrs.get("role")).toBe("status");
    expect(notice.attrs.get("data-status")).toBe("expired");
    expect(textOf(notice)).toContain("This link expired on 1 May.");
    const dismiss = findAll(notice, (e) => e.attrs.get("aria-label") === "Dismiss")[0];
    fire(dismiss, "click");
    await tick();
    expect(notices(root)).toHaveLength(0);
    expect(findAll(root, (e) => e.attrs.get("data-testid") === "deeplinkbutton")).toHaveLength(2);
  });

  it("is absent without a usable state", () => {
    for (const state of [undefined, null, "restored", {}, { status: "" }, { status: 3 }]) {
      expect(notices(mountApp(withState(state)).root)).toHaveLength(0);
    }
  });
});

describe("DeepLinkButton", () => {
  function button(props: Record<string, unknown>, events: string[] = []): FakeElement {
    const root = new FakeElement("div");
    const p: BlockProps = {
      id: 4,
      type: "deeplinkbutton",
      props: { variant: "secondary", ...props },
      value: "Share via Link",
      status: { state: "idle" },
      setValue: () => undefined,
      emit: (e) => void events.push(e),
      upload: async () => [],
    };
    render(h(DeepLinkButton, p) as VNode, root as unknown as HTMLElement);
    return root.childNodes[0] as FakeElement;
  }

  it("emits click, is disabled while saving and carries the last link", () => {
    const events: string[] = [];
    const idle = button({}, events);
    expect(idle.localName).toBe("button");
    expect(idle.attrs.get("disabled")).toBeUndefined();
    expect(idle.attrs.has("data-deep-link")).toBe(false);
    fire(idle, "click");
    expect(events).toEqual(["click"]);
    const saving = button({ deep_link_saving: true });
    expect(saving.attrs.get("disabled")).toBe(true);
    expect(saving.attrs.get("aria-busy")).toBe("true");
    const done = button({ deep_link_url: "http://app.test/?deep_link=abcdefgh" });
    expect(done.attrs.get("data-deep-link")).toBe("http://app.test/?deep_link=abcdefgh");
    expect(done.attrs.get("disabled")).toBeUndefined();
  });

  it("re-renders from the runtime's props (saving, then the link)", async () => {
    const { root, rt } = mountApp(cases[0].config);
    await tick(150); // block views subscribe in an effect
    const id = cases[0].config.components.find((c) => c.type === "deeplinkbutton")!.id;
    rt.store.updateProps(id, { deep_link_url: "http://app.test/?deep_link=zzzzzzzz" });
    await tick();
    const el = findAll(root, (e) => e.attrs.get("id") === `component-${id}`)[0];
    expect(el.attrs.get("data-deep-link")).toBe("http://app.test/?deep_link=zzzzzzzz");
  });
});

describe("Tabs and Accordion report what the visitor sees", () => {
  it("the selected tab's id and the accordion's open state reach the snapshot", async () => {
    const config = cases[0].config;
    const { root, rt } = mountApp(config);
    const tabsId = config.components.find((c) => c.type === "tabs")!.id;
    const accordionId = config.components.find((c) => c.type === "accordion")!.id;
    let snapshot = collectSnapshot(rt.store, "s");
    expect(snapshot.tabs).toEqual({ [String(tabsId)]: "one" });
    expect(snapshot.accordions).toEqual({ [String(accordionId)]: false });

    const two = findAll(root, (e) => e.attrs.get("role") === "tab" && textOf(e) === "Two")[0];
    fire(two, "click");
    const details = findAll(root, (e) => e.localName === "details")[0];
    fire(details, "toggle", { target: { open: true } });
    await tick();
    snapshot = collectSnapshot(rt.store, "s");
    expect(snapshot.tabs).toEqual({ [String(tabsId)]: "two" });
    expect(snapshot.accordions).toEqual({ [String(accordionId)]: true });
  });

  it("a tab without an id is saved by its index", async () => {
    const config = structuredClone(cases[0].config);
    for (const c of config.components) if (c.type === "tabitem") delete c.props.id;
    const { root, rt } = mountApp(config);
    const tabsId = config.components.find((c) => c.type === "tabs")!.id;
    fire(findAll(root, (e) => e.attrs.get("role") === "tab" && textOf(e) === "Two")[0], "click");
    await tick();
    expect(collectSnapshot(rt.store, "s").tabs).toEqual({ [String(tabsId)]: 1 });
  });
});
