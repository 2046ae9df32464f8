/** Messages between a tab and the SharedWorker that holds the browser's one stream. */
import type { ServerMessage } from "./sse";

export type TabToWorker =
  | { type: "attach"; url: string; session_hash: string }
  | { type: "detach"; url: string; session_hash: string };

export type WorkerToTab =
  | { type: "ready"; url: string; stream_id: string }
  | { type: "message"; session_hash: string; message: ServerMessage }
  | { type: "dropped"; session_hash: string }
  | { type: "opened"; session_hash: string };
