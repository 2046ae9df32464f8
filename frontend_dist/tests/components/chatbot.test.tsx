// Chatbot.tsx: the same markup as the server renderer (chatbot_cases.json, written by tests/sdk/test_chatbot.py),
// `select` and `copy` when the visitor clicks, and the log following the newest message.
import { h, render, type VNode } from "preact";
import { beforeAll, describe, expect, it } from "vitest";
import { Chatbot, logStyle, messageText, roleOf } from "../../src/app/components/Chatbot";
import type { BlockProps, BlockStatus } from "../../src/app/types";
import data from "./chatbot_cases.json";
import { FakeElement, findAll, fire, innerMarkup, installFakeDocument, textOf } from "./fakeDom";

interface Case {
  name: string;
  id: number;
  props: Record<string, unknown>;
  value: unknown;
  html: string;
}

const IDLE: BlockStatus = { state: "idle" };
const tick = () => new Promise((r) => setTimeout(r, 0));

function mount(props: Record<string, unknown>, value: unknown, events: Array<[string, unknown]> = [], root?: FakeElement) {
  const target = root ?? new FakeElement("div");
  const p: BlockProps = {
    id: 7,
    type: "chatbot",
    props,
    value,
    status: IDLE,
    setValue: () => undefined,
    emit: (e, d) => void events.push([e, d]),
    upload: async () => [],
  };
  render(h(Chatbot, p) as VNode, target as unknown as HTMLElement);
  return target;
}

const byClass = (root: FakeElement, cls: string) =>
  findAll(root, (e) => String(e.attrs.get("class") ?? "").split(" ").includes(cls));
const message = (role: string, text: string) => ({ role, metadata: null, content: [{ type: "text", text }], options: null });

beforeAll(() => {
  installFakeDocument();
  const copied: string[] = [];
  Object.defineProperty(globalThis, "navigator", {
    value: { clipboard: { writeText: async (t: string) => void copied.push(t) } },
    configurable: true,
  });
  Object.defineProperty(globalThis, "isSecureContext", { value: true, configurable: true });
  (globalThis as unknown as { copied: string[] }).copied = copied;
});

describe("Chatbot renders what the server renders", () => {
  const cases = data as unknown as Case[];
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const root = new FakeElement("div");
    const p: BlockProps = {
      id: c.id,
      type: "chatbot",
      props: c.props,
      value: c.value,
      status: IDLE,
      setValue: () => undefined,
      emit: () => undefined,
      upload: async () => [],
    };
    render(h(Chatbot, p) as VNode, root as unknown as HTMLElement);
    expect(innerMarkup(root)).toBe(c.html);
  });
});

describe("Chatbot behaviour", () => {
  it("shows messages in order with role classes inside a polite log", () => {
    const root = mount({ label: "Chat" }, [message("user", "hi"), message("assistant", "**hello**")]);
    const log = byClass(root, "pd-chat-log")[0];
    expect(log.attrs.get("role")).toBe("log");
    expect(log.attrs.get("aria-live")).toBe("polite");
    const rows = byClass(root, "pd-chat-message");
    expect(rows.map((r) => String(r.attrs.get("class")))).toEqual([
      "pd-chat-message pd-chat-user",
      "pd-chat-message pd-chat-assistant",
    ]);
    expect(byClass(rows[1], "pd-chat-text")[0].innerHTML).toBe("<p><strong>hello</strong></p>");
  });

  it("fires select with the message's index when a bubble is clicked", () => {
    const events: Array<[string, unknown]> = [];
    const value = [message("user", "a"), message("assistant", "b")];
    const root = mount({}, value, events);
    fire(byClass(root, "pd-chat-bubble")[1], "click");
    expect(events).toEqual([["select", { index: 1, value: value[1], selected: true }]]);
  });

  it("copies one message (with the watermark) and the whole conversation", async () => {
    const events: Array<[string, unknown]> = [];
    const copied = (globalThis as unknown as { copied: string[] }).copied;
    copied.length = 0;
    const root = mount({ buttons: ["copy", "copy_all"], watermark: "AI" }, [message("user", "q"), message("assistant", "a")], events);
    fire(byClass(root, "pd-chat-copy")[1], "click", { stopPropagation: () => undefined });
    fire(byClass(root, "pd-chat-copy-all")[0], "click");
    await tick();
    await tick();
    expect(copied).toEqual(["a\n\nAI", "user: q\n\nassistant: a\n\nAI"]);
    expect(events).toEqual([
      ["copy", { index: 1, value: "a" }],
      ["copy", { index: null, value: "user: q\n\nassistant: a" }],
    ]);
    expect(events.some(([e]) => e === "select")).toBe(false); // the copy click is not a select
    expect(textOf(byClass(root, "pd-chat-copy-all")[0])).toBe("Copied"); // the last one copied says so
  });

  it("scrolls to the newest message while following, and not after the visitor scrolled up", () => {
    const root = new FakeElement("div");
    mount({}, [message("user", "1")], [], root);
    const log = byClass(root, "pd-chat-log")[0] as FakeElement & { scrollTop: number; scrollHeight: number; clientHeight: number };
    log.scrollHeight = 500;
    log.clientHeight = 100;
    mount({}, [message("user", "1"), message("assistant", "2")], [], root);
    expect(log.scrollTop).toBe(500);
    log.scrollTop = 0; // the visitor scrolls up to read
    fire(log, "scroll");
    log.scrollHeight = 900;
    mount({}, [message("user", "1"), message("assistant", "2"), message("user", "3")], [], root);
    expect(log.scrollTop).toBe(0);
    log.scrollTop = 800; // back at the bottom: follows again
    fire(log, "scroll");
    log.scrollHeight = 1200;
    mount({}, [message("user", "1"), message("assistant", "2"), message("user", "3"), message("assistant", "4")], [], root);
    expect(log.scrollTop).toBe(1200);
  });

  it("does not scroll with autoscroll=false", () => {
    const root = new FakeElement("div");
    mount({ autoscroll: false }, [], [], root);
    const log = byClass(root, "pd-chat-log")[0] as FakeElement & { scrollTop: number; scrollHeight: number };
    log.scrollTop = 0;
    log.scrollHeight = 400;
    mount({ autoscroll: false }, [message("user", "x")], [], root);
    expect(log.scrollTop).toBe(0);
  });

  it("accepts plain string content and odd values without failing", () => {
    const root = mount({}, [{ role: "user", content: "plain" }, null, 3, { role: 5, content: [1, { type: "x" }] }]);
    expect(byClass(root, "pd-chat-message")).toHaveLength(2);
    expect(byClass(root, "pd-chat-assistant")).toHaveLength(1);
    expect(mount({}, "not a list").childNodes.length).toBe(1);
  });

  it("helpers", () => {
    expect(logStyle({ height: 300, max_height: "80vh" })).toBe("height:300px;max-height:80vh;");
    expect(logStyle({})).toBeUndefined();
    expect(roleOf({ role: "robot" })).toBe("assistant");
    expect(messageText({ content: [{ type: "text", text: "a" }, { type: "file", file: { path: "/x/y.pdf" } }] })).toBe(
      "a\n\ny.pdf",
    );
  });
});
