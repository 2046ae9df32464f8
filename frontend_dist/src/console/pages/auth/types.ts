/** The API's shapes the sign-in pages read. */
import type { Role } from "../../types";

/** An identity provider (`GET /api/auth/providers`). */
export interface Provider {
  name: string;
  display_name: string;
  /** Send the browser here, with `?next=/path` to come back to a page. */
  login_url: string;
}

/** `GET /api/auth/setup`. */
export interface SetupState {
  /** False until the first account (the site admin) signs up. */
  has_users: boolean;
  signup: "open" | "closed";
}

/** `GET /api/invitations/{token}`: what a link invites to. */
export interface InvitationPreview {
  org: string;
  org_display_name: string;
  role: Role;
  invited_by: string | null;
  expires_at: string;
}

/** `POST /api/invitations/{token}/accept`. */
export interface InvitationAccepted {
  org: string;
  role: Role;
}
