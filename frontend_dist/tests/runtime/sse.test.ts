import { describe, expect, it } from "vitest";
import { parseFrame, SseParser } from "../../src/app/transport/sse";

describe("SSE framing", () => {
  it("splits frames on a blank line", () => {
    const parser = new SseParser();
    const out = parser.push('data: {"msg":"estimation","rank":0}\n\ndata: {"msg":"process_starts"}\n\n');
    expect(out.map((m) => m.msg)).toEqual(["estimation", "process_starts"]);
  });

  it("keeps a partial frame until its end arrives, across any split", () => {
    const text = 'data: {"msg":"process_completed","output":{"data":["héllo"]}}\n\ndata: {"msg":"heartbeat"}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const out = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(out.map((m) => m.msg)).toEqual(["process_completed", "heartbeat"]);
    }
  });

  it("returns nothing until a frame is complete", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"msg":"log"')).toEqual([]);
    expect(parser.push("}\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ msg: "log" }]);
  });

  it("ignores comments, pings and non-JSON data", () => {
    expect(parseFrame(": ping")).toBeUndefined();
    expect(parseFrame("data: ALIVE")).toBeUndefined();
    expect(parseFrame("event: heartbeat\ndata: null")).toBeUndefined();
    expect(parseFrame('event: x\ndata: {"msg":"x"}')).toEqual({ msg: "x" });
  });

  it("accepts CRLF framing and data without a space", () => {
    const parser = new SseParser();
    expect(parser.push('data:{"msg":"a"}\r\n\r\ndata: {"msg":"b"}\r\n\r\n').map((m) => m.msg)).toEqual(["a", "b"]);
  });

  it("keeps the session_hash of shared-stream frames", () => {
    const parser = new SseParser();
    const [message] = parser.push('data: {"msg":"process_starts","event_id":"e1","session_hash":"s1"}\n\n');
    expect(message.session_hash).toBe("s1");
    expect(message.event_id).toBe("e1");
  });
});
