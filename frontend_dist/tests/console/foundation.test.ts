import { describe, expect, it } from "vitest";
import { cookieValue, errorFrom, isSignedOut, ApiError, withQuery } from "../../src/console/api";
import { matchRoute, safeNext } from "../../src/console/router";
import { resolveTheme, NEXT_THEME } from "../../src/console/theme";
import { stageKind, stageLabel } from "../../src/console/ui/badge";
import { relativeTime } from "../../src/console/ui/misc";

describe("api helpers", () => {
  it("reads a cookie among others, decoded", () => {
    expect(cookieValue("a=1; podium_csrf=ab%3Dc; b=2", "podium_csrf")).toBe("ab=c");
    expect(cookieValue("a=1", "podium_csrf")).toBe("");
  });

  it("turns the API's error body into an ApiError", () => {
    const error = errorFrom(409, JSON.stringify({ error: { code: "space_exists", message: "Taken", details: { x: 1 } } }));
    expect([error.status, error.code, error.message]).toEqual([409, "space_exists", "Taken"]);
    expect(error.details).toEqual({ x: 1 });
  });

  it("gives a plain message for a body that is not the API's", () => {
    expect(errorFrom(502, "<html>bad gateway</html>").message).toMatch(/server had a problem/);
    expect(errorFrom(400, "").code).toBe("error");
  });

  it("knows which 401s mean signed out", () => {
    expect(isSignedOut(new ApiError(401, "session_expired", "x"))).toBe(true);
    expect(isSignedOut(new ApiError(401, "invalid_credentials", "x"))).toBe(false);
    expect(isSignedOut(new ApiError(403, "session_expired", "x"))).toBe(false);
  });

  it("adds only the query parameters that are set", () => {
    expect(withQuery("/api/spaces", { search: "a b", owner: "", cursor: null, limit: 5 })).toBe("/api/spaces?search=a+b&limit=5");
    expect(withQuery("/x?y=1", { z: true })).toBe("/x?y=1&z=true");
    expect(withQuery("/x", {})).toBe("/x");
  });
});

describe("router", () => {
  it("matches patterns and decodes parameters", () => {
    expect(matchRoute("/spaces/:owner/:name", "/spaces/acme/my%20app")).toEqual({ owner: "acme", name: "my app" });
    expect(matchRoute("/spaces/:owner/:name", "/spaces/acme")).toBeNull();
    expect(matchRoute("/spaces/:owner/:name", "/spaces/acme/x/logs")).toBeNull();
    expect(matchRoute("/orgs/*", "/orgs/a/b")).toEqual({ rest: "a/b" });
    expect(matchRoute("/x/:y", "/x/%E0%A4%A")).toBeNull();
  });

  it("only goes back to paths of this site after sign-in", () => {
    expect(safeNext("/spaces/a/b?x=1")).toBe("/spaces/a/b?x=1");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});

describe("theme and badges", () => {
  it("resolves the system choice and cycles", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("light", true)).toBe("light");
    expect([NEXT_THEME.system, NEXT_THEME.light, NEXT_THEME.dark]).toEqual(["light", "dark", "system"]);
  });

  it("groups stages into the four states users look for", () => {
    expect(stageKind("RUNNING")).toBe("running");
    expect(stageKind("RUNNING_BUILDING")).toBe("building");
    expect(stageKind("BUILD_ERROR")).toBe("error");
    expect(stageKind("SLEEPING")).toBe("sleeping");
    expect(stageKind("SOMETHING_NEW")).toBe("stopped");
    expect(stageLabel("WAITING_FOR_HARDWARE")).toBe("Waiting for hardware");
  });

  it("says times relative to now", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(relativeTime("2026-01-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(relativeTime("2026-01-03T12:00:00Z", now)).toBe("in 2 days");
  });
});
