// Component behaviour in Node (no jsdom/happy-dom here: fakeDom.ts gives Preact just enough DOM): what each
// component emits and stores when the user acts, and what it shows for a status.
import { h, render, type ComponentType, type VNode } from "preact";
import { beforeAll, describe, expect, it } from "vitest";
import { Accordion } from "../../src/app/components/Accordion";
import { Checkbox } from "../../src/app/components/Checkbox";
import { CheckboxGroup } from "../../src/app/components/CheckboxGroup";
import { Dataset } from "../../src/app/components/Dataset";
import { Dropdown } from "../../src/app/components/Dropdown";
import { FileInput } from "../../src/app/components/FileInput";
import { Label } from "../../src/app/components/Label";
import { Radio } from "../../src/app/components/Radio";
import { Slider } from "../../src/app/components/Slider";
import { TabItem } from "../../src/app/components/TabItem";
import { Tabs } from "../../src/app/components/Tabs";
import { Textbox } from "../../src/app/components/Textbox";
import { UploadButton } from "../../src/app/components/UploadButton";
import type { BlockProps, BlockStatus } from "../../src/app/types";
import { FakeElement, findAll, fire, installFakeDocument, textOf } from "./fakeDom";

interface Calls {
  values: Array<[unknown, unknown]>;
  events: Array<[string, unknown]>;
  uploads: File[][];
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const IDLE: BlockStatus = { state: "idle" };

function blockProps(
  id: number,
  type: string,
  props: Record<string, unknown>,
  value: unknown,
  calls: Calls,
  status: BlockStatus = IDLE,
): BlockProps {
  return {
    id,
    type,
    props,
    value,
    status,
    setValue: (v, opts) => void calls.values.push([v, opts]),
    emit: (e, d) => void calls.events.push([e, d]),
    upload: async (files) => {
      calls.uploads.push(files);
      return files.map((f) => ({ path: `/tmp/${f.name}`, orig_name: f.name, size: f.size, url: null }));
    },
  };
}

function mount(
  Comp: ComponentType<BlockProps>,
  type: string,
  props: Record<string, unknown>,
  value: unknown,
  status?: BlockStatus,
): { root: FakeElement; calls: Calls } {
  const calls: Calls = { values: [], events: [], uploads: [] };
  const root = new FakeElement("div");
  render(h(Comp, blockProps(1, type, props, value, calls, status)) as VNode, root as unknown as HTMLElement);
  return { root, calls };
}

const byTag = (root: FakeElement, tag: string) => findAll(root, (e) => e.localName === tag);
const byAttr = (root: FakeElement, name: string, value: string) =>
  findAll(root, (e) => String(e.attrs.get(name)) === value);

beforeAll(installFakeDocument);

describe("Textbox", () => {
  it("stores typed text as an input and submits on Enter (one line)", () => {
    const { root, calls } = mount(Textbox, "textbox", { label: "Name" }, "");
    const input = byTag(root, "input")[0];
    fire(input, "input", { target: { value: "Ada" } });
    expect(calls.values).toEqual([["Ada", { input: true }]]);
    fire(input, "keydown", { key: "Enter", shiftKey: false });
    expect(calls.events).toContainEqual(["submit", undefined]);
  });

  it("is a textarea for lines > 1 where Shift+Enter submits and Enter does not", () => {
    const { root, calls } = mount(Textbox, "textbox", { lines: 3 }, "a\nb");
    const area = byTag(root, "textarea")[0];
    expect(area.attrs.get("rows")).toBe(3);
    fire(area, "keydown", { key: "Enter", shiftKey: false });
    expect(calls.events).toEqual([]);
    fire(area, "keydown", { key: "Enter", shiftKey: true });
    expect(calls.events).toEqual([["submit", undefined]]);
  });

  it("labels the input for screen readers and is read-only when not interactive", () => {
    const { root } = mount(Textbox, "textbox", { label: "Out", interactive: false, info: "help" }, "x");
    const label = byTag(root, "label")[0];
    expect(label.attrs.get("for")).toBe("input-1");
    const input = byTag(root, "input")[0];
    expect(input.attrs.get("id")).toBe("input-1");
    expect(input.attrs.get("readonly")).toBe(true);
    expect(input.attrs.get("aria-describedby")).toBe("info-1");
  });

  it("renders hidden when not visible", () => {
    const { root } = mount(Textbox, "textbox", { visible: false }, "");
    expect((root.childNodes[0] as FakeElement).attrs.get("hidden")).toBe(true);
  });
});

describe("Slider and choices", () => {
  it("slider stores numbers and fires release on change", () => {
    const { root, calls } = mount(Slider, "slider", { minimum: 0, maximum: 10, step: 1 }, 4);
    const range = byAttr(root, "type", "range")[0];
    expect(range.attrs.get("style")).toBe("--pd-fill:40%");
    fire(range, "input", { target: { value: "7" } });
    fire(range, "change", { target: { value: "7" } });
    expect(calls.values).toEqual([[7, { input: true }]]);
    expect(calls.events).toEqual([["release", 7]]);
  });

  it("checkbox group keeps the choices' order and reports the select", () => {
    const choices = [["Red", "r"], ["Green", "g"], ["Blue", "b"]];
    const { root, calls } = mount(CheckboxGroup, "checkboxgroup", { choices }, ["b"]);
    const boxes = byAttr(root, "type", "checkbox");
    fire(boxes[0], "change", { target: { checked: true } });
    expect(calls.values).toEqual([[["r", "b"], { input: true }]]);
    expect(calls.events).toEqual([["select", { index: 0, value: "r", selected: true }]]);
  });

  it("radio stores the choice's value, not its label", () => {
    const { root, calls } = mount(Radio, "radio", { choices: [["Small", "s"], ["Large", "l"]] }, "s");
    fire(byAttr(root, "type", "radio")[1], "change");
    expect(calls.values).toEqual([["l", { input: true }]]);
  });

  it("checkbox stores its state", () => {
    const { root, calls } = mount(Checkbox, "checkbox", { label: "Agree" }, false);
    fire(byAttr(root, "type", "checkbox")[0], "change", { target: { checked: true } });
    expect(calls.values).toEqual([[true, { input: true }]]);
  });
});

describe("Dropdown", () => {
  it("opens a listbox on click and stores the picked option's value", async () => {
    const { root, calls } = mount(Dropdown, "dropdown", { choices: [["X", "x"], ["Y", "y"]] }, "x");
    const input = byAttr(root, "role", "combobox")[0];
    expect(input.attrs.get("value")).toBe("X");
    fire(input, "click");
    await tick();
    const options = byAttr(root, "role", "option");
    expect(options.map(textOf)).toEqual(["X", "Y"]);
    expect(options[0].attrs.get("aria-selected")).toBe("true");
    fire(options[1], "click");
    expect(calls.values).toEqual([["y", { input: true }]]);
    await tick();
    expect(byAttr(root, "role", "option")).toEqual([]); // closed after a single pick
  });

  it("filters as the user types and accepts a custom value on Enter when allowed", async () => {
    const { root, calls } = mount(Dropdown, "dropdown", { choices: [["apple", 1], ["banana", 2]], allow_custom_value: true }, 1);
    const input = byAttr(root, "role", "combobox")[0];
    fire(input, "input", { target: { value: "ban" } });
    await tick();
    expect(byAttr(root, "role", "option").map(textOf)).toEqual(["banana"]);
    fire(input, "input", { target: { value: "cherry" } });
    await tick();
    fire(input, "keydown", { key: "Enter" });
    expect(calls.values).toEqual([["cherry", { input: true }]]);
  });

  it("multiselect shows tokens, adds on pick and removes with Backspace", async () => {
    const { root, calls } = mount(Dropdown, "dropdown", { choices: [["x", "x"], ["y", "y"]], multiselect: true }, ["x"]);
    expect(findAll(root, (e) => e.attrs.get("class") === "pd-token").map(textOf)).toEqual(["x"]);
    const input = byAttr(root, "role", "combobox")[0];
    fire(input, "click");
    await tick();
    fire(byAttr(root, "role", "option")[1], "click");
    fire(input, "keydown", { key: "Backspace" });
    expect(calls.values).toEqual([
      [["x", "y"], { input: true }],
      [[], { input: true }],
    ]);
  });
});

describe("Dataset", () => {
  it("a click or Enter on a row stores its index and fires click and select", () => {
    const props = { samples: [["Ann", 3], ["Bob", 1]], headers: ["Name", "n"], component_ids: [2, 3] };
    const { root, calls } = mount(Dataset, "dataset", props, null);
    const rows = findAll(root, (e) => e.attrs.get("class") === "pd-sample");
    expect(rows.map(textOf)).toEqual(["Ann3", "Bob1"]);
    fire(rows[1], "click");
    expect(calls.values).toEqual([[1, undefined]]);
    expect(calls.events).toEqual([
      ["click", 1],
      ["select", { index: 1, value: ["Bob", 1] }],
    ]);
    fire(rows[0], "keydown", { key: "Enter" });
    expect(calls.values[1]).toEqual([0, undefined]);
  });

  it("pages long example lists", async () => {
    const samples = Array.from({ length: 12 }, (_, i) => [`s${i}`]);
    const { root } = mount(Dataset, "dataset", { samples, headers: ["S"], samples_per_page: 5 }, null);
    expect(findAll(root, (e) => e.attrs.get("class") === "pd-sample")).toHaveLength(5);
    const pages = findAll(root, (e) => e.attrs.get("class") === "pd-page");
    expect(pages.map(textOf)).toEqual(["1", "2", "3"]);
    fire(pages[2], "click");
    await tick();
    expect(findAll(root, (e) => e.attrs.get("class") === "pd-sample").map(textOf)).toEqual(["s10", "s11"]);
  });
});

describe("Layouts", () => {
  it("tabs switch with the arrow keys and show only the selected panel", async () => {
    const calls: Calls = { values: [], events: [], uploads: [] };
    const tab = (id: number, label: string) => h(TabItem, blockProps(id, "tabitem", { label }, undefined, calls));
    const root = new FakeElement("div");
    render(
      h(Tabs, blockProps(1, "tabs", {}, undefined, calls), [tab(2, "One"), tab(3, "Two")]) as VNode,
      root as unknown as HTMLElement,
    );
    const tabs = byAttr(root, "role", "tab");
    expect(tabs.map((t) => t.attrs.get("aria-selected"))).toEqual(["true", "false"]);
    const panels = findAll(root, (e) => e.attrs.get("class") === "pd-tabpanel");
    expect(panels.map((p) => p.attrs.has("hidden"))).toEqual([false, true]);
    fire(byAttr(root, "role", "tablist")[0], "keydown", { key: "ArrowRight" });
    await tick();
    expect(byAttr(root, "role", "tab").map((t) => t.attrs.get("aria-selected"))).toEqual(["false", "true"]);
    expect(findAll(root, (e) => e.attrs.get("class") === "pd-tabpanel").map((p) => p.attrs.has("hidden"))).toEqual([true, false]);
    expect(calls.events).toContainEqual(["select", { index: 1, value: "Two", selected: true }]);
  });

  it("accordion reports expand and collapse", () => {
    const { root, calls } = mount(Accordion, "accordion", { label: "More", open: false }, undefined);
    const details = byTag(root, "details")[0];
    fire(details, "toggle", { target: { open: true } });
    expect(calls.events).toEqual([["expand", undefined]]);
  });
});

describe("Files", () => {
  it("an upload button sends picked files through `upload` and stores the FileData", async () => {
    const { root, calls } = mount(UploadButton, "uploadbutton", { label: "Up" }, null);
    const file = { name: "a.txt", size: 3 } as File;
    fire(byAttr(root, "type", "file")[0], "change", { target: { files: [file], value: "" } });
    await tick();
    expect(calls.uploads).toEqual([[file]]);
    expect(calls.values).toEqual([[{ path: "/tmp/a.txt", orig_name: "a.txt", size: 3, url: null }, { input: true }]]);
    expect(calls.events.map((e) => e[0])).toEqual(["upload"]);
  });

  it("a file output links its file for download", () => {
    const value = { path: "/tmp/x/report.pdf", orig_name: "report.pdf", size: 2048, url: null };
    const { root } = mount(FileInput, "file", { label: "Result", interactive: false }, value);
    const link = byTag(root, "a")[0];
    expect(link.attrs.get("href")).toBe("gradio_api/file=/tmp/x/report.pdf");
    expect(link.attrs.get("download")).toBe("report.pdf");
    expect(textOf(root)).toContain("2 KB");
    expect(byAttr(root, "type", "file")).toEqual([]);
  });
});

describe("Status", () => {
  it("shows queue position, time and progress bars while pending or running", () => {
    const status: BlockStatus = {
      state: "pending",
      rank: 1,
      queueSize: 5,
      eta: 1.2,
      progress: [{ index: 3, length: 10, unit: "steps", progress: null, desc: "Loading" }],
    };
    const { root } = mount(Label, "label", { label: "Out" }, {}, status);
    const block = root.childNodes[0] as FakeElement;
    expect(String(block.attrs.get("class"))).toContain("pd-status-pending");
    const text = textOf(findAll(root, (e) => e.attrs.get("role") === "status")[0]);
    expect(text).toContain("queue: 2/5");
    expect(text).toContain("/1.2s");
    expect(text).toContain("3/10 steps");
    expect(byAttr(root, "role", "progressbar")[0].attrs.get("aria-valuenow")).toBe(30);
  });

  it("outlines an errored output and says so", () => {
    const { root } = mount(Textbox, "textbox", {}, "", { state: "error", message: "boom" });
    expect(String((root.childNodes[0] as FakeElement).attrs.get("class"))).toContain("pd-status-error");
    expect(textOf(byAttr(root, "role", "alert")[0])).toBe("Errorboom");
  });
});
