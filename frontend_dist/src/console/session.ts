/** The signed-in user, shared by every page (`useSession`); the shell loads it and keeps it current. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Me, Org } from "./types";

export interface Session {
  /** The signed-in user; null when signed out. */
  me: Me | null;
  /** The orgs the user belongs to (for menus and owner pickers). */
  orgs: Org[];
  /** Load the user and their orgs again (after signing in, creating or leaving an org...). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session>({
  me: null,
  orgs: [],
  refresh: async () => {},
  signOut: async () => {},
});

export function useSession(): Session {
  return useContext(SessionContext);
}
