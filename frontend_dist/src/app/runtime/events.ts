/**
 * Wires the config's dependencies: triggers (targets, `then`/`success`/`failure` chains, `load`, `every`),
 * trigger modes, cancels, frontend `js`, the call itself through the transport, and what its messages do
 * to the outputs (values, statuses, toasts).
 */
import type { BlockId, BlockStatus, DependencyConfig, RecordedCall } from "../types";
import type { Job, Transport } from "../transport/client";
import type { ServerMessage } from "../transport/sse";
import { compileJs } from "./js";
import { applyOutput, EventOutputs } from "./outputs";
import { BusyStatus, errorMessage, nextStatus } from "./status";
import type { BlockStore } from "./store";
import { toLevel, type Toast } from "./toasts";

/** How long an event runs before its outputs show a loading status (ms); under 0.1 s feels instant. */
export const BUSY_DELAY_MS = 100;

export interface EngineHooks {
  toast(toast: Omit<Toast, "id">): void;
  /** Every backend call, for the API recorder. */
  record?(call: RecordedCall): void;
  /** Overrides BUSY_DELAY_MS (0: show the loading status at once). */
  busyDelayMs?: number;
  /** Components whose value a deep link restored on this page (`deep_link_state.restored_ids`). */
  restoredIds?: readonly BlockId[];
}

interface Trigger {
  id: BlockId | null;
  data: unknown;
}

interface Running {
  job: Job | null;
  cancelled: boolean;
  busy?: BusyStatus;
  /** Ends the wait for the event's outcome (a cancelled event may never complete on the server). */
  finish?: (outcome: Outcome) => void;
}

type Outcome = "success" | "failure" | "cancelled";

export class EventEngine {
  private readonly byTarget = new Map<string, DependencyConfig[]>();
  private readonly chained = new Map<number, DependencyConfig[]>();
  private readonly inFlight = new Map<number, Set<Running>>();
  private readonly rerun = new Map<number, Trigger>();
  private readonly timers = new Map<number, ReturnType<typeof setInterval>>();

  constructor(
    private readonly dependencies: DependencyConfig[],
    private readonly store: BlockStore,
    private readonly transport: Transport,
    private readonly hooks: EngineHooks,
  ) {
    for (const dep of dependencies) {
      for (const [id, event] of dep.targets) this.add(this.byTarget, `${id}:${event}`, dep);
      if (dep.trigger_after !== null && dep.trigger_after !== undefined) this.add(this.chained, dep.trigger_after, dep);
    }
  }

  /**
   * Runs the `load` events (and starts their `every` timers). A `load` event whose every output a deep link
   * restored does not run now: it would overwrite the link's values (its timer still starts).
   */
  start(): void {
    const restored = new Set(this.hooks.restoredIds ?? []);
    for (const dep of this.dependencies) {
      if (!dep.targets.some(([, event]) => event === "load")) continue;
      const trigger: Trigger = { id: null, data: null };
      if (dep.outputs.length > 0 && dep.outputs.every((id) => restored.has(id))) this.startTimer(dep, trigger);
      else this.trigger(dep, trigger);
    }
  }

  stop(): void {
    for (const timer of this.timers.values()) clearInterval(timer);
    this.timers.clear();
  }

  /** A block fired `event` (click, submit, select, ...). */
  emit(id: BlockId, event: string, data: unknown = null): void {
    for (const dep of this.byTarget.get(`${id}:${event}`) ?? []) this.trigger(dep, { id, data });
  }

  /** A block's value was set: `input` for user edits, `change` whenever it really changed. */
  valueSet(id: BlockId, changed: boolean, byUser: boolean): void {
    if (byUser) this.emit(id, "input");
    if (changed) this.emit(id, "change");
  }

  /** True while an event of `depId` runs (or waits in the queue). */
  isRunning(depId: number): boolean {
    return (this.inFlight.get(depId)?.size ?? 0) > 0;
  }

  trigger(dep: DependencyConfig, trigger: Trigger): void {
    if (this.isRunning(dep.id)) {
      if (dep.trigger_mode === "once") return;
      if (dep.trigger_mode === "always_last") {
        this.rerun.set(dep.id, trigger);
        return;
      }
    }
    this.startTimer(dep, trigger);
    void this.run(dep, trigger);
  }

  /** Cancels the running events of each dependency in `depIds`. */
  cancel(depIds: number[]): void {
    for (const depId of depIds) {
      this.rerun.delete(depId);
      for (const running of this.inFlight.get(depId) ?? []) {
        running.cancelled = true;
        running.busy?.end();
        void running.job?.cancel().catch(() => undefined);
        running.finish?.("cancelled");
      }
      const dep = this.dependencies.find((d) => d.id === depId);
      if (dep) this.setStatuses(dep, { state: "idle" });
    }
  }

  private async run(dep: DependencyConfig, trigger: Trigger): Promise<void> {
    if (dep.cancels.length > 0) this.cancel(dep.cancels);
    const running: Running = { job: null, cancelled: false };
    this.track(dep.id, running, true);
    let outcome: Outcome = "failure";
    try {
      outcome = await this.execute(dep, trigger, running);
      if (running.cancelled) outcome = "cancelled";
    } catch (error) {
      this.hooks.toast({ level: "error", title: "Error", message: String(error), duration: 10 });
      this.setStatuses(dep, { state: "error", message: String(error) });
    } finally {
      running.busy?.end();
      this.track(dep.id, running, false);
    }
    if (outcome !== "cancelled") this.afterRun(dep, outcome);
  }

