/** The API's shapes that more than one page of the console reads (each page folder keeps its own others). */

export type Role = "read" | "write" | "admin" | "owner";
export type Visibility = "public" | "org" | "private";

/** The signed-in user (`GET /api/user`). */
export interface Me {
  username: string;
  display_name: string;
  email: string | null;
  site_admin: boolean;
  has_password: boolean;
  created_at: string;
}

export type Stage =
  | "NO_APP_FILE"
  | "CONFIG_ERROR"
  | "BUILDING"
  | "BUILD_ERROR"
  | "APP_STARTING"
  | "RUNNING"
  | "RUNNING_BUILDING"
  | "RUNTIME_ERROR"
  | "SLEEPING"
  | "PAUSED"
  | "STOPPED"
  | "DELETING"
  | "WAITING_FOR_HARDWARE";

/** A Space (`SpaceOut`); `can` lists what the caller may do beyond reading it. */
export interface Space {
  owner: string;
  name: string;
  title: string;
  sdk: string;
  visibility: Visibility;
  hardware: string;
  sleep_time: number;
  desired_state: string;
  stage: Stage;
  stage_message: string;
  url: string;
  latest_revision: number | null;
  serving_revision: number | null;
  deep_link_retention_days: number;
  created_at: string;
  updated_at: string;
  can: string[];
}

/** An org (`OrgOut`), with the caller's role in it (null when not a member) and what they may do. */
export interface Org {
  name: string;
  display_name: string;
  description: string;
  created_at: string;
  role: Role | null;
  can: string[];
}

/** What the nodes can still take (`GET /api/hardware/capacity`); `observed_at` is null until the reconciler read it. */
export interface Capacity {
  observed_at: string | null;
  backend: string;
  flavors: { name: string; gpu_type: string | null; gpu_count: number; free: number }[];
}

/** A hardware flavor (`GET /api/hardware`). */
export interface Flavor {
  name: string;
  display_name: string;
  cpu: number;
  memory_mb: number;
  gpu_type: string | null;
  gpu_count: number;
  available: boolean;
}
