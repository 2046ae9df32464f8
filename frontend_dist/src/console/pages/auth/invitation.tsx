/**
 * An invitation link (`/invitations/TOKEN`): what it invites to (org, role, who invited, until when), and for a
 * signed-in visitor an "Accept" button that joins the org; a signed-out one signs in (or creates an account, which
 * joins the org as part of signing up) and comes back. An unknown (404) or spent (410) link says so plainly.
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { useResource, useTitle } from "../../hooks";
import { Link, navigate } from "../../router";
import { useSession } from "../../session";
import { Button, errorText } from "../../ui/button";
import { RoleBadge } from "../../ui/badge";
import { FormError } from "../../ui/form";
import { Spinner, Time } from "../../ui/misc";
import { withNext } from "./next";
import type { InvitationAccepted, InvitationPreview } from "./types";
import "./auth.css";

function Accept({ token, preview }: { token: string; preview: InvitationPreview }) {
  const { me, refresh, signOut } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const here = `/invitations/${seg(token)}`;

  if (!me) {
    const signup = `/signup?invitation=${encodeURIComponent(token)}`;
    return (
      <div class="pc-auth-actions">
        <p>Sign in to accept it, or create an account (which joins {preview.org} as you sign up).</p>
        <div class="pc-row">
          <Link class="pc-button pc-button-primary" href={withNext("/login", here)}>
            Sign in to accept
          </Link>
          <Link class="pc-button pc-button-secondary" href={withNext(signup, `/orgs/${seg(preview.org)}`)}>
            Create an account
          </Link>
        </div>
      </div>
    );
  }

  const accept = async () => {
    setBusy(true);
    setError("");
    try {
      const joined = await api.post<InvitationAccepted>(`/api/invitations/${seg(token)}/accept`);
      await refresh();
      navigate(`/orgs/${seg(joined.org)}`);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };
  return (
    <div class="pc-auth-actions">
      <FormError error={error} />
      <Button variant="primary" busy={busy} onClick={() => void accept()}>
        Accept and join {preview.org}
      </Button>
      <p class="pc-muted">
        You are signed in as <strong>{me.username}</strong>. Not you?{" "}
        <button type="button" class="pc-link-button pc-inline-link" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    </div>
  );
}

export function InvitationPage({ token }: { token: string }) {
  useTitle("Invitation");
  const preview = useResource(() => api.get<InvitationPreview>(`/api/invitations/${seg(token)}`), token);

  let body;
  if (preview.data) {
    const invite = preview.data;
    body = (
      <>
        <h1>Join {invite.org_display_name || invite.org}</h1>
        <p>
          {invite.invited_by ? <strong>{invite.invited_by}</strong> : "An admin"} invited you to the org{" "}
          <strong class="pc-mono">{invite.org}</strong> with the role <RoleBadge role={invite.role} />.
        </p>
        <p class="pc-muted">
          The link works until <Time iso={invite.expires_at} /> and only once.
        </p>
        <Accept token={token} preview={invite} />
      </>
    );
  } else if (preview.error) {
    const spent = preview.error.status === 404 || preview.error.status === 410;
    body = (
      <>
        <h1>{spent ? "This invitation cannot be used" : "Invitation"}</h1>
        <p class="pc-error-note" role="alert" data-testid="invitation-error">
          {errorText(preview.error)}
        </p>
        <p>
          <Link href="/">Go to your Spaces</Link>
        </p>
      </>
    );
  } else body = <Spinner />;

  return (
    <div class="pc-narrow pc-auth">
      <div class="pc-card pc-auth-card">{body}</div>
    </div>
  );
}
