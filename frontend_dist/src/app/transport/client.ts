/**
 * The runtime's only door to the server: joins (`queue/join` with this browser's stream_id), direct calls
 * (`run/{api_name}` for `queue: false`), cancels, uploads and leaving. Every outcome reaches the caller as
 * queue messages, so the runtime handles a direct call, an HTTP error and a lost connection alike.
 */
import type { StreamHub } from "./hub";
import { randomId } from "./ids";
import type { ServerMessage } from "./sse";

export interface SubmitRequest {
  fnIndex: number;
  apiName: string | null;
  queue: boolean;
  data: unknown[];
  eventData: unknown;
  triggerId: number | null;
}

export type MessageListener = (message: ServerMessage) => void;

/** A submitted event; `cancel` asks the server to stop it. */
export interface Job {
  readonly eventId: string | null;
  cancel(): Promise<void>;
}

export type FileData = Record<string, unknown>;

/** What the runtime needs from the network; tests pass a fake. */
export interface Transport {
  readonly sessionHash: string;
  submit(request: SubmitRequest, listener: MessageListener): Job;
  upload(files: File[]): Promise<FileData[]>;
  leave(): void;
}

/** A `process_completed` failure made on this side (HTTP error, lost connection). */
export function failure(message: string, eventId: string | null = null): ServerMessage {
  return { msg: "process_completed", event_id: eventId, success: false, title: "Error", output: { error: message } };
}

/** The message of an error answer: its JSON `detail` or `error`, else the status line. */
export async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown; error?: unknown };
    const detail = body.detail ?? body.error;
    if (Array.isArray(detail)) {
      const invalid = detail.filter((d) => d && (d as { is_valid?: boolean }).is_valid === false);
      return invalid.map((d) => String((d as { message?: unknown }).message ?? "")).join("\n") || "Invalid input";
    }
    if (typeof detail === "string") return detail;
  } catch {
    // not JSON
  }
  return `${response.status} ${response.statusText}`.trim();
}

/** A join on its way: its event_id is not known until the server answers (or the stream tells first). */
interface WaitingJoin {
  job: SubmittedJob;
  listener: MessageListener;
  /** The event_id the stream's messages showed for it before the answer came. */
  bound: string | null;
}

class SubmittedJob implements Job {
  eventId: string | null = null;
  cancelled = false;
  constructor(private readonly client: HttpTransport, private readonly fnIndex: number) {}

  async cancel(): Promise<void> {
    this.cancelled = true;
    if (this.eventId !== null) await this.client.cancelEvent(this.fnIndex, this.eventId);
  }
}

export class HttpTransport implements Transport {
  readonly sessionHash = randomId();
  private readonly api: string;
  private readonly streamId: Promise<string>;
  private readonly listeners = new Map<string, MessageListener>();
  private readonly early = new Map<string, ServerMessage[]>();
  private readonly waiting = new Set<WaitingJoin>();

  constructor(
    root: string,
    apiPrefix: string,
    private readonly hub: StreamHub,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.api = root.replace(/\/+$/, "") + apiPrefix;
    this.streamId = hub.attach(this.sessionHash, {
      message: (message) => this.route(message),
      dropped: () => this.failAll("Connection lost"),
      opened: () => undefined,
    });
  }

  submit(request: SubmitRequest, listener: MessageListener): Job {
    const job = new SubmittedJob(this, request.fnIndex);
    const run = request.queue ? this.join(request, job, listener) : this.call(request, listener);
    run.catch((error: unknown) => listener(failure(`Could not reach the server (${String(error)})`, job.eventId)));
    return job;
  }

  async cancelEvent(fnIndex: number, eventId: string): Promise<void> {
    await this.post("/cancel", { event_id: eventId, session_hash: this.sessionHash, fn_index: fnIndex });
  }