  private async execute(dep: DependencyConfig, trigger: Trigger, running: Running): Promise<Outcome> {
    let data: unknown[] = dep.inputs.map((id) => (this.store.isState(id) ? null : this.store.value(id)));
    if (typeof dep.js === "string" && dep.js.trim() !== "") {
      const wrap = dep.backend_fn ? dep.inputs.length === 1 : dep.outputs.length === 1;
      const result = await compileJs(dep.js, wrap)(data);
      if (!dep.backend_fn) {
        dep.outputs.forEach((id, i) => {
          if (i < result.length) applyOutput(this.store, id, result[i], this.changed);
        });
        return "success";
      }
      data = result;
    }
    if (!dep.backend_fn) return "success";
    this.hooks.record?.({ apiName: dep.api_name, fnIndex: dep.id, data });
    return this.submit(dep, data, trigger, running);
  }

  private submit(dep: DependencyConfig, data: unknown[], trigger: Trigger, running: Running): Promise<Outcome> {
    const outputs = new EventOutputs(this.store, dep.outputs, this.changed);
    const busy =
      dep.show_progress === "hidden"
        ? null
        : new BusyStatus(this.hooks.busyDelayMs ?? BUSY_DELAY_MS, (status) => this.setStatuses(dep, status));
    if (busy) running.busy = busy;
    return new Promise((resolve) => {
      running.finish = resolve;
      running.job = this.transport.submit(
        {
          fnIndex: dep.id,
          apiName: dep.api_name,
          // run/{api_name} reaches only named, non-private functions; the rest always go through the queue.
          queue: dep.queue || !dep.api_name || dep.api_visibility === "private",
          data,
          eventData: trigger.data,
          triggerId: trigger.id,
        },
        (message) => {
          if (running.cancelled) return;
          const done = this.handle(dep, message, outputs, busy);
          if (done) resolve(done);
        },
      );
    });
  }

  /** Applies one queue message; returns the outcome once the event is over. */
  private handle(
    dep: DependencyConfig,
    message: ServerMessage,
    outputs: EventOutputs,
    busy: BusyStatus | null,
  ): Outcome | undefined {
    const output = message.output as { data?: unknown[] } | undefined;
    if (message.msg === "log") {
      if (message.visible !== false) {
        const level = toLevel(message.level);
        this.hooks.toast({
          level,
          title: typeof message.title === "string" ? message.title : level[0].toUpperCase() + level.slice(1),
          message: String(message.log ?? ""),
          duration: typeof message.duration === "number" ? message.duration : 10,
        });
      }
      return undefined;
    }
    if ((message.msg === "process_generating" || message.msg === "process_streaming") && Array.isArray(output?.data)) {
      outputs.generating(output.data);
    }
    if (message.msg !== "process_completed") {
      busy?.update(message);
      return undefined;
    }
    busy?.end();
    for (const id of this.statusTargets(dep)) {
      const next = nextStatus(this.store.status(id), message);
      if (next) this.store.setStatus(id, next);
    }
    if (message.success === false) {
      const error = message.output as { title?: unknown; visible?: unknown; duration?: unknown } | undefined;
      if (error?.visible !== false) {
        this.hooks.toast({
          level: "error",
          title: typeof error?.title === "string" ? error.title : typeof message.title === "string" ? message.title : "Error",
          message: errorMessage(message),
          duration: typeof error?.duration === "number" ? error.duration : 10,
        });
      }
      return "failure";
    }
    if (Array.isArray(output?.data)) outputs.completed(output.data);
    return "success";
  }

  private afterRun(dep: DependencyConfig, outcome: Outcome): void {
    for (const next of this.chained.get(dep.id) ?? []) {
      if (next.trigger_only_on_success && outcome !== "success") continue;
      if (next.trigger_only_on_failure && outcome !== "failure") continue;
      this.trigger(next, { id: null, data: null });
    }
    const pending = this.rerun.get(dep.id);
    if (pending && !this.isRunning(dep.id)) {
      this.rerun.delete(dep.id);
      this.trigger(dep, pending);
    }
  }

  private readonly changed = (id: BlockId): void => this.emit(id, "change");

  private statusTargets(dep: DependencyConfig): BlockId[] {
    return dep.outputs.filter((id) => !this.store.isState(id));
  }

  private setStatuses(dep: DependencyConfig, status: BlockStatus): void {
    for (const id of this.statusTargets(dep)) this.store.setStatus(id, status);
  }

  private startTimer(dep: DependencyConfig, trigger: Trigger): void {
    const every = dep.every;
    if (typeof every !== "number" || every <= 0 || this.timers.has(dep.id)) return;
    this.timers.set(
      dep.id,
      setInterval(() => {
        if (!this.isRunning(dep.id)) void this.run(dep, trigger);
      }, every * 1000),
    );
  }

  private track(depId: number, running: Running, add: boolean): void {
    let set = this.inFlight.get(depId);
    if (!set) this.inFlight.set(depId, (set = new Set()));
    if (add) set.add(running);
    else set.delete(running);
  }

  private add<K>(map: Map<K, DependencyConfig[]>, key: K, dep: DependencyConfig): void {
    const list = map.get(key);
    if (list) list.push(dep);
    else map.set(key, [dep]);
  }
}
