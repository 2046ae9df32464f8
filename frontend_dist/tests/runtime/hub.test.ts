import { describe, expect, it } from "vitest";
import type { StreamHub } from "../../src/app/transport/hub";
import { WorkerHub } from "../../src/app/transport/hub";
import type { TabToWorker, WorkerToTab } from "../../src/app/transport/protocol";
import type { SessionSink } from "../../src/app/transport/router";
import type { ServerMessage } from "../../src/app/transport/sse";

/** The tab's side of a SharedWorker port: records what the tab posts, lets the test answer. */
class FakePort {
  posted: TabToWorker[] = [];
  onmessage: ((event: MessageEvent<WorkerToTab>) => void) | null = null;
  start(): void {}
  postMessage(message: TabToWorker): void {
    this.posted.push(message);
  }
  answer(data: WorkerToTab): void {
    this.onmessage?.({ data } as MessageEvent<WorkerToTab>);
  }
}

function recordingSink(): SessionSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    message: (m: ServerMessage) => log.push(`message:${m.msg}`),
    dropped: () => log.push("dropped"),
    opened: () => log.push("opened"),
  };
}

describe("SharedWorker hub (tab side)", () => {
  it("attaches the session, waits for the stream id and routes the worker's messages", async () => {
    const port = new FakePort();
    const hub = new WorkerHub("http://app.test/gradio_api/queue/stream", port as unknown as MessagePort);
    const sink = recordingSink();
    const streamId = hub.attach("tab-1", sink);
    expect(port.posted).toEqual([{ type: "attach", url: "http://app.test/gradio_api/queue/stream", session_hash: "tab-1" }]);
    port.answer({ type: "ready", url: "u", stream_id: "browser-stream" });
    await expect(streamId).resolves.toBe("browser-stream");
    port.answer({ type: "opened", session_hash: "tab-1" });
    port.answer({ type: "message", session_hash: "tab-1", message: { msg: "estimation" } });
    port.answer({ type: "message", session_hash: "tab-2", message: { msg: "estimation" } });
    port.answer({ type: "dropped", session_hash: "tab-1" });
    expect(sink.log).toEqual(["opened", "message:estimation", "dropped"]);
    hub.detach("tab-1");
    expect(port.posted[1]).toEqual({ type: "detach", url: "http://app.test/gradio_api/queue/stream", session_hash: "tab-1" });
  });

  it("moves to a stream of its own when the worker fails to start", async () => {
    const port = new FakePort();
    const attached: string[] = [];
    const local: StreamHub = {
      attach: async (hash) => {
        attached.push(hash);
        return "local-stream";
      },
      detach: () => undefined,
    };
    const hub = new WorkerHub("u", port as unknown as MessagePort, () => local);
    const streamId = hub.attach("tab-1", recordingSink());
    hub.workerFailed();
    await expect(streamId).resolves.toBe("local-stream");
    expect(attached).toEqual(["tab-1"]);
    await expect(hub.attach("tab-2", recordingSink())).resolves.toBe("local-stream");
  });
});
