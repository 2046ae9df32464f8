import { describe, expect, it } from "vitest";
import { HttpTransport } from "../../src/app/transport/client";
import { LocalHub } from "../../src/app/transport/hub";
import type { ServerMessage } from "../../src/app/transport/sse";
import { backoffDelay, ReconnectingStream } from "../../src/app/transport/stream";
import { flush } from "./fakes";

/** A response body the test writes to and ends. */
function openStream(): { response: Response; push: (text: string) => void; end: () => void; fail: () => void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    push: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    fail: () => controller.error(new DOMException("aborted", "AbortError")),
  };
}

/** A fetch that serves stream GETs from a queue the test fills, and records every request. */
class FakeServer {
  readonly requests: Array<{ url: string; init?: RequestInit }> = [];
  readonly streams: Array<ReturnType<typeof openStream>> = [];
  failStreams = 0;
  joins = 0;

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    this.requests.push({ url, init });
    if (url.includes("/queue/stream")) {
      if (this.failStreams > 0) {
        this.failStreams -= 1;
        throw new TypeError("network down");
      }
      const stream = openStream();
      this.streams.push(stream);
      init?.signal?.addEventListener("abort", () => stream.fail());
      return stream.response;
    }
    if (url.endsWith("/queue/join")) {
      this.joins += 1;
      return Response.json({ event_id: `ev${this.joins}` });
    }
    return Response.json({ success: true });
  };

  get lastStream(): ReturnType<typeof openStream> {
    return this.streams[this.streams.length - 1];
  }
}

