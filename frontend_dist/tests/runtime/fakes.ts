/** Test doubles: a config builder and a Transport that records submits and lets a test send messages. */
import type { Job, MessageListener, SubmitRequest, Transport } from "../../src/app/transport/client";
import type { ServerMessage } from "../../src/app/transport/sse";
import type { AppConfig, ComponentConfig, DependencyConfig } from "../../src/app/types";

export function dep(partial: Partial<DependencyConfig> & { id: number }): DependencyConfig {
  return {
    targets: [],
    inputs: [],
    outputs: [],
    backend_fn: true,
    js: null,
    queue: true,
    api_name: `fn${partial.id}`,
    api_visibility: "public",
    show_progress: "full",
    cancels: [],
    types: { generator: false, cancel: false },
    trigger_after: null,
    trigger_only_on_success: false,
    trigger_only_on_failure: false,
    trigger_mode: "once",
    collects_event_data: false,
    every: null,
    ...partial,
  };
}

export function component(id: number, type: string, props: Record<string, unknown> = {}): ComponentConfig {
  return { id, type, props };
}

export function appConfig(components: ComponentConfig[], dependencies: DependencyConfig[]): AppConfig {
  return {
    version: "6.31.0",
    api_prefix: "/gradio_api",
    root: "http://app.test",
    title: "t",
    mode: "blocks",
    components,
    dependencies,
    layout: { id: 0, children: components.map((c) => ({ id: c.id })) },
    max_file_size: null,
    show_error: true,
  };
}

export interface FakeCall {
  request: SubmitRequest;
  listener: MessageListener;
  job: Job & { cancelled: boolean };
  /** Sends a queue message for this call. */
  send(message: Omit<ServerMessage, "event_id"> & { event_id?: string }): void;
  complete(data: unknown[]): void;
  fail(error: string | null): void;
}

export class FakeTransport implements Transport {
  readonly sessionHash = "session-1";
  readonly calls: FakeCall[] = [];

  submit(request: SubmitRequest, listener: MessageListener): Job {
    const eventId = `event-${this.calls.length + 1}`;
    const job = {
      eventId,
      cancelled: false,
      cancel: async () => {
        job.cancelled = true;
      },
    };
    const send = (message: Omit<ServerMessage, "event_id"> & { event_id?: string }): void =>
      listener({ event_id: eventId, ...message } as ServerMessage);
    this.calls.push({
      request,
      listener,
      job,
      send,
      complete: (data) => send({ msg: "process_completed", success: true, output: { data } }),
      fail: (error) => send({ msg: "process_completed", success: false, title: "Error", output: { error } }),
    });
    return job;
  }

  async upload(): Promise<Record<string, unknown>[]> {
    return [];
  }

  leave(): void {}

  get last(): FakeCall {
    const call = this.calls[this.calls.length - 1];
    if (!call) throw new Error("no call yet");
    return call;
  }
}

/** Lets pending promise callbacks (js handlers, submits) run. */
export const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
