/** Applies a dependency's output data to its blocks: values, prop updates, generator diffs; State skipped. */
import type { BlockId } from "../types";
import { applyDiff, type DiffEdit } from "./diff";
import type { BlockStore } from "./store";

/** Called when an output's value really changed, so its `change` events fire. */
export type ChangeListener = (id: BlockId) => void;

function isUpdate(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === "object" && raw !== null && (raw as { __type__?: unknown }).__type__ === "update";
}

/** Stores one output value: a plain value, or `{"__type__": "update", ...props, value?}`. */
export function applyOutput(store: BlockStore, id: BlockId, raw: unknown, onChange: ChangeListener): void {
  if (store.isState(id) || !store.has(id)) return;
  if (isUpdate(raw)) {
    const { __type__: _type, value, ...props } = raw;
    if (Object.keys(props).length > 0) store.updateProps(id, props);
    if ("value" in raw && store.setValue(id, value)) onChange(id);
    return;
  }
  if (store.setValue(id, raw)) onChange(id);
}

/** The outputs of one event: the first generator message has full values, later ones edits. */
export class EventOutputs {
  private last: unknown[] | null = null;

  constructor(
    private readonly store: BlockStore,
    private readonly outputs: BlockId[],
    private readonly onChange: ChangeListener,
  ) {}

  /** A `process_generating` / `process_streaming` payload. */
  generating(data: unknown[]): void {
    const previous = this.last;
    this.last = previous === null ? data : data.map((edits, i) => applyDiff(previous[i], edits as DiffEdit[]));
    this.applyAll(this.last);
  }

  /** The final `process_completed` payload: full values. */
  completed(data: unknown[]): void {
    this.last = data;
    this.applyAll(data);
  }

  private applyAll(values: unknown[]): void {
    this.outputs.forEach((id, i) => {
      if (i < values.length) applyOutput(this.store, id, values[i], this.onChange);
    });
  }
}
