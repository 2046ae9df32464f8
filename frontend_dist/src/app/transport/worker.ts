/**
 * The SharedWorker: holds ONE stream per app URL for every tab of the browser and routes its frames to
 * the tab whose session they belong to. Tabs attach their session_hash and get the stream_id to join with.
 */
import type { TabToWorker, WorkerToTab } from "./protocol";
import { StreamRouter } from "./router";

interface Port {
  postMessage(message: WorkerToTab): void;
  onmessage: ((event: MessageEvent<TabToWorker>) => void) | null;
  start(): void;
}

const routers = new Map<string, StreamRouter>();

function routerFor(url: string): StreamRouter {
  let router = routers.get(url);
  if (!router) {
    router = new StreamRouter(url);
    routers.set(url, router);
  }
  return router;
}

function handle(port: Port, data: TabToWorker): void {
  const router = routerFor(data.url);
  const session = data.session_hash;
  if (data.type === "detach") {
    router.remove(session);
    if (router.size === 0) {
      // The last tab left: close the stream; the next tab opens a fresh one.
      router.stop();
      routers.delete(data.url);
    }
    return;
  }
  port.postMessage({ type: "ready", url: data.url, stream_id: router.streamId });
  router.add(session, {
    message: (message) => port.postMessage({ type: "message", session_hash: session, message }),
    dropped: () => port.postMessage({ type: "dropped", session_hash: session }),
    opened: () => port.postMessage({ type: "opened", session_hash: session }),
  });
}

const scope = globalThis as unknown as { onconnect: ((event: MessageEvent) => void) | null };
scope.onconnect = (event: MessageEvent) => {
  const port = event.ports[0] as unknown as Port;
  port.onmessage = (message) => handle(port, message.data);
  port.start();
};
