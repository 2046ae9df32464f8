/** Tabs: a keyboard-accessible tab list (arrows, Home, End) over its TabItem children.
 *
 * Each child must be a vnode whose props carry the child's BlockProps (`id`, `props`, `emit`): the runtime
 * renders layout children as `h(Component, blockProps)`. A panel that is not selected is wrapped hidden. */
import type { ComponentChildren, VNode } from "preact";
import { toChildArray } from "preact";
import { useRef, useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block, rootId } from "./Block";
import { isHidden, text } from "./format";

export interface TabInfo {
  id: number;
  label: string;
  tabId: unknown;
  visible: boolean;
  interactive: boolean;
  emit?: BlockProps["emit"];
  props: Record<string, unknown>;
}

export function tabInfos(children: ComponentChildren): Array<{ vnode: VNode; info: TabInfo }> {
  return toChildArray(children)
    .filter((c): c is VNode => typeof c === "object" && c !== null)
    .map((vnode, i) => {
      const bp = vnode.props as Partial<BlockProps>;
      const props = (bp.props ?? {}) as Record<string, unknown>;
      const id = typeof bp.id === "number" ? bp.id : -1 - i;
      return {
        vnode,
        info: {
          id,
          label: props.label === null || props.label === undefined ? `Tab ${i + 1}` : text(props.label),
          tabId: props.id ?? null,
          visible: !isHidden(props),
          interactive: props.interactive !== false,
          emit: bp.emit,
          props,
        },
      };
    });
}

/** Index of the selected tab: `selected` matches a tab's `id` (or is an index); else the first visible tab. */
export function selectedIndex(tabs: TabInfo[], selected: unknown): number {
  if (selected !== null && selected !== undefined) {
    const byId = tabs.findIndex((t) => t.tabId !== null && t.tabId === selected);
    if (byId >= 0) return byId;
    if (typeof selected === "number" && tabs[selected]) return selected;
  }
  const first = tabs.findIndex((t) => t.visible);
  return first >= 0 ? first : 0;
}

export function Tabs(p: BlockProps) {
  const items = tabInfos(p.children);
  const tabs = items.map((x) => x.info);
  const initial = selectedIndex(tabs, p.props.selected);
  // The user's choice holds until the app sets `selected` again (a prop update wins).
  const [choice, setChoice] = useState<{ selected: unknown; index: number } | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const current = choice && choice.selected === p.props.selected ? choice.index : initial;
  const sel = tabs[current] && tabs[current].visible ? current : initial;
  // Deep links save the selected tab as its `id` prop, else its index.
  p.reportUi?.(tabs[sel] ? (tabs[sel].tabId ?? sel) : null);

  const select = (i: number, focus = false) => {
    const t = tabs[i];
    if (!t || !t.visible || !t.interactive) return;
    if (focus) list.current?.querySelectorAll<HTMLElement>('[role="tab"]')[tabs.slice(0, i).filter((x) => x.visible).length]?.focus();
    if (i === sel) return;
    setChoice({ selected: p.props.selected, index: i });
    const data = { index: i, value: t.label, selected: true };
    p.emit("change");
    p.emit("select", data);
    t.emit?.("select", data);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const order = tabs.map((t, i) => (t.visible && t.interactive ? i : -1)).filter((i) => i >= 0);
    const at = order.indexOf(sel);
    let next = -1;
    if (e.key === "ArrowRight") next = order[(at + 1) % order.length];
    else if (e.key === "ArrowLeft") next = order[(at - 1 + order.length) % order.length];
    else if (e.key === "Home") next = order[0];
    else if (e.key === "End") next = order[order.length - 1];
    if (next === undefined || next < 0) return;
    e.preventDefault();
    select(next, true);
  };

  return (
    <Block block={p} tracked={false}>
      <div class="pd-tablist" role="tablist" ref={list} onKeyDown={onKeyDown}>
        {tabs.map((t, i) =>
          t.visible ? (
            <button
              type="button"
              role="tab"
              key={t.id}
              id={`tab-${t.id}`}
              class={i === sel ? "pd-tab pd-tab-selected" : "pd-tab"}
              aria-selected={i === sel ? "true" : "false"}
              aria-controls={rootId(t.id, t.props)}
              tabIndex={i === sel ? 0 : -1}
              disabled={!t.interactive}
              onClick={() => select(i)}
            >
              {t.label}
            </button>
          ) : null,
        )}
      </div>
      {items.map(({ vnode, info }, i) => (
        <div class="pd-tabpanel" key={info.id} hidden={i !== sel}>
          {vnode}
        </div>
      ))}
    </Block>
  );
}
