/** What an output shows while its event waits or runs: a thin bar, queue position and time, progress bars. */
import { useEffect, useState } from "preact/hooks";
import type { BlockStatus, ProgressItem } from "../types";
import { round } from "./format";

function queueText(s: BlockStatus, elapsed: number): string {
  const parts: string[] = [];
  if (s.state === "pending" && typeof s.rank === "number") {
    parts.push(`queue: ${s.rank + 1}/${typeof s.queueSize === "number" ? s.queueSize : "?"}`);
  }
  const t = round(elapsed, 1).toFixed(1);
  parts.push(typeof s.eta === "number" && s.eta > 0 ? `${t}/${round(s.eta, 1).toFixed(1)}s` : `${t}s`);
  return parts.join(" | ");
}

function Bar({ item }: { item: ProgressItem }) {
  const frac =
    typeof item.progress === "number"
      ? item.progress
      : typeof item.index === "number" && typeof item.length === "number" && item.length > 0
        ? item.index / item.length
        : null;
  const count =
    typeof item.index === "number" && typeof item.length === "number"
      ? `${item.index}/${item.length}${item.unit ? ` ${item.unit}` : ""}`
      : frac !== null
        ? `${Math.round(frac * 100)}%`
        : "";
  return (
    <div class="pd-progress">
      <div class="pd-progress-text">
        <span>{item.desc ?? ""}</span>
        <span>{count}</span>
      </div>
      <div
        class={frac === null ? "pd-bar pd-bar-indeterminate" : "pd-bar"}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={frac === null ? undefined : Math.round(frac * 100)}
        aria-label={item.desc ?? "Progress"}
      >
        <div class="pd-bar-fill" style={frac === null ? undefined : `width:${Math.min(100, frac * 100)}%`} />
      </div>
    </div>
  );
}

/** Renders nothing while idle, so the server-rendered markup (always idle) needs no counterpart. */
export function StatusTracker({ status }: { status: BlockStatus | undefined }) {
  const busy = status?.state === "pending" || status?.state === "running";
  const [start, setStart] = useState(0);
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!busy) return;
    const t0 = performance.now();
    setStart(t0);
    setNow(t0);
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, [busy]);
  if (!status || status.state === "idle") return null;
  if (status.state === "error") {
    return (
      <div class="pd-status pd-status-box-error" role="alert">
        <span class="pd-status-badge">Error</span>
        {status.message ? <span class="pd-status-msg">{status.message}</span> : null}
      </div>
    );
  }
  const items = status.progress ?? [];
  return (
    <div class="pd-status" role="status" aria-live="polite" aria-busy="true">
      {items.length === 0 ? <div class="pd-bar pd-bar-indeterminate pd-bar-top"><div class="pd-bar-fill" /></div> : null}
      <div class="pd-status-meta">{queueText(status, (now - start) / 1000)}</div>
      {items.map((it, i) => (
        <Bar key={i} item={it} />
      ))}
      {status.message ? <div class="pd-status-msg">{status.message}</div> : null}
    </div>
  );
}
