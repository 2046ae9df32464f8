/** The API's shapes that only the Space page reads, and the paths of one Space's API. */
import { seg } from "../../api";

/** `/api/spaces/OWNER/NAME` (escaped), the root of every request about one Space. */
export function spaceApi(owner: string, name: string): string {
  return `/api/spaces/${seg(owner)}/${seg(name)}`;
}

/** One entry of a Space's stage history (`GET .../stages`). */
export interface StageEvent {
  stage: string;
  message: string;
  at: string;
}

/** A revision (`GET .../revisions`). */
export interface Revision {
  number: number;
  manifest_digest: string;
  message: string;
  files: number;
  size: number;
  sdk: string | null;
  created_at: string;
}

export type BuildStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** An image build of a revision (`GET .../builds`). */
export interface Build {
  id: number;
  revision: number;
  status: BuildStatus;
  attempts: number;
  image: string | null;
  error: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** What a push or a rollback made (`POST .../rollback`). */
export interface RevisionCreated {
  revision: Revision;
  build: Build | null;
  stage: string;
  stage_message: string;
}

/** A deep link of the Space (`GET .../deep-links`), without its snapshot. */
export interface DeepLink {
  id: string;
  url: string;
  created_at: string;
  expires_at: string;
  size_bytes: number;
  app_revision: string;
  space_revision: number | null;
  open_count: number;
  last_opened_at: string | null;
  labels: string[];
}

export type ShareLinkStatus = "active" | "expired" | "revoked";

/** A share link of the Space (`GET .../share-links`), never its secret. */
export interface ShareLink {
  id: string;
  label: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  use_count: number;
  status: ShareLinkStatus;
}

/** A new share link (`POST .../share-links`): its URL holds the secret, shown this once. */
export interface NewShareLink {
  id: string;
  url: string;
  token: string;
  label: string;
  created_at: string;
  expires_at: string;
}

/** A secret of the Space: its name and dates, never its value. */
export interface SecretItem {
  name: string;
  created_at: string;
  updated_at: string;
}

/** A plain environment variable of the Space. */
export interface VariableItem {
  name: string;
  value: string;
  created_at: string;
}

/** An org's limits and usage (`GET /api/orgs/ORG/quota`). */
export interface Quota {
  org: string;
  max_spaces: number;
  max_gpus: number;
  custom: boolean;
  spaces: number;
  gpus_in_use: number;
}
