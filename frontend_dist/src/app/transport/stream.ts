/** One long-lived `fetch()` SSE stream that reconnects with exponential back-off when it drops. */
import { SseParser, type ServerMessage } from "./sse";

export interface StreamHandlers {
  onMessage: (message: ServerMessage) => void;
  /** The stream is connected (first time or after a reconnect). */
  onOpen?: () => void;
  /** The stream failed or ended; a reconnect follows after `delayMs`. */
  onDrop?: (delayMs: number) => void;
}

export interface StreamOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** First reconnect delay; doubles on every failed try, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A connection silent for this long (the server sends heartbeats) counts as dropped; 0 turns it off. */
  idleTimeoutMs?: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** attempt);
}

export class ReconnectingStream {
  private controller: AbortController | null = null;
  private stopped = true;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly idleMs: number;

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
    options: StreamOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
    this.initialMs = options.initialDelayMs ?? 500;
    this.maxMs = options.maxDelayMs ?? 15000;
    this.idleMs = options.idleTimeoutMs ?? 0;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.controller = null;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const opened = await this.connectOnce();
      if (this.stopped) return;
      if (opened) attempt = 0; // the back-off restarts only after a connection that carried data
      const delay = backoffDelay(attempt, this.initialMs, this.maxMs);
      attempt += 1;
      this.handlers.onDrop?.(delay);
      await this.sleep(delay);
    }
  }

  /** Reads the stream until it ends; true when it had connected and received data. */
  private async connectOnce(): Promise<boolean> {
    const controller = new AbortController();
    this.controller = controller;
    let received = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const response = await this.fetchImpl(this.url, {
        headers: { accept: "text/event-stream" },
        signal: controller.signal,
        credentials: "include",
      });
      if (!response.ok || !response.body) return false;
      this.handlers.onOpen?.();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      const watch = (): void => {
        if (this.idleMs <= 0) return;
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), this.idleMs);
      };
      for (;;) {
        watch();
        const { done, value } = await reader.read();
        if (done) break;
        received = true;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          this.handlers.onMessage(message);
        }
      }
    } catch {
      // A network error or an abort: handled as a drop below (or ignored when stopped).
    } finally {
      clearTimeout(timer);
    }
    return received;
  }
}
