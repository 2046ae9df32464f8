import "../styles/api.css";
import type { AppConfig } from "../types";
import { ThemeSwitch } from "./ThemeSwitch";

/** "Use via API" shows when the config's `footer_links` lists "api" (the default) and an endpoint is public. */
export function shouldShowApi(config: Pick<AppConfig, "dependencies" | "footer_links">): boolean {
  const links = config.footer_links ?? ["api"];
  return links.includes("api") && config.dependencies.some((d) => d.backend_fn && d.api_name && d.api_visibility === "public");
}

export interface FooterProps {
  /** Opens the API page (the runtime passes its `open`). */
  onOpenApi: () => void;
  /** Whether to show "Use via API" (the config's `footer_links` has "api" and there are public endpoints). */
  showApi: boolean;
}

/** The page footer: "Use via API", "Built with Podium", theme switch. */
export function Footer({ onOpenApi, showApi }: FooterProps) {
  return (
    <footer class="pd-footer">
      {showApi && (
        <a
          href="?view=api"
          class="pd-footer-api"
          onClick={(e) => {
            e.preventDefault();
            onOpenApi();
          }}
        >
          Use via API
        </a>
      )}
      <span>Built with Podium</span>
      <ThemeSwitch />
    </footer>
  );
}
