import { describe, expect, it } from "vitest";
import { providerFailure, providerHref, signInTarget, spaceOf, withNext } from "../../src/console/pages/auth/next";

describe("where sign-in goes next", () => {
  it("routes to console pages inside the app", () => {
    expect(signInTarget("/spaces/acme/demo/logs?x=1")).toEqual({ path: "/spaces/acme/demo/logs?x=1", fullLoad: false });
    expect(signInTarget(null)).toEqual({ path: "/", fullLoad: false });
  });

  it("loads the API's redirecting steps as pages", () => {
    const space = "/api/auth/space-login?space=acme%2Fdemo&next=%2F";
    expect(signInTarget(space)).toEqual({ path: space, fullLoad: true });
    const authorize = "/oauth/authorize?client_id=c&redirect_uri=http%3A%2F%2Fa%2Fcb";
    expect(signInTarget(authorize)).toEqual({ path: authorize, fullLoad: true });
  });

  it("sends other API paths and other sites home", () => {
    expect(signInTarget("/api/user/tokens")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("/api/auth/space-login-evil")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("/_console/assets/x.js")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("/.well-known/openid-configuration")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("//evil.example/api/auth/space-login")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("https://evil.example/")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("/login?next=%2Fnew")).toEqual({ path: "/", fullLoad: false });
    expect(signInTarget("/setup")).toEqual({ path: "/", fullLoad: false });
  });

  it("adds next only when it is not home", () => {
    expect(withNext("/signup", "/spaces/a/b?t=1")).toBe("/signup?next=%2Fspaces%2Fa%2Fb%3Ft%3D1");
    expect(withNext("/signup?invitation=x", "/orgs/a")).toBe("/signup?invitation=x&next=%2Forgs%2Fa");
    expect(withNext("/login", "/")).toBe("/login");
    expect(withNext("/login", "//evil.example")).toBe("/login");
  });

  it("gives provider links a next", () => {
    expect(providerHref("/api/auth/oidc/corp/login", "/new")).toBe("/api/auth/oidc/corp/login?next=%2Fnew");
    expect(providerHref("/api/auth/oidc/corp/login", null)).toBe("/api/auth/oidc/corp/login?next=%2F");
    expect(providerHref("/x?a=1", "https://evil.example")).toBe("/x?a=1&next=%2F");
  });

  it("names the Space a Space sign-in is for", () => {
    expect(spaceOf("/api/auth/space-login?space=acme%2Fdemo&next=%2Fx")).toBe("acme/demo");
    expect(spaceOf("/api/auth/space-login?space=%3Cb%3E")).toBeNull();
    expect(spaceOf("/spaces/acme/demo")).toBeNull();
    expect(spaceOf(null)).toBeNull();
  });
});

describe("providerFailure", () => {
  it("says what failed in its own words, never the URL's", () => {
    expect(providerFailure(null, "acme")).toBeNull();
    expect(providerFailure("signup_closed", "acme")).toMatch(/sign-up is closed/);
    expect(providerFailure("identity_taken", "acme")).toMatch(/already linked/);
    expect(providerFailure("oidc_login_failed", "acme")).toMatch(/Signing in with acme did not work/);
    expect(providerFailure("<script>", "<b>evil</b>")).toMatch(/Signing in with the identity provider did not work/);
  });
});
