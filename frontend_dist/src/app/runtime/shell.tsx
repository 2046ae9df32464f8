/**
 * Everything around the layout: toasts, the footer ("Use via API", theme switch) and the API page, which
 * is loaded only when opened (`?view=api` or the footer link). The API recorder hears every backend call.
 */
import { render } from "preact";
import type { ApiPageHandle } from "../api/mount";
import { record } from "../api/recorder";
import { Footer, shouldShowApi } from "../footer/Footer";
import type { PodiumRuntime } from "./runtime";
import { Toasts } from "./toasts-view";

/** An element of the page by id, else a new one placed after `after` (or at the end of <body>). */
function host(id: string, className: string, after?: Element | null): HTMLElement {
  const existing = document.getElementById(id);
  if (existing) return existing;
  const element = document.createElement("div");
  element.id = id;
  element.className = className;
  if (after?.parentNode) after.parentNode.insertBefore(element, after.nextSibling);
  else document.body.appendChild(element);
  return element;
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { credentials: "include" });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

/** Loads and mounts the API page once; resolves to its handle. */
function apiLoader(runtime: PodiumRuntime): () => Promise<ApiPageHandle> {
  let handle: Promise<ApiPageHandle> | null = null;
  return () =>
    (handle ??= import("../api/mount").then((module) =>
      module.mountApiPage(host("podium-api", "podium pd-api-host"), {
        root: runtime.root,
        apiPrefix: runtime.config.api_prefix ?? "/gradio_api",
        fetchInfo: fetchJson,
        config: runtime.config,
      }),
    ));
}

/** Mounts toasts, footer and (on `?view=api` or on demand) the API page; hooks up the API recorder. */
export function mountShell(runtime: PodiumRuntime, app: HTMLElement): void {
  render(<Toasts store={runtime.toasts} />, host("podium-toasts", "podium pd-toast-host"));
  runtime.onCall(record);
  const loadApi = apiLoader(runtime);
  if (new URLSearchParams(location.search).get("view") === "api") void loadApi();
  const openApi = (): void => void loadApi().then((api) => api.open());
  render(
    <Footer onOpenApi={openApi} showApi={shouldShowApi(runtime.config)} />,
    host("podium-footer", "podium pd-footer-host", app),
  );
}
