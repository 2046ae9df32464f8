/** Builds the runtime of one app from its config: store, transport, event engine, toasts, deep links. */
import type { AppConfig, BlockId, RecordedCall } from "../types";
import { HttpTransport, type FileData, type Transport } from "../transport/client";
import { createHub } from "../transport/hub";
import { DeepLinks } from "./deeplink";
import { EventEngine } from "./events";
import { BlockStore } from "./store";
import { ToastStore } from "./toasts";

/** What a block view gets from the runtime, stable per block id. */
export interface BlockHandles {
  setValue: (value: unknown, opts?: { input?: boolean }) => void;
  emit: (event: string, data?: unknown) => void;
  upload: (files: File[]) => Promise<FileData[]>;
  reportUi: (state: unknown) => void;
}

export interface PodiumRuntime {
  readonly config: AppConfig;
  /** The app's URL without a trailing slash (the config's `root`, else the page's folder). */
  readonly root: string;
  /** `{root}{api_prefix}`, e.g. `http://host:7860/gradio_api`. */
  readonly apiBase: string;
  readonly store: BlockStore;
  readonly engine: EventEngine;
  readonly toasts: ToastStore;
  readonly transport: Transport;
  readonly deepLinks: DeepLinks;
  handles(id: BlockId): BlockHandles;
  /** Listens to every backend call the UI makes (the API recorder); returns the unsubscribe function. */
  onCall(listener: (call: RecordedCall) => void): () => void;
  /** Runs `load` events and timers. */
  start(): void;
}

/** The app's root URL without a trailing slash: the config's `root`, else the page's folder. */
export function appRoot(config: Pick<AppConfig, "root">, location?: { href: string }): string {
  if (typeof config.root === "string" && config.root !== "") return config.root.replace(/\/+$/, "");
  if (!location) return "";
  const url = new URL(".", location.href);
  return url.href.replace(/\/+$/, "");
}

export interface RuntimeOptions {
  /** How long an event runs before its outputs show a loading status (ms; default BUSY_DELAY_MS). */
  busyDelayMs?: number;
  /** For tests: the fetch of deep-link saves and the clipboard copy. */
  fetchImpl?: typeof fetch;
  copy?: (text: string) => Promise<boolean>;
}

export function createRuntime(config: AppConfig, transport?: Transport, options: RuntimeOptions = {}): PodiumRuntime {
  const root = appRoot(config, typeof window === "undefined" ? undefined : window.location);
  const apiPrefix = config.api_prefix ?? "/gradio_api";
  const apiBase = root + apiPrefix;
  const store = new BlockStore(config);
  const toasts = new ToastStore();
  const net = transport ?? new HttpTransport(root, apiPrefix, createHub(`${apiBase}/queue/stream`));
  const callListeners = new Set<(call: RecordedCall) => void>();
  const engine = new EventEngine(config.dependencies, store, net, {
    toast: (toast) => toasts.push(toast),
    record: (call) => callListeners.forEach((listener) => listener(call)),
    busyDelayMs: options.busyDelayMs,
    restoredIds: config.deep_link_state?.restored_ids,
  });
  const deepLinks = new DeepLinks({
    store,
    apiBase,
    sessionHash: net.sessionHash,
    toast: (toast) => toasts.push(toast),
    fetchImpl: options.fetchImpl,
    copy: options.copy,
  });
  const handleCache = new Map<BlockId, BlockHandles>();

  return {
    config,
    root,
    apiBase,
    store,
    engine,
    toasts,
    transport: net,
    deepLinks,
    handles(id) {
      let handles = handleCache.get(id);
      if (!handles) {
        handles = {
          setValue: (value, opts) => engine.valueSet(id, store.setValue(id, value), opts?.input ?? true),
          emit: (event, data) => {
            if (event === "click" && store.type(id) === "deeplinkbutton") void deepLinks.share(id);
            engine.emit(id, event, data ?? null);
          },
          upload: (files) => net.upload(files),
          reportUi: (state) => store.setUi(id, state),
        };
        handleCache.set(id, handles);
      }
      return handles;
    },
    onCall(listener) {
      callListeners.add(listener);
      return () => callListeners.delete(listener);
    },
    start: () => engine.start(),
  };
}
