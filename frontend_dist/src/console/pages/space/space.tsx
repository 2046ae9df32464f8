/**
 * The Space page (`/spaces/OWNER/NAME/TAB`): the header, kept live by polling the Space, and its tabs: app,
 * logs, revisions, then settings (space.admin) and links (space.write), which are not offered to those who may
 * not use them. A Space the API answers 404 for (or a tab that does not exist) shows the not-found page.
 */
import { api } from "../../api";
import { POLL_MS, useResource, useTitle } from "../../hooks";
import type { Space } from "../../types";
import { Loaded, NotFound } from "../../ui/misc";
import { TabPanel, Tabs } from "../../ui/tabs";
import { AppTab } from "./app-tab";
import { LinksTab } from "./links-tab";
import { LogsTab } from "./logs-tab";
import { RevisionsTab } from "./revisions-tab";
import { SettingsTab } from "./settings-tab";
import { SpaceHeader } from "./space-header";
import { closedTabNote, isTab, mayOpen, TAB_LABEL, tabsFor, type TabId } from "./space-logic";
import { spaceApi } from "./types";
import "./space.css";

interface SpacePageProps {
  owner: string;
  name: string;
  tab: string;
}

function TabContent({ tab, space, onChange }: { tab: TabId; space: Space; onChange: (space: Space) => void }) {
  switch (tab) {
    case "app":
      return <AppTab space={space} />;
    case "logs":
      return <LogsTab space={space} />;
    case "revisions":
      return <RevisionsTab space={space} />;
    case "settings":
      return <SettingsTab space={space} onChange={onChange} />;
    case "links":
      return <LinksTab space={space} />;
  }
}

function SpaceView({ space, tab, onChange }: { space: Space; tab: TabId; onChange: (space: Space) => void }) {
  useTitle(`${space.owner}/${space.name}`);
  const base = `/spaces/${encodeURIComponent(space.owner)}/${encodeURIComponent(space.name)}`;
  const tabs = tabsFor(space.can).map((id) => ({ id, label: TAB_LABEL[id], href: id === "app" ? base : `${base}/${id}` }));
  const open = mayOpen(tab, space.can);
  return (
    <>
      <SpaceHeader space={space} onChange={onChange} />
      <Tabs tabs={tabs} selected={tab} label="Space" />
      <TabPanel tab={tab}>
        {open ? (
          <TabContent tab={tab} space={space} onChange={onChange} />
        ) : (
          <p class="pc-warning" data-testid="tab-closed">
            {closedTabNote(tab)}
          </p>
        )}
      </TabPanel>
    </>
  );
}

export function SpacePage({ owner, name, tab }: SpacePageProps) {
  const space = useResource(() => api.get<Space>(spaceApi(owner, name)), `${owner}/${name}`, { poll: POLL_MS });
  if (!isTab(tab)) return <NotFound />;
  return (
    <Loaded resource={space} what="Space">
      {(data) => <SpaceView space={data} tab={tab} onChange={space.setData} />}
    </Loaded>
  );
}
