/**
 * One shared stream (`queue/stream?stream_id=S`) and the sessions listening on it: frames are routed
 * by their `session_hash`. Used inside the SharedWorker (one router for every tab of the origin) and,
 * without SharedWorker, by each tab for itself.
 */
import { randomId } from "./ids";
import type { ServerMessage } from "./sse";
import { ReconnectingStream, type StreamOptions } from "./stream";

/** Where one session's messages go. */
export interface SessionSink {
  message(message: ServerMessage): void;
  /** The stream dropped: the server counts the session's pending events as lost. */
  dropped(): void;
  /** The stream is (again) connected. */
  opened(): void;
}

export class StreamRouter {
  readonly streamId: string = randomId();
  private readonly sessions = new Map<string, SessionSink>();
  private readonly stream: ReconnectingStream;
  private connected = false;

  /** `streamUrl` is `{root}{api_prefix}/queue/stream`. */
  constructor(streamUrl: string, options: StreamOptions = {}) {
    const url = `${streamUrl}?stream_id=${encodeURIComponent(this.streamId)}`;
    this.stream = new ReconnectingStream(
      url,
      {
        onMessage: (message) => this.route(message),
        onOpen: () => {
          this.connected = true;
          for (const sink of this.sessions.values()) sink.opened();
        },
        onDrop: () => {
          this.connected = false;
          for (const sink of this.sessions.values()) sink.dropped();
        },
      },
      { idleTimeoutMs: 60_000, ...options },
    );
  }

  get size(): number {
    return this.sessions.size;
  }

  add(sessionHash: string, sink: SessionSink): void {
    this.sessions.set(sessionHash, sink);
    this.stream.start();
    if (this.connected) sink.opened();
  }

  remove(sessionHash: string): void {
    this.sessions.delete(sessionHash);
  }

  stop(): void {
    this.stream.stop();
    this.connected = false;
  }

  private route(message: ServerMessage): void {
    const hash = message.session_hash;
    if (typeof hash === "string") {
      this.sessions.get(hash)?.message(message);
    } else if (message.msg !== "heartbeat" && message.msg !== "close_stream") {
      // A stream-level message (unexpected_error, ...) concerns every session on the stream.
      for (const sink of this.sessions.values()) sink.message(message);
    }
  }
}
