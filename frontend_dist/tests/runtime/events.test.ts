import { afterEach, describe, expect, it, vi } from "vitest";
import { createRuntime, type PodiumRuntime } from "../../src/app/runtime/runtime";
import { appConfig, component, dep, FakeTransport, flush } from "./fakes";
import type { DependencyConfig } from "../../src/app/types";

// Blocks: 1 textbox "name", 2 state, 3 button, 4 textbox output, 5 textbox second output.
function setup(dependencies: DependencyConfig[], busyDelayMs = 0): { rt: PodiumRuntime; net: FakeTransport } {
  const net = new FakeTransport();
  const config = appConfig(
    [
      component(1, "textbox", { value: "Ann", label: "name" }),
      component(2, "state", { value: 7 }),
      component(3, "button", { value: "Go" }),
      component(4, "textbox", { value: "" }),
      component(5, "textbox", { value: "" }),
    ],
    dependencies,
  );
  return { rt: createRuntime(config, net, { busyDelayMs }), net };
}

const click = (rt: PodiumRuntime, id = 3, data?: unknown): void => rt.handles(id).emit("click", data);

describe("event wiring", () => {
  it("a click joins with the input values, State as null, and the trigger", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], inputs: [1, 2], outputs: [4], api_name: "greet" })]);
    click(rt, 3, { x: 1 });
    await flush();
    expect(net.calls).toHaveLength(1);
    expect(net.last.request).toEqual({
      fnIndex: 0,
      apiName: "greet",
      queue: true,
      data: ["Ann", null],
      eventData: { x: 1 },
      triggerId: 3,
    });
  });

  it("applies plain outputs, prop updates and ignores State outputs", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], inputs: [1], outputs: [4, 2, 5] })]);
    click(rt);
    await flush();
    net.last.complete(["Hello, Ann", "new state", { __type__: "update", visible: false, label: "L", value: "v" }]);
    expect(rt.store.value(4)).toBe("Hello, Ann");
    expect(rt.store.value(2)).toBe(7);
    expect(rt.store.value(5)).toBe("v");
    expect(rt.store.props(5)).toMatchObject({ visible: false, label: "L" });
    expect(rt.store.props(5)).not.toHaveProperty("__type__");
  });

  it("a prop update without value keeps the value", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [1] })]);
    click(rt);
    await flush();
    net.last.complete([{ __type__: "update", interactive: false }]);
    expect(rt.store.value(1)).toBe("Ann");
    expect(rt.store.props(1)).toMatchObject({ interactive: false, label: "name" });
  });

  it("rebuilds generator outputs from the first full value and later diffs", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4, 5], types: { generator: true, cancel: false } })]);
    click(rt);
    await flush();
    const gen = (data: unknown[]) => net.last.send({ msg: "process_generating", success: true, output: { data, is_generating: true } });
    gen(["0", ["a"]]);
    expect(rt.store.value(4)).toBe("0");
    gen([[["append", [], "1"]], [["add", [1], "b"]]]);
    expect(rt.store.value(4)).toBe("01");
    expect(rt.store.value(5)).toEqual(["a", "b"]);
    gen([[["append", [], "2"]], []]);
    expect(rt.store.value(4)).toBe("012");
    net.last.complete(["012", ["a", "b"]]);
    expect(rt.store.value(4)).toBe("012");
    expect(rt.store.status(4).state).toBe("idle");
  });

  it("then / success / failure chains follow the outcome", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[3, "click"]], outputs: [4] }),
      dep({ id: 1, trigger_after: 0 }),
      dep({ id: 2, trigger_after: 0, trigger_only_on_success: true }),
      dep({ id: 3, trigger_after: 0, trigger_only_on_failure: true }),
    ]);
    click(rt);
    await flush();
    net.calls[0].complete(["ok"]);
    await flush();
    expect(net.calls.map((c) => c.request.fnIndex)).toEqual([0, 1, 2]);
    net.calls[1].complete([]);
    net.calls[2].complete([]);
    await flush();

    click(rt);
    await flush();
    net.calls[3].fail("boom");
    await flush();
    expect(net.calls.map((c) => c.request.fnIndex)).toEqual([0, 1, 2, 0, 1, 3]);
  });

  it("trigger_mode once ignores clicks while the event runs", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], trigger_mode: "once" })]);
    click(rt);
    click(rt);
    await flush();
    expect(net.calls).toHaveLength(1);
    net.last.complete([]);
    await flush();
    click(rt);
    await flush();
    expect(net.calls).toHaveLength(2);
  });

  it("trigger_mode always_last runs once more, after the running event, with the latest inputs", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[1, "change"]], inputs: [1], trigger_mode: "always_last" })]);
    const set = rt.handles(1).setValue;
    set("A");
    await flush();
    set("AB");
    set("ABC");
    await flush();
    expect(net.calls).toHaveLength(1);
    net.last.complete([]);
    await flush();
    expect(net.calls.map((c) => c.request.data)).toEqual([["A"], ["ABC"]]);
    net.last.complete([]);
    await flush();
    expect(net.calls).toHaveLength(2);
  });

  it("trigger_mode multiple runs every trigger at once", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], trigger_mode: "multiple" })]);
    click(rt);
    click(rt);
    click(rt);
    await flush();
    expect(net.calls).toHaveLength(3);
  });

  it("input fires only for user edits, change for every real change", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[4, "input"]] }),
      dep({ id: 1, targets: [[4, "change"]], trigger_mode: "multiple" }),
      dep({ id: 2, targets: [[3, "click"]], outputs: [4] }),
    ]);
    rt.handles(4).setValue("typed");
    await flush();
    expect(net.calls.map((c) => c.request.fnIndex)).toEqual([0, 1]);
    click(rt);
    await flush();
    net.last.complete(["from server"]);
    await flush();
    expect(net.calls.map((c) => c.request.fnIndex)).toEqual([0, 1, 2, 1]);
    // The same value again is no change.
    rt.handles(4).setValue("from server", { input: false });
    await flush();
    expect(net.calls).toHaveLength(4);
  });

  it("a js-only dependency sets outputs in the browser without a call", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[3, "click"]], inputs: [1], outputs: [4], backend_fn: false, js: "(x) => x.toUpperCase()" }),
    ]);
    click(rt);
    await flush();
    expect(net.calls).toHaveLength(0);
    expect(rt.store.value(4)).toBe("ANN");
  });

  it("js before a backend function replaces the inputs", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[3, "click"]], inputs: [1], outputs: [4], js: "(x) => x + '!'" }),
    ]);
    click(rt);
    await flush();
    expect(net.last.request.data).toEqual(["Ann!"]);
  });

  it("cancels stop the running events of the listed dependencies", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[3, "click"]], outputs: [4], types: { generator: true, cancel: false } }),
      dep({ id: 1, targets: [[5, "click"]], backend_fn: false, cancels: [0], types: { generator: false, cancel: true } }),
      dep({ id: 2, trigger_after: 0 }),
    ]);
    click(rt);
    await flush();
    expect(rt.store.status(4).state).toBe("pending");
    const running = net.last;
    rt.handles(5).emit("click");
    await flush();
    expect(running.job.cancelled).toBe(true);
    expect(rt.store.status(4).state).toBe("idle");
    running.send({ msg: "process_completed", success: true, output: {} });
    await flush();
    // No `then` after a cancel, and the dependency can run again.
    expect(net.calls).toHaveLength(1);
    click(rt);
    await flush();
    expect(net.calls).toHaveLength(2);
  });

  it("statuses follow estimation, start, progress and completion", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4, 2] })]);
    click(rt);
    await flush();
    const call = net.last;
    call.send({ msg: "estimation", rank: 2, queue_size: 5, rank_eta: 3.5 });
    expect(rt.store.status(4)).toEqual({ state: "pending", rank: 2, queueSize: 5, eta: 3.5 });
    call.send({ msg: "process_starts", eta: 1.2 });
    expect(rt.store.status(4)).toEqual({ state: "running", eta: 1.2 });
    const bar = { index: 1, length: 3, unit: "steps", progress: null, desc: "counting" };
    call.send({ msg: "progress", progress_data: [bar] });
    expect(rt.store.status(4)).toMatchObject({ state: "running", progress: [bar] });
    call.complete(["done", null]);
    expect(rt.store.status(4).state).toBe("idle");
    expect(rt.store.status(2).state).toBe("idle"); // State outputs get no status
  });

  describe("with the default delay before the loading status", () => {
    afterEach(() => vi.useRealTimers());

    it("a fast event shows no loading status at all", async () => {
      vi.useFakeTimers();
      const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4] })], 100);
      const seen: string[] = [];
      rt.store.subscribe(4, () => seen.push(rt.store.status(4).state));
      click(rt);
      await vi.advanceTimersByTimeAsync(10);
      net.last.send({ msg: "estimation", rank: 0, queue_size: 1, rank_eta: null });
      net.last.send({ msg: "process_starts", eta: null });
      expect(rt.store.status(4).state).toBe("idle");
      net.last.complete(["done"]);
      await vi.advanceTimersByTimeAsync(200);
      expect(rt.store.value(4)).toBe("done");
      expect(seen).not.toContain("pending");
      expect(seen).not.toContain("running");
    });

    it("a slow event shows its latest status once the delay is over, then follows the messages", async () => {
      vi.useFakeTimers();
      const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4] })], 100);
      click(rt);
      await vi.advanceTimersByTimeAsync(10);
      net.last.send({ msg: "estimation", rank: 3, queue_size: 4, rank_eta: 2 });
      expect(rt.store.status(4).state).toBe("idle");
      await vi.advanceTimersByTimeAsync(100);
      expect(rt.store.status(4)).toEqual({ state: "pending", rank: 3, queueSize: 4, eta: 2 });
      net.last.send({ msg: "process_starts", eta: 1 });
      expect(rt.store.status(4)).toEqual({ state: "running", eta: 1 });
      net.last.fail("boom");
      expect(rt.store.status(4)).toEqual({ state: "error", message: "boom" });
    });

    it("a cancelled event never shows a late loading status", async () => {
      vi.useFakeTimers();
      const { rt } = setup(
        [
          dep({ id: 0, targets: [[3, "click"]], outputs: [4], types: { generator: true, cancel: false } }),
          dep({ id: 1, targets: [[5, "click"]], backend_fn: false, cancels: [0], types: { generator: false, cancel: true } }),
        ],
        100,
      );
      click(rt);
      await vi.advanceTimersByTimeAsync(10);
      rt.handles(5).emit("click");
      await vi.advanceTimersByTimeAsync(200);
      expect(rt.store.status(4).state).toBe("idle");
    });
  });

  it("hidden progress sets no pending status", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4], show_progress: "hidden" })]);
    click(rt);
    await flush();
    net.last.send({ msg: "estimation", rank: 0, queue_size: 1, rank_eta: null });
    expect(rt.store.status(4).state).toBe("idle");
  });

  it("errors become an error status and a titled toast; null errors say 'Error'", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]], outputs: [4], trigger_mode: "multiple" })]);
    click(rt);
    click(rt);
    await flush();
    net.calls[0].fail("custom failure: x");
    expect(rt.store.status(4)).toEqual({ state: "error", message: "custom failure: x" });
    net.calls[1].fail(null);
    expect(rt.toasts.list.map((t) => [t.level, t.title, t.message])).toEqual([
      ["error", "Error", "custom failure: x"],
      ["error", "Error", "Error"],
    ]);
  });

  it("log messages become info / warning / success toasts", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[3, "click"]] })]);
    click(rt);
    await flush();
    net.last.send({ msg: "log", log: "halfway", level: "info", duration: 5, visible: true, title: "Info" });
    net.last.send({ msg: "log", log: "careful", level: "warning", duration: null, visible: true, title: "Warning" });
    net.last.send({ msg: "log", log: "hidden", level: "info", visible: false });
    expect(rt.toasts.list.map((t) => [t.level, t.title, t.message, t.duration])).toEqual([
      ["info", "Info", "halfway", 5],
      ["warning", "Warning", "careful", 10],
    ]);
  });

  it("load events run at start; queue:false is passed to the transport", async () => {
    const { rt, net } = setup([dep({ id: 0, targets: [[0, "load"]], outputs: [4], queue: false })]);
    rt.start();
    await flush();
    expect(net.last.request).toMatchObject({ fnIndex: 0, queue: false, triggerId: null });
  });

  it("queue:false functions without a public api_name still go through the queue", async () => {
    const { rt, net } = setup([
      dep({ id: 0, targets: [[3, "click"]], queue: false, api_name: null }),
      dep({ id: 1, targets: [[3, "click"]], queue: false, api_visibility: "private" }),
      dep({ id: 2, targets: [[3, "click"]], queue: false, api_visibility: "undocumented" }),
    ]);
    click(rt);
    await flush();
    expect(net.calls.map((c) => c.request.queue)).toEqual([true, true, false]);
  });

  it("records every backend call for the API recorder", async () => {
    const { rt } = setup([dep({ id: 0, targets: [[3, "click"]], inputs: [1, 2], api_name: "greet" })]);
    const calls: unknown[] = [];
    rt.onCall((call) => calls.push(call));
    click(rt);
    await flush();
    expect(calls).toEqual([{ apiName: "greet", fnIndex: 0, data: ["Ann", null] }]);
  });
});
