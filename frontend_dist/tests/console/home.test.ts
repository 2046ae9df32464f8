import { describe, expect, it } from "vitest";
import { NO_FILTERS, homeHref, isFiltered, matches, ownerOptions, readFilters, spacesPath } from "../../src/console/pages/home/filters";
import {
  creatableOwners,
  flavorSpecs,
  freeNote,
  frontMatter,
  frontMatterText,
  loginCommand,
  nameProblem,
  pushCommand,
  visibilityChoices,
} from "../../src/console/pages/home/space-form";
import type { Capacity, Flavor, Org, Space } from "../../src/console/types";

const space = (stage: string, visibility: Space["visibility"]) => ({ stage, visibility }) as Space;
const org = (name: string, can: string[]) => ({ name, can }) as Org;

describe("home filters", () => {
  it("read the URL, ignoring what is not a filter", () => {
    expect(readFilters(new URLSearchParams("owner=Acme&q=chat&stage=error&visibility=private"))).toEqual({
      owner: "acme",
      q: "chat",
      stage: "error",
      visibility: "private",
    });
    expect(readFilters(new URLSearchParams("owner=a--/b&stage=nope&visibility=secret"))).toEqual({
      ...NO_FILTERS,
      owner: "",
    });
    expect(readFilters(new URLSearchParams(`q=${"x".repeat(500)}`)).q).toHaveLength(100);
  });

  it("write the URL and the API request with only what is set", () => {
    const filters = { owner: "acme", q: " chat ", stage: "running", visibility: "all" } as const;
    expect(homeHref(filters)).toBe("/?owner=acme&q=chat&stage=running");
    expect(spacesPath(filters)).toBe("/api/spaces?owner=acme&search=chat");
    expect(homeHref(NO_FILTERS)).toBe("/");
    expect(spacesPath(NO_FILTERS)).toBe("/api/spaces");
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, visibility: "org" })).toBe(true);
    expect(readFilters(new URL(`http://x${homeHref(filters)}`).searchParams)).toEqual({ ...filters, q: "chat" });
  });

  it("match stages by kind, and visibility", () => {
    const running = { ...NO_FILTERS, stage: "running" as const };
    expect(matches(space("RUNNING", "public"), running)).toBe(true);
    expect(matches(space("RUNNING_BUILDING", "public"), running)).toBe(false);
    expect(matches(space("APP_STARTING", "public"), { ...NO_FILTERS, stage: "building" })).toBe(true);
    expect(matches(space("BUILD_ERROR", "org"), { ...NO_FILTERS, stage: "error", visibility: "org" })).toBe(true);
    expect(matches(space("BUILD_ERROR", "org"), { ...NO_FILTERS, visibility: "private" })).toBe(false);
  });

  it("offer the user, their orgs and the owner in the URL", () => {
    expect(ownerOptions("alice", ["acme"], "").map((o) => o.value)).toEqual(["", "alice", "acme"]);
    expect(ownerOptions("alice", ["acme"], "bob").map((o) => o.label)).toEqual(["All owners", "alice (you)", "acme", "bob"]);
  });
});

describe("new Space", () => {
  it("checks names as the API does", () => {
    for (const good of ["a", "demo", "my-app-2", "x".repeat(39)]) expect(nameProblem(good)).toBe("");
    for (const bad of ["", "Demo", "-a", "a-", "a--b", "a_b", "a b", "x".repeat(40), "ünï"]) {
      expect(nameProblem(bad)).not.toBe("");
    }
  });

  it("offers the user and the orgs where they may create Spaces", () => {
    const orgs = [org("acme", ["org.spaces.create"]), org("readonly", ["org.members.read"])];
    expect(creatableOwners("alice", orgs)).toEqual(["alice", "acme"]);
    expect(visibilityChoices(true, "acme").map((v) => v.value)).toEqual(["public", "org", "private"]);
    expect(visibilityChoices(false, "alice").map((v) => v.value)).toEqual(["public", "private"]);
  });

  it("describes hardware", () => {
    const cpu = { cpu: 2, memory_mb: 16384, gpu_count: 0, gpu_type: null } as Flavor;
    expect(flavorSpecs(cpu)).toBe("2 CPU · 16 GB memory");
    expect(flavorSpecs({ ...cpu, cpu: 0.5, memory_mb: 512, gpu_count: 1, gpu_type: "T4" })).toBe("0.5 CPU · 512 MB memory · 1× T4");
  });

  it("says how many of a flavor fit on the nodes now, once the capacity is known", () => {
    const t4 = { name: "t4-small" } as Flavor;
    const capacity: Capacity = {
      observed_at: "2026-11-21T10:00:00Z",
      backend: "kubernetes",
      flavors: [
        { name: "t4-small", gpu_type: "T4", gpu_count: 1, free: 3 },
        { name: "a100-large", gpu_type: "A100", gpu_count: 8, free: 0 },
      ],
    };
    expect(freeNote(t4, capacity)).toBe("3 free now");
    expect(freeNote({ name: "a100-large" } as Flavor, capacity)).toBe("none free now: a Space waits for hardware");
    expect(freeNote({ name: "h100" } as Flavor, capacity)).toBe("");
    expect(freeNote(t4, { ...capacity, observed_at: null })).toBe("");
    expect(freeNote(t4, null)).toBe("");
  });

  it("gives the exact commands, with the flags push needs to create the Space as chosen", () => {
    expect(loginCommand("http://127.0.0.1:8700")).toBe("podium login --server http://127.0.0.1:8700");
    expect(pushCommand("acme", "demo")).toBe("podium push . --space acme/demo");
    expect(pushCommand("acme", "demo", { visibility: "public", hardware: "cpu-basic" })).toBe("podium push . --space acme/demo");
    expect(pushCommand("acme", "demo", { visibility: "private", hardware: "t4-small" })).toBe(
      "podium push . --space acme/demo --private --hardware t4-small",
    );
    expect(pushCommand("acme", "demo", { visibility: "org", hardware: "cpu-basic" })).toBe("podium push . --space acme/demo --org");
  });

  it("writes README front matter that reads back as written", () => {
    expect(frontMatter({ title: "My demo", sdk: "podium" })).toBe("---\ntitle: My demo\nsdk: podium\napp_file: app.py\n---");
    expect(frontMatter({ title: "Box", sdk: "docker", sleepTime: -1 })).toBe("---\ntitle: Box\nsdk: docker\napp_port: 7860\nsleep_time: -1\n---");
    expect(frontMatter({ title: "x", sdk: "gradio", sleepTime: 172800 })).toContain("app_file: app.py\n---");
    expect(frontMatterText('Demo: "v2"')).toBe('"Demo: \\"v2\\""');
    expect(frontMatterText("true")).toBe('"true"');
    expect(frontMatterText("42")).toBe('"42"');
    expect(frontMatterText("a\\b")).toBe('"a\\\\b"');
  });
});
