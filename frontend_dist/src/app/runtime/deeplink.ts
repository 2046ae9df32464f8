/**
 * Deep links in the browser (docs/design/deep-links.md): what a DeepLinkButton click saves (every value except
 * State and buttons, visibility, the selected tab of each Tabs, each Accordion open or not), the POST to
 * `{api_prefix}/deep_link`, copying the returned URL, and the toasts. The button shows the progress through
 * two props the runtime sets on it: `deep_link_saving` (disabled meanwhile) and `deep_link_url`.
 */
import { copyText } from "../api/clipboard";
import { isHidden } from "../components/format";
import { errorText } from "../transport/client";
import type { BlockId, DeepLinkPayload, DeepLinkSaved } from "../types";
import type { BlockStore } from "./store";
import type { Toast } from "./toasts";

/** Types whose value a snapshot never holds: session state and buttons (their value is their label). */
export const NOT_SNAPSHOTTED = new Set(["state", "button", "clearbutton", "uploadbutton", "downloadbutton", "deeplinkbutton"]);

export const DEFAULT_COPIED_MESSAGE = "Link copied to clipboard";

/** The POST body for the blocks of `store`, as the visitor sees them now. */
export function collectSnapshot(store: BlockStore, sessionHash: string): DeepLinkPayload {
  const payload: DeepLinkPayload = { session_hash: sessionHash, values: {}, visible: {}, tabs: {}, accordions: {} };
  for (const id of store.ids()) {
    const type = store.type(id) ?? "";
    const props = store.props(id);
    const key = String(id);
    const value = store.value(id);
    if (!NOT_SNAPSHOTTED.has(type) && value !== undefined) payload.values[key] = value;
    if ("visible" in props) payload.visible[key] = !isHidden(props);
    if (type === "tabs") {
      const selected = store.ui(id) ?? props.selected;
      if (typeof selected === "string" || typeof selected === "number") payload.tabs[key] = selected;
    } else if (type === "accordion") {
      const open = store.ui(id);
      payload.accordions[key] = typeof open === "boolean" ? open : props.open !== false;
    }
  }
  return payload;
}

/** A refusal or failure to save, with the message to show. */
export class DeepLinkError extends Error {}

/** POSTs the snapshot; resolves to the server's answer, with `url` made absolute against the page. */
export async function saveDeepLink(
  apiBase: string,
  payload: DeepLinkPayload,
  fetchImpl: typeof fetch = (input, init) => fetch(input, init),
): Promise<DeepLinkSaved> {
  let response: Response;
  try {
    response = await fetchImpl(`${apiBase}/deep_link`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      credentials: "include",
    });
  } catch (error) {
    throw new DeepLinkError(`Could not reach the server (${String(error)})`);
  }
  if (!response.ok) throw new DeepLinkError(await errorText(response));
  let saved: Partial<DeepLinkSaved>;
  try {
    saved = (await response.json()) as Partial<DeepLinkSaved>;
  } catch {
    throw new DeepLinkError("The server's answer was not JSON");
  }
  if (typeof saved.url !== "string" || saved.url === "") throw new DeepLinkError("The server's answer has no link");
  const base = typeof location === "undefined" ? undefined : location.href;
  const url = base ? new URL(saved.url, base).href : saved.url;
  return { ...saved, url, id: String(saved.id ?? ""), skipped: Array.isArray(saved.skipped) ? saved.skipped.map(String) : [] };
}

export interface DeepLinkOptions {
  store: BlockStore;
  apiBase: string;
  sessionHash: string;
  toast(toast: Omit<Toast, "id">): void;
  fetchImpl?: typeof fetch;
  /** Copies text; resolves false when it could not (default: the Clipboard API, else `execCommand("copy")`). */
  copy?: (text: string) => Promise<boolean>;
}

/** The DeepLinkButtons of one app: a click saves, copies and tells. */
export class DeepLinks {
  constructor(private readonly options: DeepLinkOptions) {}

  /** Saves a snapshot for the click of button `id`; resolves to the saved link, or null when it failed. */
  async share(id: BlockId): Promise<DeepLinkSaved | null> {
    const { store, toast } = this.options;
    if (store.props(id).deep_link_saving === true) return null;
    store.updateProps(id, { deep_link_saving: true });
    try {
      const payload = collectSnapshot(store, this.options.sessionHash);
      const saved = await saveDeepLink(this.options.apiBase, payload, this.options.fetchImpl);
      store.updateProps(id, { deep_link_url: saved.url });
      const copied = await (this.options.copy ?? copyText)(saved.url).catch(() => false);
      const skipped = saved.skipped?.length ? `\nNot included: ${saved.skipped.join(", ")}.` : "";
      if (copied) {
        const message = store.props(id).copied_message;
        const text = typeof message === "string" && message !== "" ? message : DEFAULT_COPIED_MESSAGE;
        toast({ level: "success", title: "Success", message: text + skipped, duration: 5 });
      } else {
        // No clipboard: the link stays on screen, selectable, until closed.
        toast({ level: "info", title: "Copy this link", message: saved.url + skipped, duration: null });
      }
      return saved;
    } catch (error) {
      const message = error instanceof DeepLinkError ? error.message : String(error);
      toast({ level: "error", title: "Could not create the link", message, duration: 10 });
      return null;
    } finally {
      store.updateProps(id, { deep_link_saving: false });
    }
  }
}
