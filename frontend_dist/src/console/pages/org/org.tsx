/**
 * The org page (`/orgs/ORG/TAB`): the org's name and description, then, for its members, the tabs their role
 * allows (`OrgOut.can`); outsiders see the public profile only. A tab opened by URL that the caller may not use
 * still asks the API, which says why not (its 403 message).
 */
import { api, seg } from "../../api";
import { POLL_MS, useResource, useTitle } from "../../hooks";
import { Link } from "../../router";
import type { Org } from "../../types";
import type { OrgTabProps } from "./types";
import { RoleBadge } from "../../ui/badge";
import { Loaded, NotFound } from "../../ui/misc";
import { TabPanel, Tabs } from "../../ui/tabs";
import { AuditTab } from "./audit";
import { InvitationsTab } from "./invitations";
import { isOrgTab, ORG_TABS, seesInside, visibleTabs, type OrgTab } from "./logic";
import { MembersTab } from "./members";
import { PublicProfile } from "./profile";
import { QuotaTab } from "./quota";
import { SettingsTab } from "./settings";
import { TeamsTab } from "./teams";
import "./org.css";

export function OrgPage({ org, tab }: { org: string; tab: string }) {
  // Polled: a role changed elsewhere (a demotion, say) changes the controls without a reload.
  const resource = useResource(() => api.get<Org>(`/api/orgs/${seg(org)}`), org, { poll: POLL_MS });
  useTitle(resource.data ? resource.data.display_name || resource.data.name : org);
  return (
    <Loaded resource={resource} what="org">
      {(data) => <OrgView org={data} tab={tab} setOrg={resource.setData} />}
    </Loaded>
  );
}

function OrgView({ org, tab, setOrg }: { org: Org; tab: string; setOrg: (org: Org) => void }) {
  if (!isOrgTab(tab)) return <NotFound what="page" />;
  const inside = seesInside(org);
  const tabs = visibleTabs(org.can);
  const base = `/orgs/${seg(org.name)}`;
  return (
    <div class="pc-org">
      <header class="pc-page-header">
        <div>
          <h1>
            {org.display_name || org.name} {org.role && <RoleBadge role={org.role} />}
          </h1>
          <p class="pc-mono">{org.name}</p>
          {org.description && <p class="pc-org-description">{org.description}</p>}
        </div>
        {inside && (
          <div class="pc-row">
            <Link class="pc-button pc-button-secondary" href={`/?owner=${seg(org.name)}`}>
              Spaces
            </Link>
            {org.can.includes("org.spaces.create") && (
              <Link class="pc-button pc-button-primary" href={`/new?owner=${seg(org.name)}`}>
                New Space
              </Link>
            )}
          </div>
        )}
      </header>
      {inside ? (
        <>
          <Tabs
            label={`${org.name} sections`}
            selected={tab}
            tabs={ORG_TABS.filter((t) => tabs.includes(t.id)).map((t) => ({
              id: t.id,
              label: t.label,
              href: `${base}/${t.id}`,
            }))}
          />
          <TabPanel tab={tab}>{panel(tab, { org, setOrg })}</TabPanel>
        </>
      ) : (
        <PublicProfile org={org} />
      )}
    </div>
  );
}

function panel(tab: OrgTab, props: OrgTabProps) {
  switch (tab) {
    case "members":
      return <MembersTab {...props} />;
    case "invitations":
      return <InvitationsTab {...props} />;
    case "teams":
      return <TeamsTab {...props} />;
    case "quota":
      return <QuotaTab {...props} />;
    case "audit":
      return <AuditTab {...props} />;
    case "settings":
      return <SettingsTab {...props} />;
  }
}
