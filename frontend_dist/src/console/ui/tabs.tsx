/**
 * Tabs whose selection is part of the URL (`/spaces/o/n/logs`): links in a `role=tablist`, arrow keys move
 * between them (roving tabindex), Home/End go to the ends.
 */
import type { JSX } from "preact";
import { navigate } from "../router";

export interface TabItem {
  id: string;
  label: string;
  href: string;
}

export function Tabs({ tabs, selected, label }: { tabs: TabItem[]; selected: string; label: string }) {
  const keydown = (event: JSX.TargetedKeyboardEvent<HTMLElement>, index: number) => {
    const last = tabs.length - 1;
    const to =
      event.key === "ArrowRight" ? (index === last ? 0 : index + 1)
      : event.key === "ArrowLeft" ? (index === 0 ? last : index - 1)
      : event.key === "Home" ? 0
      : event.key === "End" ? last
      : -1;
    if (to < 0) return;
    event.preventDefault();
    navigate(tabs[to].href, { replace: true });
    requestAnimationFrame(() => document.getElementById(`pc-tab-${tabs[to].id}`)?.focus());
  };
  return (
    <div class="pc-tabs" role="tablist" aria-label={label}>
      {tabs.map((tab, index) => {
        const active = tab.id === selected;
        return (
          <a
            key={tab.id}
            id={`pc-tab-${tab.id}`}
            role="tab"
            href={tab.href}
            aria-selected={active}
            aria-controls="pc-tabpanel"
            tabIndex={active ? 0 : -1}
            class={`pc-tab${active ? " pc-tab-active" : ""}`}
            onClick={(event) => {
              if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
              event.preventDefault();
              navigate(tab.href, { replace: true });
            }}
            onKeyDown={(event) => keydown(event, index)}
          >
            {tab.label}
          </a>
        );
      })}
    </div>
  );
}

/** The panel the selected tab shows. */
export function TabPanel({ tab, children }: { tab: string; children: JSX.Element | JSX.Element[] | null }) {
  return (
    <section id="pc-tabpanel" role="tabpanel" aria-labelledby={`pc-tab-${tab}`} class="pc-tabpanel">
      {children}
    </section>
  );
}
