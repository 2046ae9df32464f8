import { describe, expect, it } from "vitest";
import {
  auditPath,
  dayEndIso,
  dayStartIso,
  detailsSummary,
  filtersFromQuery,
  filtersToQuery,
  grantLabel,
  grantSpaceProblem,
  hasFilters,
  isOrgTab,
  limitProblem,
  managesOwners,
  mayChangeRole,
  mayRemove,
  nameProblem,
  NO_FILTERS,
  roleChoices,
  seesInside,
  teamHref,
  usage,
  visibleTabs,
} from "../../src/console/pages/org/logic";

const ALL = [
  "org.update",
  "org.delete",
  "org.members.read",
  "org.members.invite",
  "org.members.set_role",
  "org.members.remove",
  "org.teams.read",
  "org.teams.manage",
  "org.audit.read",
  "org.spaces.create",
];
const READ = ["org.members.read", "org.teams.read"];
const ADMIN = ALL.filter((a) => a !== "org.delete");

describe("names", () => {
  it("accepts what the API's NAME_PATTERN accepts", () => {
    for (const ok of ["a", "acme", "acme-2", "a1", "x".repeat(39)]) expect(nameProblem(ok)).toBe("");
  });

  it("refuses the rest, saying why", () => {
    expect(nameProblem("")).toMatch(/Pick a name/);
    expect(nameProblem("x".repeat(40))).toMatch(/39/);
    for (const bad of ["Acme", "-acme", "acme-", "ac me", "acme_1", "ac.me", "é"]) {
      expect(nameProblem(bad)).toMatch(/Lower-case/);
    }
  });

  it("checks grant keys: a Space name or *", () => {
    expect(grantSpaceProblem("*")).toBe("");
    expect(grantSpaceProblem("my-space")).toBe("");
    expect(grantSpaceProblem("")).toMatch(/every Space/);
    expect(grantSpaceProblem("../etc")).toMatch(/Space name/);
    expect(grantSpaceProblem("**")).toMatch(/Space name/);
    expect(grantLabel("*")).toMatch(/every Space/);
    expect(grantLabel("demo")).toBe("demo");
  });

  it("links a team inside the teams tab, escaped", () => {
    expect(teamHref("acme")).toBe("/orgs/acme/teams");
    expect(teamHref("acme", "ml team")).toBe("/orgs/acme/teams?team=ml%20team");
  });
});

describe("tabs and controls follow `can`", () => {
  it("gives owners every tab, in order", () => {
    expect(visibleTabs(ALL)).toEqual(["members", "invitations", "teams", "quota", "audit", "settings"]);
  });

  it("gives read members members, teams and quota only", () => {
    expect(visibleTabs(READ)).toEqual(["members", "teams", "quota"]);
  });

  it("gives outsiders no tabs at all", () => {
    expect(visibleTabs([])).toEqual([]);
    expect(visibleTabs(["org.audit.read"])).toEqual([]); // never without members.read
    expect(seesInside({ can: [] })).toBe(false);
    expect(seesInside({ can: READ })).toBe(true);
  });

  it("shows settings to admins (update) though only owners delete", () => {
    expect(visibleTabs(ADMIN)).toContain("settings");
  });

  it("knows the tab names", () => {
    expect(isOrgTab("audit")).toBe(true);
    expect(isOrgTab("secrets")).toBe(false);
    expect(isOrgTab("")).toBe(false);
  });

  it("lets only owners and site admins manage owners", () => {
    expect(managesOwners({ role: "owner" }, { site_admin: false })).toBe(true);
    expect(managesOwners({ role: "admin" }, { site_admin: false })).toBe(false);
    expect(managesOwners({ role: null }, { site_admin: true })).toBe(true);
    expect(managesOwners({ role: "admin" }, null)).toBe(false);
    expect(roleChoices(true)).toContain("owner");
    expect(roleChoices(false)).not.toContain("owner");
  });

  it("offers a role picker only where the API would allow a change", () => {
    const admin = { can: ADMIN };
    expect(mayChangeRole(admin, { role: "write" }, false)).toBe(true);
    expect(mayChangeRole(admin, { role: "owner" }, false)).toBe(false);
    expect(mayChangeRole(admin, { role: "owner" }, true)).toBe(true);
    expect(mayChangeRole({ can: READ }, { role: "read" }, false)).toBe(false);
  });

  it("offers Remove for others only (yourself: Leave)", () => {
    const admin = { can: ADMIN };
    expect(mayRemove(admin, { role: "read", username: "bo" }, false, "al")).toBe(true);
    expect(mayRemove(admin, { role: "read", username: "al" }, false, "al")).toBe(false);
    expect(mayRemove(admin, { role: "owner", username: "bo" }, false, "al")).toBe(false);
    expect(mayRemove(admin, { role: "owner", username: "bo" }, true, "al")).toBe(true);
    expect(mayRemove({ can: READ }, { role: "read", username: "bo" }, false, "al")).toBe(false);
  });
});

