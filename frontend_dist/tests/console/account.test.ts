import { describe, expect, it } from "vitest";
import {
  ACCOUNT_TABS,
  DEFAULT_SCOPES,
  isAccountTab,
  loginCommand,
  passwordMismatch,
  profileChanges,
  providerLabel,
  shortUrl,
  sortScopes,
  tabHref,
  toggleScope,
  tokenRequest,
  tokenStatus,
  unlinkedProviders,
  type Identity,
  type Provider,
  type Token,
} from "../../src/console/pages/account/model";

describe("account tabs", () => {
  it("knows its tabs and their URLs", () => {
    expect(ACCOUNT_TABS.map((t) => t.id)).toEqual(["profile", "identities", "tokens", "share-links", "activity"]);
    expect(isAccountTab("tokens")).toBe(true);
    expect(isAccountTab("sessions")).toBe(false);
    expect(isAccountTab("")).toBe(false);
    expect(tabHref("profile")).toBe("/account");
    expect(tabHref("share-links")).toBe("/account/share-links");
  });
});

describe("profile", () => {
  const me = { display_name: "Ada", email: "ada@example.com" };

  it("sends only what changed, trimmed", () => {
    expect(profileChanges(me, { display_name: "Ada", email: "ada@example.com" })).toEqual({});
    expect(profileChanges(me, { display_name: "  Ada L. ", email: "ada@example.com" })).toEqual({ display_name: "Ada L." });
    expect(profileChanges(me, { display_name: "Ada", email: " new@example.com " })).toEqual({ email: "new@example.com" });
    expect(profileChanges(me, { display_name: "Ada ", email: "ada@example.com " })).toEqual({});
  });

  it("treats an empty email box as no change when there is no email, and as a change (for the API to refuse) otherwise", () => {
    expect(profileChanges({ display_name: "", email: null }, { display_name: "", email: "" })).toEqual({});
    expect(profileChanges(me, { display_name: "Ada", email: "" })).toEqual({ email: "" });
  });

  it("checks the new password's two copies", () => {
    expect(passwordMismatch("", "")).toMatch(/Type the new password/);
    expect(passwordMismatch("long enough one", "long enough two")).toMatch(/differ/);
    expect(passwordMismatch("long enough one", "long enough one")).toBe("");
  });
});

describe("token scopes", () => {
  it("ticks the scopes below one and clears those above", () => {
    expect(toggleScope([], "admin", true)).toEqual(["read", "write", "admin"]);
    expect(toggleScope(["read"], "write", true)).toEqual(["read", "write"]);
    expect(toggleScope(["read", "write", "admin"], "write", false)).toEqual(["read"]);
    expect(toggleScope(["read", "write"], "read", false)).toEqual([]);
    expect(toggleScope(["read", "write", "admin"], "admin", false)).toEqual(["read", "write"]);
  });

  it("lists scopes in rank order", () => {
    expect(sortScopes(["admin", "read", "write"])).toEqual(["read", "write", "admin"]);
    expect(sortScopes(["write"])).toEqual(["write"]);
  });

  it("defaults to what pushing needs", () => {
    expect([...DEFAULT_SCOPES]).toEqual(["read", "write"]);
  });
});

describe("token request", () => {
  const draft = { name: " laptop ", scopes: ["read" as const], expires: "30" as const, org: "" };

  it("builds the API's body, leaving out an unset org", () => {
    expect(tokenRequest(draft)).toEqual({ body: { name: "laptop", scopes: ["read"], expires_in_days: 30 } });
    expect(tokenRequest({ ...draft, org: "acme", expires: "365" })).toEqual({
      body: { name: "laptop", scopes: ["read"], expires_in_days: 365, org: "acme" },
    });
  });

  it("says what to fix", () => {
    expect(tokenRequest({ ...draft, name: "   " })).toEqual({ error: expect.stringMatching(/name/) });
    expect(tokenRequest({ ...draft, name: "x".repeat(101) })).toEqual({ error: expect.stringMatching(/100/) });
    expect(tokenRequest({ ...draft, scopes: [] })).toEqual({ error: expect.stringMatching(/scope/) });
  });

  it("tells active, expired and revoked tokens apart", () => {
    const now = Date.parse("2025-01-10T00:00:00Z");
    const token: Token = {
      public_id: "t1", name: "x", prefix: "pdm_ab", scopes: ["read"], org: null,
      created_at: "2025-01-01T00:00:00Z", expires_at: "2025-02-01T00:00:00Z", last_used_at: null,
      revoked: false, revoked_at: null,
    };
    expect(tokenStatus(token, now)).toBe("active");
    expect(tokenStatus({ ...token, expires_at: null }, now)).toBe("active");
    expect(tokenStatus({ ...token, expires_at: "2025-01-09T00:00:00Z" }, now)).toBe("expired");
    expect(tokenStatus({ ...token, revoked: true, expires_at: "2025-01-09T00:00:00Z" }, now)).toBe("revoked");
  });

  it("gives the CLI command that reads the token from stdin", () => {
    expect(loginCommand("https://podium.example.com")).toBe("podium login --server https://podium.example.com --token -");
  });
});

describe("identities and links", () => {
  const providers: Provider[] = [
    { name: "github", display_name: "GitHub", login_url: "/api/auth/oidc/github/login" },
    { name: "corp", display_name: "", login_url: "/api/auth/oidc/corp/login" },
  ];
  const identity = (provider: string): Identity => ({
    id: 1, provider, email: null, created_at: "2025-01-01T00:00:00Z", last_login_at: null,
  });

  it("offers the providers not linked yet", () => {
    expect(unlinkedProviders(providers, []).map((p) => p.name)).toEqual(["github", "corp"]);
    expect(unlinkedProviders(providers, [identity("github")]).map((p) => p.name)).toEqual(["corp"]);
    expect(unlinkedProviders(providers, [identity("github"), identity("corp"), identity("gone")])).toEqual([]);
  });

  it("names providers for people, falling back to their id", () => {
    expect(providerLabel(providers, "github")).toBe("GitHub");
    expect(providerLabel(providers, "corp")).toBe("corp");
    expect(providerLabel(providers, "gone")).toBe("gone");
  });

  it("shortens link URLs for display", () => {
    expect(shortUrl("https://abc123.share.example.com/")).toBe("abc123.share.example.com");
    expect(shortUrl("http://abc.share.localhost:8080")).toBe("abc.share.localhost:8080");
  });
});