  async upload(files: File[]): Promise<FileData[]> {
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    const response = await this.fetchImpl(`${this.api}/upload`, { method: "POST", body: form, credentials: "include" });
    if (!response.ok) throw new Error(await errorText(response));
    const paths = (await response.json()) as string[];
    return paths.map((path, i) => ({
      path,
      url: `${this.api}/file=${path}`,
      orig_name: files[i]?.name ?? null,
      size: files[i]?.size ?? null,
      mime_type: files[i]?.type || null,
      is_stream: false,
      meta: { _type: "gradio.FileData" },
    }));
  }

  leave(): void {
    const body = new Blob([JSON.stringify({ session_hash: this.sessionHash })], { type: "application/json" });
    if (typeof navigator !== "undefined" && navigator.sendBeacon) navigator.sendBeacon(`${this.api}/queue/leave`, body);
    this.hub.detach(this.sessionHash);
  }

  private post(path: string, body: unknown): Promise<Response> {
    return this.fetchImpl(`${this.api}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "include",
    });
  }

  private async join(request: SubmitRequest, job: SubmittedJob, listener: MessageListener): Promise<void> {
    const streamId = await this.streamId;
    const waiting: WaitingJoin = { job, listener, bound: null };
    this.waiting.add(waiting);
    let eventId: string;
    try {
      const response = await this.post("/queue/join", {
        data: request.data,
        fn_index: request.fnIndex,
        session_hash: this.sessionHash,
        event_data: request.eventData ?? null,
        trigger_id: request.triggerId,
        stream_id: streamId,
      });
      if (!response.ok) {
        listener(failure(await errorText(response)));
        return;
      }
      eventId = ((await response.json()) as { event_id: string }).event_id;
    } finally {
      this.waiting.delete(waiting);
    }
    job.eventId = eventId;
    if (waiting.bound !== eventId) {
      this.listeners.set(eventId, listener);
      for (const message of this.early.get(eventId) ?? []) this.deliver(eventId, message);
      this.early.delete(eventId);
    }
    if (job.cancelled) await this.cancelEvent(request.fnIndex, eventId);
  }

  private async call(request: SubmitRequest, listener: MessageListener): Promise<void> {
    const response = await this.post(`/run/${request.apiName ?? "predict"}`, {
      data: request.data,
      fn_index: request.fnIndex,
      session_hash: this.sessionHash,
      event_data: request.eventData ?? null,
      trigger_id: request.triggerId,
    });
    if (!response.ok) {
      listener(failure(await errorText(response)));
      return;
    }
    listener({ msg: "process_completed", event_id: null, success: true, output: await response.json() });
  }

  private route(message: ServerMessage): void {
    const eventId = message.event_id;
    if (typeof eventId === "string") {
      if (this.listeners.has(eventId) || this.bindToWaitingJoin(eventId)) this.deliver(eventId, message);
      else this.early.set(eventId, [...(this.early.get(eventId) ?? []), message]);
    } else if (message.msg === "unexpected_error") {
      this.failAll(typeof message.message === "string" ? message.message : "Server error");
    }
  }

  /**
   * An event_id this tab has not heard of: when exactly one join waits for its answer and no other unknown
   * event is buffered, the event is that join's (the stream carries only this tab's session), so its messages
   * are delivered now instead of after the join's answer. Otherwise they wait in `early` for the answers.
   */
  private bindToWaitingJoin(eventId: string): boolean {
    if (this.waiting.size !== 1 || this.early.size !== 0) return false;
    const [waiting] = this.waiting;
    if (waiting.bound !== null) return false;
    waiting.bound = eventId;
    waiting.job.eventId = eventId;
    this.listeners.set(eventId, waiting.listener);
    return true;
  }

  private deliver(eventId: string, message: ServerMessage): void {
    const listener = this.listeners.get(eventId);
    if (!listener) return;
    if (message.msg === "process_completed") this.listeners.delete(eventId);
    listener(message);
  }

  private failAll(reason: string): void {
    const pending = [...this.listeners.entries()];
    this.listeners.clear();
    for (const [eventId, listener] of pending) listener(failure(reason, eventId));
  }
}