describe("audit filters in the URL", () => {
  it("reads the filters from the query, ignoring others and bad days", () => {
    const query = new URLSearchParams("action=team.*&actor=al&target=acme%2Fml&since=2024-05-01&until=2024-02-31&x=1");
    expect(filtersFromQuery(query)).toEqual({
      action: "team.*",
      actor: "al",
      target: "acme/ml",
      since: "2024-05-01",
      until: "",
    });
    expect(filtersFromQuery(new URLSearchParams("since=yesterday"))).toEqual(NO_FILTERS);
  });

  it("writes only the filters that are set", () => {
    expect(filtersToQuery(NO_FILTERS)).toBe("");
    expect(filtersToQuery({ ...NO_FILTERS, actor: " al ", since: "2024-05-01" })).toBe("?actor=al&since=2024-05-01");
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, target: "x" })).toBe(true);
  });

  it("round-trips", () => {
    const filters = { action: "org.*", actor: "bo", target: "a b&c", since: "2024-01-31", until: "2024-02-29" };
    expect(filtersFromQuery(new URLSearchParams(filtersToQuery(filters)))).toEqual(filters);
  });

  it("turns local days into the API's times: since at the day's start, until after the day's end", () => {
    expect(dayStartIso("2024-05-01")).toBe(new Date(2024, 4, 1).toISOString());
    expect(dayEndIso("2024-05-31")).toBe(new Date(2024, 5, 1).toISOString());
    expect(dayEndIso("2024-12-31")).toBe(new Date(2025, 0, 1).toISOString());
    expect(dayStartIso("2024-02-30")).toBeNull();
    expect(dayStartIso("2024-5-1")).toBeNull();
    expect(dayStartIso("")).toBeNull();
    expect(dayStartIso("2024-05-01T00:00")).toBeNull();
  });

  it("builds the API path with the filters, the cursor and the org escaped", () => {
    const path = auditPath("acme", { ...NO_FILTERS, action: "team.*", since: "2024-05-01" }, "abc");
    const url = new URL(path, "http://x");
    expect(url.pathname).toBe("/api/orgs/acme/audit");
    expect(url.searchParams.get("action")).toBe("team.*");
    expect(url.searchParams.get("since")).toBe(new Date(2024, 4, 1).toISOString());
    expect(url.searchParams.get("until")).toBeNull();
    expect(url.searchParams.get("cursor")).toBe("abc");
    expect(url.searchParams.get("limit")).toBe("50");
    expect(auditPath("a/b", NO_FILTERS, null)).toBe("/api/orgs/a%2Fb/audit?limit=50");
  });

  it("sums up an event's details on one line", () => {
    expect(detailsSummary({})).toBe("");
    expect(detailsSummary({ org: "acme", role: "admin", email: null })).toBe("org: acme, role: admin");
    expect(detailsSummary({ after: { max_spaces: 3, max_gpus: 1 } })).toBe("after: {max_spaces: 3, max_gpus: 1}");
    expect(detailsSummary({ fields: ["description", "display_name"] })).toBe("fields: [description, display_name]");
    const long = detailsSummary({ text: "x".repeat(200) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("quota", () => {
  it("measures usage for a bar", () => {
    expect(usage(3, 10)).toEqual({ percent: 30, label: "3 of 10", level: "ok" });
    expect(usage(8, 10).level).toBe("high");
    expect(usage(10, 10)).toEqual({ percent: 100, label: "10 of 10", level: "full" });
    expect(usage(12, 10).percent).toBe(100); // a limit lowered below what runs
    expect(usage(0, 0)).toEqual({ percent: 0, label: "0 of 0", level: "ok" });
    expect(usage(1, 0).level).toBe("full");
  });

  it("checks a limit as the API does (a whole number up to its bound)", () => {
    expect(limitProblem("0", 10)).toBe("");
    expect(limitProblem("10", 10)).toBe("");
    expect(limitProblem("11", 10)).toMatch(/At most 10/);
    for (const bad of ["", "-1", "1.5", "1e3", "ten"]) expect(limitProblem(bad, 10)).toMatch(/whole number/);
  });
});
