/** The shapes the home and New Space pages read, re-exported in one place. */
export type { Capacity, Flavor, Org, Space, Visibility } from "../../types";

/** How a Space's folder runs (`sdk` in its README front matter, `POST /api/spaces`). */
export type Sdk = "podium" | "gradio" | "docker";
