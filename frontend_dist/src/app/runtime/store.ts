/**
 * Per-block state: config, current props, value and status; block views subscribe to their own id. Layouts
 * also report what the visitor sees that is not a prop (the selected tab, an accordion open or not): deep links
 * read it from `ui`.
 */
import type { AppConfig, BlockId, BlockStatus, ComponentConfig } from "../types";

export const IDLE: BlockStatus = Object.freeze({ state: "idle" }) as BlockStatus;

interface BlockState {
  type: string;
  props: Record<string, unknown>;
  value: unknown;
  status: BlockStatus;
}

/** JSON-level equality: values come from JSON and from components, never functions or cycles. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export class BlockStore {
  private readonly blocks = new Map<BlockId, BlockState>();
  private readonly listeners = new Map<BlockId, Set<() => void>>();
  private readonly uiStates = new Map<BlockId, unknown>();

  constructor(config: Pick<AppConfig, "components">) {
    for (const component of config.components) this.addBlock(component);
  }

  addBlock(component: ComponentConfig): void {
    const { value, ...props } = component.props;
    this.blocks.set(component.id, { type: component.type, props, value, status: IDLE });
  }

  /** Every block id, in config order. */
  ids(): BlockId[] {
    return [...this.blocks.keys()];
  }

  has(id: BlockId): boolean {
    return this.blocks.has(id);
  }

  type(id: BlockId): string | undefined {
    return this.blocks.get(id)?.type;
  }

  isState(id: BlockId): boolean {
    return this.blocks.get(id)?.type === "state";
  }

  props(id: BlockId): Record<string, unknown> {
    return this.blocks.get(id)?.props ?? {};
  }

  value(id: BlockId): unknown {
    return this.blocks.get(id)?.value;
  }

  status(id: BlockId): BlockStatus {
    return this.blocks.get(id)?.status ?? IDLE;
  }

  /** Stores a value; true when it differs from the previous one (only then do `change` events fire). */
  setValue(id: BlockId, value: unknown): boolean {
    const block = this.blocks.get(id);
    if (!block) return false;
    const changed = !sameValue(block.value, value);
    block.value = value;
    this.notify(id);
    return changed;
  }

  /** Merges a prop update (`gr.update(...)` minus `__type__` and `value`). */
  updateProps(id: BlockId, patch: Record<string, unknown>): void {
    const block = this.blocks.get(id);
    if (!block) return;
    block.props = { ...block.props, ...patch };
    this.notify(id);
  }

  setStatus(id: BlockId, status: BlockStatus): void {
    const block = this.blocks.get(id);
    if (!block) return;
    block.status = status;
    this.notify(id);
  }

  /** What a layout last reported it shows (Tabs: the selected tab's `id` prop or index; Accordion: open). */
  ui(id: BlockId): unknown {
    return this.uiStates.get(id);
  }

  /** Records a layout's visible state; no re-render (nothing renders from it). */
  setUi(id: BlockId, state: unknown): void {
    this.uiStates.set(id, state);
  }

  subscribe(id: BlockId, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private notify(id: BlockId): void {
    for (const listener of this.listeners.get(id) ?? []) listener();
  }
}
