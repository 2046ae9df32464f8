/**
 * Entry of the app page: reads the config the server inlined (`window.gradio_config`), renders the layout
 * over the server-rendered markup (hydrate) or into an empty #podium-app (render), then wires the events.
 */
import { hydrate, render } from "preact";
import { App } from "./runtime/layout";
import { createRuntime, type PodiumRuntime } from "./runtime/runtime";
import { mountShell } from "./runtime/shell";
import type { AppConfig } from "./types";
import "./runtime/runtime.css";

declare global {
  interface Window {
    gradio_config?: AppConfig;
    /** The app's runtime, for tests and debugging. */
    podium?: PodiumRuntime;
  }
}

function main(): void {
  const config = window.gradio_config;
  if (!config) {
    console.error("podium: window.gradio_config is missing; the page must inline the app config");
    return;
  }
  let app = document.getElementById("podium-app");
  if (!app) {
    app = document.createElement("div");
    app.id = "podium-app";
    app.className = "podium";
    document.body.appendChild(app);
  }
  const runtime = createRuntime(config);
  window.podium = runtime;
  addEventListener("pagehide", () => runtime.transport.leave());
  // Back from the back/forward cache, the session has left the server: start afresh.
  addEventListener("pageshow", (event) => event.persisted && location.reload());

  if (app.firstElementChild) hydrate(<App runtime={runtime} />, app);
  else render(<App runtime={runtime} />, app);
  mountShell(runtime, app);
  runtime.start();
}

main();
