/** The account page (`/account`, `/account/TAB`): who you are, and the tabs that manage your own account. */
import { useSession } from "../../session";
import { NotFound, Spinner } from "../../ui/misc";
import { TabPanel, Tabs } from "../../ui/tabs";
import { useTitle } from "../../hooks";
import { ActivityTab } from "./activity";
import { IdentitiesTab } from "./identities";
import { ACCOUNT_TABS, isAccountTab, tabHref, type AccountTab } from "./model";
import { ProfileTab } from "./profile";
import { ShareLinksTab } from "./share-links";
import { TokensTab } from "./tokens";
import "./account.css";

function panel(tab: AccountTab) {
  switch (tab) {
    case "profile":
      return <ProfileTab />;
    case "identities":
      return <IdentitiesTab />;
    case "tokens":
      return <TokensTab />;
    case "share-links":
      return <ShareLinksTab />;
    case "activity":
      return <ActivityTab />;
  }
}

export function AccountPage({ tab }: { tab: string }) {
  const { me } = useSession();
  const known = isAccountTab(tab);
  const label = known ? ACCOUNT_TABS.find((t) => t.id === tab)?.label : "";
  useTitle(known ? `${label} · Account` : "Not found");
  if (!known) return <NotFound />;
  if (!me) return <Spinner />;
  return (
    <div class="pc-account">
      <header class="pc-page-header">
        <div>
          <h1>Your account</h1>
          <p data-testid="account-who">
            {me.display_name ? (
              <>
                <strong class="pc-account-name">{me.display_name}</strong> · @{me.username}
              </>
            ) : (
              <>@{me.username}</>
            )}
            {me.site_admin && <span class="pc-badge pc-account-admin">site admin</span>}
          </p>
        </div>
      </header>
      <Tabs label="Account" selected={tab} tabs={ACCOUNT_TABS.map((t) => ({ id: t.id, label: t.label, href: tabHref(t.id) }))} />
      <TabPanel tab={tab}>{panel(tab)}</TabPanel>
    </div>
  );
}
