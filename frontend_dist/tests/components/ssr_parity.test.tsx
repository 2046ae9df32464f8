// The server-rendered markup (podium.ssr, stored in ssr_cases.json by tests/sdk/test_ssr_app.py) must equal
// what the Preact components build for the same config, so hydration changes nothing visible.
import { h, render, type VNode } from "preact";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveComponent } from "../../src/app/registry";
import type { BlockStatus, ComponentConfig, LayoutNode } from "../../src/app/types";
import { FakeElement, innerMarkup, installFakeDocument } from "./fakeDom";
import data from "./ssr_cases.json";

interface Case {
  name: string;
  config: { components: ComponentConfig[]; layout: LayoutNode };
  html: string;
}

const IDLE: BlockStatus = { state: "idle" };

function tree(config: Case["config"]): VNode | VNode[] {
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const node = (n: LayoutNode): VNode[] => {
    const children = (n.children ?? []).flatMap(node);
    const c = byId.get(n.id);
    if (!c) return children;
    const { value, ...props } = c.props;
    const blockProps = {
      id: c.id,
      type: c.type,
      props,
      value,
      status: IDLE,
      setValue: () => undefined,
      emit: () => undefined,
      upload: async () => [],
      key: c.id,
    };
    return [h(resolveComponent(c.type), blockProps, children.length ? children : undefined) as VNode];
  };
  return node(config.layout);
}

describe("server-side rendering equals the components' markup", () => {
  beforeAll(installFakeDocument);
  const cases = data as unknown as Case[];
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const root = new FakeElement("div");
    render(h("div", null, tree(c.config)) as VNode, root as unknown as HTMLElement);
    const app = root.childNodes[0] as FakeElement;
    const got = innerMarkup(app);
    if (got !== c.html) {
      // point at the first difference: whole-app strings are too long to read in a diff
      let i = 0;
      while (i < got.length && got[i] === c.html[i]) i++;
      expect(got.slice(Math.max(0, i - 200), i + 200)).toBe(c.html.slice(Math.max(0, i - 200), i + 200));
    }
    expect(got).toBe(c.html);
  });
});
