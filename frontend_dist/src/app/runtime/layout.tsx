/** Renders the config's layout tree: each node is a Block view that resolves its component by type. */
import { createContext, type VNode } from "preact";
import { useContext, useEffect, useReducer } from "preact/hooks";
import { resolveComponent } from "../registry";
import type { BlockId, LayoutNode } from "../types";
import { DeepLinkNotice, noticeState } from "./notice";
import type { PodiumRuntime } from "./runtime";

export const RuntimeContext = createContext<PodiumRuntime | null>(null);

/** The runtime of the app being rendered (components should not need it; the API page does). */
export function useRuntime(): PodiumRuntime {
  const runtime = useContext(RuntimeContext);
  if (!runtime) throw new Error("useRuntime outside <App>");
  return runtime;
}

/**
 * Props of a child VNode as a layout component sees it in `children`: `id`, `type` and the child's
 * current `props` (Tabs reads its TabItems' labels from there).
 */
export interface BlockViewProps {
  id: BlockId;
  type: string;
  props: Record<string, unknown>;
  node: LayoutNode;
}

function renderChildren(runtime: PodiumRuntime, node: LayoutNode): VNode[] | undefined {
  return node.children?.map((child) => (
    <BlockView
      key={child.id}
      id={child.id}
      type={runtime.store.type(child.id) ?? "unknown"}
      props={runtime.store.props(child.id)}
      node={child}
    />
  ));
}

/** One block: re-renders when its value, props or status change. */
export function BlockView({ id, node }: BlockViewProps): VNode {
  const runtime = useRuntime();
  const [, bump] = useReducer((n: number, _: null) => n + 1, 0);
  const rerender = (): void => bump(null);
  useEffect(() => runtime.store.subscribe(id, rerender), [runtime, id]);
  const type = runtime.store.type(id) ?? "unknown";
  const Component = resolveComponent(type);
  const handles = runtime.handles(id);
  return (
    <Component
      id={id}
      type={type}
      props={runtime.store.props(id)}
      value={runtime.store.value(id)}
      status={runtime.store.status(id)}
      setValue={handles.setValue}
      emit={handles.emit}
      upload={handles.upload}
      reportUi={handles.reportUi}
    >
      {renderChildren(runtime, node)}
    </Component>
  );
}

/**
 * The whole app: the deep-link notice (when the page was opened with `?deep_link=`), then the layout. A root
 * layout id that is not a component renders its children directly.
 */
export function App({ runtime }: { runtime: PodiumRuntime }): VNode {
  const root = runtime.config.layout;
  const notice = noticeState(runtime.config.deep_link_state);
  const body = runtime.store.has(root.id) ? (
    <BlockView id={root.id} type={runtime.store.type(root.id) ?? "unknown"} props={runtime.store.props(root.id)} node={root} />
  ) : (
    <>{renderChildren(runtime, root)}</>
  );
  return (
    <RuntimeContext.Provider value={runtime}>
      {notice ? <DeepLinkNotice state={notice} /> : null}
      {body}
    </RuntimeContext.Provider>
  );
}
