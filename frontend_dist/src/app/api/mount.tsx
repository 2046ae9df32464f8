/**
 * Mounting the API page. The runtime does, once at start (after hydrating the app):
 *
 *   const api = mountApiPage(container, { root: config.root, apiPrefix: config.api_prefix, fetchInfo, config });
 *   render(<Footer onOpenApi={api.open} showApi={shouldShowApi(config)} />, footerContainer);
 *
 * `container` is an empty element of its own (e.g. a <div> appended to <body>), not inside #podium-app.
 * The page opens by itself when the URL has `?view=api`, and keeps `?view=api` in the URL while open.
 * To keep it out of the first load, import this module lazily: `import("./api/mount")` on the first click or
 * when `?view=api` is present (then also when the recorder is on: its bar lives here).
 */

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AppConfig } from "../types";
import { ApiPage } from "./ApiPage";
import { apiTarget, type ApiInfo, type ApiTarget } from "./info";
import { inputMaskFromConfig, type InputMask } from "./recording";
import { RecordingBar } from "./RecordingBar";

export interface ApiPageOptions {
  /** The config's `root` (the app's URL, no trailing slash); "" means the page's own URL. */
  root: string;
  /** The config's `api_prefix` ("/gradio_api"). */
  apiPrefix: string;
  /** GETs `url` and resolves to the parsed JSON; rejects on a non-2xx answer. Called on first open. */
  fetchInfo: (url: string) => Promise<unknown>;
  /** The page's config, to leave State (skip_api) inputs out of recorded calls. */
  config?: Pick<AppConfig, "components" | "dependencies">;
}

export interface ApiPageHandle {
  open: () => void;
  close: () => void;
  isOpen: () => boolean;
  /** Unmounts the page and the recording bar. */
  destroy: () => void;
}

function setViewParam(open: boolean): void {
  try {
    const url = new URL(location.href);
    if ((url.searchParams.get("view") === "api") === open) return;
    if (open) url.searchParams.set("view", "api");
    else url.searchParams.delete("view");
    history.replaceState(history.state, "", url);
  } catch {
    /* sandboxed frames may refuse; the page works without it */
  }
}

function isInfo(value: unknown): value is ApiInfo {
  const named = (value as ApiInfo | null)?.named_endpoints;
  return typeof named === "object" && named !== null;
}

interface RootProps {
  target: ApiTarget;
  loadInfo: () => Promise<ApiInfo>;
  mask?: InputMask;
  /** Receives the open/close setter, so the handle can drive the page. */
  bind: (setOpen: (open: boolean) => void) => void;
  onOpenChange: (open: boolean) => void;
  initiallyOpen: boolean;
}

function ApiRoot({ target, loadInfo, mask, bind, onOpenChange, initiallyOpen }: RootProps) {
  const [open, setOpen] = useState(initiallyOpen);
  bind(setOpen);
  useEffect(() => {
    setViewParam(open);
    onOpenChange(open);
  }, [open]);
  return open ? (
    <ApiPage target={target} loadInfo={loadInfo} mask={mask} onClose={() => setOpen(false)} />
  ) : (
    <RecordingBar onStop={() => setOpen(true)} />
  );
}

/** Renders the API page (closed unless the URL has `?view=api`) and the recording bar into `container`. */
export function mountApiPage(container: HTMLElement, options: ApiPageOptions): ApiPageHandle {
  const root = (options.root || location.href.split(/[?#]/)[0]).replace(/\/+$/, "");
  const prefix = options.apiPrefix.replace(/\/+$/, "");
  let cached: Promise<ApiInfo> | null = null;
  const loadInfo = (): Promise<ApiInfo> =>
    (cached ??= options.fetchInfo(`${root}${prefix}/info`).then((value) => {
      if (!isInfo(value)) throw new Error("the answer is not an API description");
      return value;
    })).catch((e: unknown) => {
      cached = null; // let "Retry" fetch again
      throw e;
    });
  let isOpen = new URLSearchParams(location.search).get("view") === "api";
  let setOpen: (open: boolean) => void = () => undefined;
  render(
    <ApiRoot
      target={apiTarget(root, prefix)}
      loadInfo={loadInfo}
      mask={options.config ? inputMaskFromConfig(options.config) : undefined}
      bind={(fn) => (setOpen = fn)}
      onOpenChange={(open) => (isOpen = open)}
      initiallyOpen={isOpen}
    />,
    container,
  );
  return {
    open: () => setOpen(true),
    close: () => setOpen(false),
    isOpen: () => isOpen,
    destroy: () => render(null, container),
  };
}