/** A sleep that records its delays and resolves at once. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe("reconnecting stream", () => {
  it("doubles the back-off up to a maximum", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 500, 4000))).toEqual([500, 1000, 2000, 4000, 4000]);
  });

  it("reconnects after drops with growing delays, reset by a successful connection", async () => {
    const server = new FakeServer();
    const { delays, sleep } = recordingSleep();
    const messages: string[] = [];
    let opens = 0;
    const stream = new ReconnectingStream(
      "http://app.test/gradio_api/queue/stream?stream_id=s",
      { onMessage: (m) => messages.push(m.msg), onOpen: () => opens++ },
      { fetch: server.fetch, sleep, initialDelayMs: 100, maxDelayMs: 1000 },
    );
    stream.start();
    await flush();
    server.lastStream.push('data: {"msg":"heartbeat"}\n\n');
    await flush();
    expect(messages).toEqual(["heartbeat"]);

    server.failStreams = 2; // the server is away for two tries
    server.lastStream.end();
    for (let i = 0; i < 10 && server.streams.length < 2; i++) await flush();
    expect(server.streams).toHaveLength(2);
    expect(delays).toEqual([100, 200, 400]);
    expect(opens).toBe(2);

    server.lastStream.push('data: {"msg":"heartbeat"}\n\n');
    await flush();
    server.lastStream.end(); // dropped again after a connection that carried data: back to the first delay
    for (let i = 0; i < 10 && server.streams.length < 3; i++) await flush();
    expect(delays).toEqual([100, 200, 400, 100]);
    stream.stop();
  });
});

describe("silent connections", () => {
  it("a stream that says nothing (not even a heartbeat) for the idle timeout is dropped and reopened", async () => {
    const server = new FakeServer();
    const { delays, sleep } = recordingSleep();
    const stream = new ReconnectingStream("http://app.test/gradio_api/queue/stream?stream_id=s", { onMessage: () => undefined }, {
      fetch: server.fetch,
      sleep,
      idleTimeoutMs: 20,
    });
    stream.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(server.streams.length).toBeGreaterThanOrEqual(2);
    expect(delays.length).toBeGreaterThanOrEqual(1);
    stream.stop();
  });
});

describe("transport over the shared stream", () => {
  function setup() {
    const server = new FakeServer();
    const { sleep } = recordingSleep();
    const hub = new LocalHub("http://app.test/gradio_api/queue/stream", { fetch: server.fetch, sleep });
    const transport = new HttpTransport("http://app.test/", "/gradio_api", hub, server.fetch);
    return { server, transport };
  }

  it("joins with the stream's id and routes frames by session_hash and event_id", async () => {
    const { server, transport } = setup();
    const got: ServerMessage[] = [];
    transport.submit({ fnIndex: 0, apiName: "greet", queue: true, data: ["Ann"], eventData: null, triggerId: 3 }, (m) => got.push(m));
    await flush();
    const streamUrl = new URL(server.requests.find((r) => r.url.includes("/queue/stream"))!.url);
    const join = server.requests.find((r) => r.url.endsWith("/queue/join"))!;
    const body = JSON.parse(String(join.init?.body));
    expect(body).toMatchObject({ data: ["Ann"], fn_index: 0, trigger_id: 3, session_hash: transport.sessionHash });
    expect(body.stream_id).toBe(streamUrl.searchParams.get("stream_id"));

    const hash = transport.sessionHash;
    server.lastStream.push(`data: {"msg":"process_starts","event_id":"ev1","session_hash":"other"}\n\n`);
    server.lastStream.push(`data: {"msg":"process_starts","event_id":"ev1","session_hash":"${hash}"}\n\n`);
    server.lastStream.push(`data: {"msg":"process_completed","event_id":"ev1","session_hash":"${hash}","success":true,"output":{"data":["hi"]}}\n\n`);
    await flush();
    expect(got.map((m) => m.msg)).toEqual(["process_starts", "process_completed"]);
  });

  it("buffers frames that arrive before the join's answer", async () => {
    const { server, transport } = setup();
    const got: string[] = [];
    // The stream is open before any join; the frame for ev1 comes first.
    transport.submit({ fnIndex: 0, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, () => undefined);
    await flush();
    const hash = transport.sessionHash;
    server.lastStream.push(`data: {"msg":"estimation","event_id":"ev2","session_hash":"${hash}","rank":0}\n\n`);
    await flush();
    transport.submit({ fnIndex: 1, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, (m) => got.push(m.msg));
    await flush();
    expect(got).toEqual(["estimation"]);
  });

  it("with one join waiting, its messages are delivered before the join's answer; with two, they wait", async () => {
    const server = new FakeServer();
    const held: Array<() => void> = [];
    const slowFetch: typeof fetch = (input, init) =>
      String(input).endsWith("/queue/join")
        ? new Promise((resolve) => held.push(() => void server.fetch(input, init).then(resolve)))
        : server.fetch(input, init);
    const { sleep } = recordingSleep();
    const hub = new LocalHub("http://app.test/gradio_api/queue/stream", { fetch: slowFetch, sleep });
    const transport = new HttpTransport("http://app.test/", "/gradio_api", hub, slowFetch);
    const hash = transport.sessionHash;
    const first: string[] = [];
    const job = transport.submit({ fnIndex: 0, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, (m) => first.push(`${m.msg}:${m.event_id}`));
    await flush();
    server.lastStream.push(`data: {"msg":"process_starts","event_id":"ev1","session_hash":"${hash}"}\n\n`);
    server.lastStream.push(`data: {"msg":"process_completed","event_id":"ev1","session_hash":"${hash}","success":true,"output":{"data":[1]}}\n\n`);
    await flush();
    expect(first).toEqual(["process_starts:ev1", "process_completed:ev1"]);
    expect(job.eventId).toBe("ev1");
    held.shift()!(); // the answer comes late: nothing is delivered twice
    await flush();
    expect(first).toHaveLength(2);

    const second: string[] = [];
    const third: string[] = [];
    transport.submit({ fnIndex: 1, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, (m) => second.push(m.msg));
    transport.submit({ fnIndex: 2, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, (m) => third.push(m.msg));
    await flush();
    server.lastStream.push(`data: {"msg":"estimation","event_id":"ev3","session_hash":"${hash}","rank":0}\n\n`);
    await flush();
    expect([second, third]).toEqual([[], []]); // two joins wait: which one is ev3's is not known yet
    held.shift()!(); // the second join is answered ev2
    held.shift()!(); // the third ev3
    for (let i = 0; i < 3; i++) await flush();
    expect([second, third]).toEqual([[], ["estimation"]]);
  });

  it("a dropped stream fails the pending events with 'Connection lost', then reconnects", async () => {
    const { server, transport } = setup();
    const got: ServerMessage[] = [];
    transport.submit({ fnIndex: 0, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, (m) => got.push(m));
    await flush();
    expect(server.streams).toHaveLength(1);
    server.lastStream.end();
    for (let i = 0; i < 10 && server.streams.length < 2; i++) await flush();
    expect(got).toEqual([
      { msg: "process_completed", event_id: "ev1", success: false, title: "Error", output: { error: "Connection lost" } },
    ]);
    expect(server.streams).toHaveLength(2);
    const urls = server.requests.filter((r) => r.url.includes("/queue/stream")).map((r) => r.url);
    expect(urls[0]).toBe(urls[1]); // same stream_id after a reconnect
  });

  it("queue:false calls run/{api_name} and reports the output as process_completed", async () => {
    const { server, transport } = setup();
    const got: ServerMessage[] = [];
    transport.submit({ fnIndex: 2, apiName: "fast", queue: false, data: [1], eventData: null, triggerId: null }, (m) => got.push(m));
    await flush();
    expect(server.requests.some((r) => r.url === "http://app.test/gradio_api/run/fast")).toBe(true);
    expect(got[0]).toMatchObject({ msg: "process_completed", success: true });
  });

  it("cancel posts event_id, session_hash and fn_index", async () => {
    const { server, transport } = setup();
    const job = transport.submit({ fnIndex: 4, apiName: null, queue: true, data: [], eventData: null, triggerId: null }, () => undefined);
    await flush();
    await job.cancel();
    const cancel = server.requests.find((r) => r.url.endsWith("/cancel"))!;
    expect(JSON.parse(String(cancel.init?.body))).toEqual({ event_id: "ev1", session_hash: transport.sessionHash, fn_index: 4 });
  });
});
