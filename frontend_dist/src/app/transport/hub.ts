/**
 * The tab's end of the browser's one shared stream: through the SharedWorker when the browser has one,
 * else a stream of this tab's own (same endpoint, same routing).
 */
import type { TabToWorker, WorkerToTab } from "./protocol";
import { StreamRouter, type SessionSink } from "./router";
import type { StreamOptions } from "./stream";

export interface StreamHub {
  /** Routes the session's messages to `sink`; resolves to the stream_id to send with joins. */
  attach(sessionHash: string, sink: SessionSink): Promise<string>;
  detach(sessionHash: string): void;
}

/** A stream held by this tab (no SharedWorker, or it failed to start). */
export class LocalHub implements StreamHub {
  private readonly router: StreamRouter;

  constructor(streamUrl: string, options: StreamOptions = {}) {
    this.router = new StreamRouter(streamUrl, options);
  }

  attach(sessionHash: string, sink: SessionSink): Promise<string> {
    this.router.add(sessionHash, sink);
    return Promise.resolve(this.router.streamId);
  }

  detach(sessionHash: string): void {
    this.router.remove(sessionHash);
    if (this.router.size === 0) this.router.stop();
  }
}

/** The stream lives in a SharedWorker shared by every tab of the origin. */
export class WorkerHub implements StreamHub {
  private readonly sinks = new Map<string, SessionSink>();
  private readonly waiting: Array<(streamId: string) => void> = [];
  private streamId: string | null = null;
  private fallback: StreamHub | null = null;

  /** `makeFallback` gives the hub to move to if the worker fails to start. */
  constructor(
    private readonly streamUrl: string,
    private readonly port: MessagePort,
    private readonly makeFallback: () => StreamHub = () => new LocalHub(streamUrl),
  ) {
    port.onmessage = (event: MessageEvent<WorkerToTab>) => this.receive(event.data);
    port.start();
  }

  attach(sessionHash: string, sink: SessionSink): Promise<string> {
    if (this.fallback) return this.fallback.attach(sessionHash, sink);
    this.sinks.set(sessionHash, sink);
    this.post({ type: "attach", url: this.streamUrl, session_hash: sessionHash });
    if (this.streamId !== null) return Promise.resolve(this.streamId);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  detach(sessionHash: string): void {
    if (this.fallback) return this.fallback.detach(sessionHash);
    this.sinks.delete(sessionHash);
    this.post({ type: "detach", url: this.streamUrl, session_hash: sessionHash });
  }

  /** The worker could not start (blocked script, CSP): this tab holds its own stream from now on. */
  workerFailed(): void {
    if (this.fallback || this.streamId !== null) return;
    const fallback = this.makeFallback();
    this.fallback = fallback;
    const attached = [...this.sinks.entries()].map(([hash, sink]) => fallback.attach(hash, sink));
    const waiting = this.waiting.splice(0);
    void (attached[0] ?? Promise.resolve("")).then((streamId) => waiting.forEach((resolve) => resolve(streamId)));
  }

  private post(message: TabToWorker): void {
    this.port.postMessage(message);
  }

  private receive(data: WorkerToTab): void {
    if (data.type === "ready") {
      this.streamId = data.stream_id;
      for (const resolve of this.waiting.splice(0)) resolve(data.stream_id);
      return;
    }
    const sink = this.sinks.get(data.session_hash);
    if (!sink) return;
    if (data.type === "message") sink.message(data.message);
    else if (data.type === "dropped") sink.dropped();
    else sink.opened();
  }
}

/** The SharedWorker hub where the browser supports it, else a per-tab stream. */
export function createHub(streamUrl: string): StreamHub {
  if (typeof SharedWorker !== "undefined") {
    try {
      const worker = new SharedWorker(new URL("./worker.ts", import.meta.url), {
        type: "module",
        name: "podium-stream",
      });
      const hub = new WorkerHub(streamUrl, worker.port);
      worker.addEventListener("error", () => hub.workerFailed());
      return hub;
    } catch {
      // Blocked (CSP, private mode, file://): fall back to this tab's own stream.
    }
  }
  return new LocalHub(streamUrl);
}
