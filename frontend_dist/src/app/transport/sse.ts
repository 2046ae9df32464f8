/** Server-sent events framing: `data: <json>\n\n` frames, possibly split across network chunks. */

/** One message from the queue stream; `msg` says what it is (see the wire protocol, section 3.3). */
export interface ServerMessage {
  msg: string;
  event_id?: string | null;
  session_hash?: string;
  [key: string]: unknown; // JSON boundary: the fields depend on `msg`
}

/** Parses one frame (the text between two blank lines); undefined for comments, pings and non-JSON data. */
export function parseFrame(frame: string): ServerMessage | undefined {
  const data: string[] = [];
  for (const raw of frame.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  if (data.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(data.join("\n"));
    if (value !== null && typeof value === "object" && typeof (value as { msg?: unknown }).msg === "string") {
      return value as ServerMessage;
    }
  } catch {
    // `data: ALIVE` and other plain-text pings carry nothing for us.
  }
  return undefined;
}

/** Accumulates text chunks and returns the messages of every frame completed so far. */
export class SseParser {
  private buffer = "";

  push(chunk: string): ServerMessage[] {
    this.buffer += chunk.includes("\r\n") ? chunk.replace(/\r\n/g, "\n") : chunk;
    const out: ServerMessage[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end >= 0) {
      const message = parseFrame(this.buffer.slice(0, end));
      if (message) out.push(message);
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf("\n\n");
    }
    return out;
  }

  /** Forgets a partial frame (the connection it came from is gone). */
  reset(): void {
    this.buffer = "";
  }
}
