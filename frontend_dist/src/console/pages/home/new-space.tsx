/**
 * New Space (`/new`, `/new?owner=ORG`): the form, then the created Space with the exact commands that upload an
 * app to it and a link to its page, where the build shows once pushed.
 */
import { useState } from "preact/hooks";
import { useTitle } from "../../hooks";
import { Link, useRoute } from "../../router";
import { useSession } from "../../session";
import { StageBadge } from "../../ui/badge";
import { Button } from "../../ui/button";
import { Spinner } from "../../ui/misc";
import { NewSpaceForm } from "./new-space-form";
import { PushHelp } from "./push-help";
import { spaceHref } from "./space-card";
import { creatableOwners } from "./space-form";
import type { Sdk, Space } from "./types";
import "./home.css";

function Created({ space, onAnother }: { space: Space; onAnother: () => void }) {
  const full = `${space.owner}/${space.name}`;
  return (
    <section class="pc-card pc-created" aria-labelledby="pc-created-title" data-testid="space-created">
      <div class="pc-section-header">
        <h2 id="pc-created-title">
          Created <span class="pc-mono">{full}</span>
        </h2>
        <StageBadge stage={space.stage} message={space.stage_message} />
      </div>
      <p>It has no app yet. Upload one from your machine:</p>
      <PushHelp owner={space.owner} name={space.name} title={space.title} sdk={space.sdk as Sdk} />
      <div class="pc-row">
        <Link class="pc-button pc-button-primary" href={spaceHref(space)}>
          Open {full}
        </Link>
        <Button onClick={onAnother}>Create another Space</Button>
      </div>
    </section>
  );
}

export function NewSpacePage() {
  useTitle("New Space");
  const { me, orgs } = useSession();
  const { query } = useRoute();
  const [created, setCreated] = useState<Space | null>(null);
  const [formKey, setFormKey] = useState(0);
  if (!me) return <Spinner />;

  const owners = creatableOwners(me.username, orgs);
  const asked = query.get("owner") ?? "";
  const another = () => {
    setCreated(null);
    setFormKey(formKey + 1);
  };
  return (
    <>
      <div class="pc-page-header">
        <div>
          <h1>New Space</h1>
          <p>A Space runs your app at its own URL, for the people you choose.</p>
        </div>
      </div>
      {created ? (
        <Created space={created} onAnother={another} />
      ) : (
        <NewSpaceForm
          key={formKey}
          owners={owners}
          initialOwner={owners.includes(asked) ? asked : me.username}
          orgNames={new Set(orgs.map((org) => org.name))}
          onCreated={setCreated}
        />
      )}
    </>
  );
}
