/** The API's shapes that only the org pages read (routes_orgs, routes_invitations, routes_teams, quota, audit). */
import type { Org, Role } from "../../types";

/** What every tab of the org page gets. */
export interface OrgTabProps {
  org: Org;
  /** Replace the org shown (after a change returned it). */
  setOrg: (org: Org) => void;
}

/** `MemberOut`: a member of an org. */
export interface Member {
  username: string;
  display_name: string;
  role: Role;
  joined: string;
}

/** `InvitationOut`: a pending invitation (never its token). */
export interface Invitation {
  public_id: string;
  email: string | null;
  role: Role;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
}

/** `InvitationCreated`: the new invitation with its link, shown once. */
export interface InvitationCreated extends Invitation {
  token: string;
  accept_url: string;
}

/** `TeamOut`. */
export interface Team {
  name: string;
  description: string;
  created_at: string;
}

/** `TeamMemberOut`. */
export interface TeamMember {
  username: string;
  display_name: string;
  added: string;
}

/** `GrantOut`: a team's role on one Space of the org, or on all of them (`*`). */
export interface Grant {
  space: string;
  role: Role;
}

/** `TeamDetail`: a team with its members and grants. */
export interface TeamDetail extends Team {
  members: TeamMember[];
  grants: Grant[];
}

/** `QuotaOut`: an org's limits and what it uses now. */
export interface Quota {
  org: string;
  max_spaces: number;
  max_gpus: number;
  /** False: the defaults apply. */
  custom: boolean;
  spaces: number;
  gpus_in_use: number;
}

/** `AuditEventOut`: one audited action. */
export interface AuditEvent {
  id: number;
  created_at: string;
  org: string | null;
  actor: string;
  via: string;
  action: string;
  target_kind: string;
  target: string;
  ip: string | null;
  details: Record<string, unknown>;
}
