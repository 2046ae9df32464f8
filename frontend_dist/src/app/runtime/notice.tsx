/**
 * The deep-link notice at the top of the app (`config.deep_link_state`, docs/design/deep-links.md): what
 * became of the link the page was opened with. SSR twin: `podium.ssr.notice`; dismissing it only hides it.
 */
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import type { DeepLinkState } from "../types";
import "./deeplink.css";

/** What the notice says when the server sent no message. */
export const NOTICE_FALLBACK: Record<string, string> = {
  restored: "This page was restored from a shared link.",
  partial: "This page was restored from a shared link made with another version of the app; some values were left out.",
  not_found: "This shared link does not exist; here is the app as it starts.",
  expired: "This shared link has expired; here is the app as it starts.",
  unavailable: "The shared link could not be loaded right now; here is the app as it starts.",
  disabled: "Shared links are turned off for this app.",
};

/** The state, when the config carries a usable one. */
export function noticeState(value: unknown): DeepLinkState | null {
  if (typeof value !== "object" || value === null) return null;
  const status = (value as { status?: unknown }).status;
  return typeof status === "string" && status !== "" ? (value as DeepLinkState) : null;
}

export function noticeMessage(state: DeepLinkState): string {
  return typeof state.message === "string" && state.message !== "" ? state.message : (NOTICE_FALLBACK[state.status] ?? "");
}

export function DeepLinkNotice({ state }: { state: DeepLinkState }): VNode | null {
  const [shown, setShown] = useState(true);
  if (!shown) return null;
  return (
    <div class="pd-deeplink-notice" role="status" data-status={state.status}>
      <span class="pd-deeplink-notice-message">{noticeMessage(state)}</span>
      <button type="button" class="pd-deeplink-notice-dismiss" aria-label="Dismiss" onClick={() => setShown(false)}>
        ×
      </button>
    </div>
  );
}
