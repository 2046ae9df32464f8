/** The contract between the runtime, the components and the API page. See docs/design/frontend.md. */

import type { ComponentChildren } from "preact";

export type BlockId = number;

/** One entry of the config's `components` list. */
export interface ComponentConfig {
  id: BlockId;
  type: string;
  props: Record<string, unknown>;
  skip_api?: boolean;
  api_info?: unknown;
  key?: unknown;
}

/** One entry of the config's `dependencies` list. */
export interface DependencyConfig {
  id: number;
  targets: Array<[BlockId, string]>;
  inputs: BlockId[];
  outputs: BlockId[];
  backend_fn: boolean;
  js: string | null;
  queue: boolean;
  api_name: string | null;
  api_visibility: "public" | "undocumented" | "private";
  show_progress: "full" | "minimal" | "hidden";
  cancels: number[];
  types: { generator: boolean; cancel: boolean };
  trigger_after: number | null;
  trigger_only_on_success: boolean;
  trigger_only_on_failure: boolean;
  trigger_mode: "once" | "multiple" | "always_last";
  collects_event_data: boolean;
  every?: number | null;
}

export interface LayoutNode {
  id: BlockId;
  children?: LayoutNode[];
}

export interface AppConfig {
  version: string;
  api_prefix: string;
  root: string;
  title: string;
  mode: string;
  components: ComponentConfig[];
  dependencies: DependencyConfig[];
  layout: LayoutNode;
  max_file_size: number | null;
  show_error: boolean;
  footer_links?: string[];
  /** Set when the page was opened with `?deep_link=ID` (docs/design/deep-links.md). */
  deep_link_state?: DeepLinkState;
  [key: string]: unknown;
}

export type DeepLinkStatus = "restored" | "partial" | "not_found" | "expired" | "unavailable" | "disabled";

/** What the server says about the deep link the page was opened with. */
export interface DeepLinkState {
  id: string;
  status: DeepLinkStatus;
  message: string;
  skipped?: string[];
  created_at?: string | null;
  /** Ids of the components whose value the link set. */
  restored_ids?: BlockId[];
}

/** The body of `POST {api_prefix}/deep_link`: keys are component ids. */
export interface DeepLinkPayload {
  session_hash: string;
  values: Record<string, unknown>;
  visible: Record<string, boolean>;
  tabs: Record<string, string | number>;
  accordions: Record<string, boolean>;
}

/** The answer of `POST {api_prefix}/deep_link`. */
export interface DeepLinkSaved {
  id: string;
  url: string;
  expires_at?: string | null;
  skipped?: string[];
}

/** What a block shows while an event that outputs to it runs. */
export interface BlockStatus {
  state: "idle" | "pending" | "running" | "error";
  rank?: number | null;
  queueSize?: number | null;
  eta?: number | null;
  progress?: ProgressItem[] | null;
  message?: string | null;
}

export interface ProgressItem {
  index: number | null;
  length: number | null;
  unit: string | null;
  progress: number | null;
  desc: string | null;
}

/** Props every component receives from the runtime. */
export interface BlockProps {
  id: BlockId;
  type: string;
  props: Record<string, unknown>;
  value: unknown;
  /** Store a new value; the runtime fires the block's `input`/`change` events. */
  setValue: (value: unknown, opts?: { input?: boolean }) => void;
  /** Fire an event of this block (`click`, `submit`, `select`, `upload`, ...), with optional event data. */
  emit: (event: string, data?: unknown) => void;
  /** Upload files; resolves to FileData dicts (the runtime does the HTTP). */
  upload: (files: File[]) => Promise<Record<string, unknown>[]>;
  status: BlockStatus;
  /** Layouts (Tabs, Accordion) report what the visitor sees (selected tab, open or not) for deep links. */
  reportUi?: (state: unknown) => void;
  children?: ComponentChildren;
}

/** A call the runtime made, for the API recorder. */
export interface RecordedCall {
  apiName: string | null;
  fnIndex: number;
  data: unknown[];
}
