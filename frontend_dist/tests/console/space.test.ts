import { describe, expect, it } from "vitest";
import type { Flavor, Space } from "../../src/console/types";
import { deepLinkUrl, embedSnippet, labelsText, mergeById } from "../../src/console/pages/space/links";
import {
  appendCapped,
  atBottom,
  buildFinished,
  buildLogUrl,
  filterLines,
  logFileName,
  logText,
  matchParts,
  newestBuild,
  runtimeLogUrl,
  type LogLine,
} from "../../src/console/pages/space/logs";
import { revisionRows, sizeText } from "../../src/console/pages/space/revisions";
import {
  durationText,
  envNameProblem,
  flavorLabel,
  formFrom,
  heldGpus,
  quotaProblem,
  retentionProblem,
  settingsChanges,
  sleepOptions,
} from "../../src/console/pages/space/settings";
import { appView, closedTabNote, isTab, mayOpen, spaceActions, tabsFor } from "../../src/console/pages/space/space-logic";
import type { Build, Quota, Revision } from "../../src/console/pages/space/types";
import { spaceApi } from "../../src/console/pages/space/types";

const lines = (...texts: string[]): LogLine[] => texts.map((text, key) => ({ key, text }));

const SPACE: Space = {
  owner: "acme",
  name: "demo",
  title: "Demo",
  sdk: "podium",
  visibility: "public",
  hardware: "cpu-basic",
  sleep_time: 172800,
  desired_state: "running",
  stage: "RUNNING",
  stage_message: "",
  url: "http://demo--acme.spaces.localhost:8080",
  latest_revision: 2,
  serving_revision: 2,
  deep_link_retention_days: 30,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
  can: ["space.write", "space.admin"],
};

const flavor = (name: string, gpu_count: number): Flavor => ({
  name,
  display_name: name.toUpperCase(),
  cpu: 2,
  memory_mb: 16384,
  gpu_type: gpu_count ? "T4" : null,
  gpu_count,
  available: true,
});

const build = (id: number, revision: number, status: Build["status"] = "succeeded"): Build => ({
  id,
  revision,
  status,
  attempts: 1,
  image: null,
  error: "",
  created_at: "2025-01-01T00:00:00Z",
  started_at: null,
  finished_at: null,
});

const revision = (number: number): Revision => ({
  number,
  manifest_digest: "x",
  message: `r${number}`,
  files: 2,
  size: 10,
  sdk: "podium",
  created_at: "2025-01-01T00:00:00Z",
});

describe("log lines", () => {
  it("keeps only the last lines over the cap", () => {
    expect(appendCapped(lines("a", "b"), lines("c"), 5).map((l) => l.text)).toEqual(["a", "b", "c"]);
    expect(appendCapped(lines("a", "b", "c"), lines("d", "e"), 3).map((l) => l.text)).toEqual(["c", "d", "e"]);
    expect(appendCapped(lines("a"), lines("b", "c", "d", "e"), 3).map((l) => l.text)).toEqual(["c", "d", "e"]);
    const same = lines("a");
    expect(appendCapped(same, [], 3)).toBe(same);
  });

  it("filters case-insensitively, all lines for no query", () => {
    const all = lines("greeting Ada", "GET /config", "Greeting Bob");
    expect(filterLines(all, "")).toBe(all);
    expect(filterLines(all, "greeting").map((l) => l.text)).toEqual(["greeting Ada", "Greeting Bob"]);
    expect(filterLines(all, "nothing")).toEqual([]);
  });

  it("cuts a line into the parts to highlight", () => {
    expect(matchParts("greeting Ada, greeting", "GREETING")).toEqual([
      { text: "greeting", match: true },
      { text: " Ada, ", match: false },
      { text: "greeting", match: true },
    ]);
    expect(matchParts("abc", "")).toEqual([{ text: "abc", match: false }]);
    expect(matchParts("abc", "x")).toEqual([{ text: "abc", match: false }]);
    expect(matchParts("", "x")).toEqual([{ text: "", match: false }]);
    // markup stays text: it is never parsed
    expect(matchParts("<b>hi</b>", "hi")).toEqual([
      { text: "<b>", match: false },
      { text: "hi", match: true },
      { text: "</b>", match: false },
    ]);
  });

  it("downloads as text with a safe file name", () => {
    expect(logText(lines("a", "b"))).toBe("a\nb\n");
    expect(logText([])).toBe("");
    expect(logFileName("acme", "demo", "runtime")).toBe("acme-demo-runtime.log");
    expect(logFileName("acme", "demo", "build", 7)).toBe("acme-demo-build-7.log");
    expect(logFileName("a/b", "../x", "runtime")).toBe("a_b-.._x-runtime.log");
  });

  it("knows the bottom of a scrolled box", () => {
    expect(atBottom(600, 400, 1000)).toBe(true);
    expect(atBottom(590, 400, 1000)).toBe(true);
    expect(atBottom(500, 400, 1000)).toBe(false);
  });

  it("builds the streams' URLs", () => {
    expect(runtimeLogUrl("acme", "my app")).toBe("/api/spaces/acme/my%20app/logs?follow=true&tail=500");
    expect(buildLogUrl("acme", "demo", 3, true)).toBe("/api/spaces/acme/demo/builds/3/logs?follow=true");
    expect(buildLogUrl("acme", "demo", 3, false)).toBe("/api/spaces/acme/demo/builds/3/logs");
    expect(spaceApi("a?b", "c/d")).toBe("/api/spaces/a%3Fb/c%2Fd");
  });

  it("finds the newest build and whether one is finished", () => {
    expect(newestBuild([build(3, 2), build(5, 3), build(4, 2)])?.id).toBe(5);
    expect(newestBuild([])).toBeNull();
    expect(buildFinished(build(1, 1, "running"))).toBe(false);
    expect(buildFinished(build(1, 1, "queued"))).toBe(false);
    expect(buildFinished(build(1, 1, "failed"))).toBe(true);
  });
});

describe("tabs and actions", () => {
  it("offers settings to admins and links to writers", () => {
    expect(tabsFor(["space.write", "space.admin"])).toEqual(["app", "logs", "revisions", "settings", "links"]);
    expect(tabsFor(["space.write"])).toEqual(["app", "logs", "revisions", "links"]);
    expect(tabsFor([])).toEqual(["app", "logs", "revisions"]);
    expect(mayOpen("settings", ["space.write"])).toBe(false);
    expect(closedTabNote("settings")).toMatch(/admin/);
    expect(closedTabNote("links")).toMatch(/write/);
    expect(isTab("logs")).toBe(true);
    expect(isTab("secrets")).toBe(false);
    expect(isTab("constructor")).toBe(false);
  });

  it("shows the actions that apply", () => {
    expect(spaceActions(SPACE)).toEqual({ restart: true, pause: true, resume: false, delete: true });
    expect(spaceActions({ ...SPACE, desired_state: "paused", stage: "PAUSED" })).toEqual({
      restart: false,
      pause: false,
      resume: true,
      delete: true,
    });
    expect(spaceActions({ ...SPACE, can: ["space.write"] })).toEqual({ restart: true, pause: false, resume: false, delete: false });
    expect(spaceActions({ ...SPACE, can: [] })).toEqual({ restart: false, pause: false, resume: false, delete: false });
    expect(spaceActions({ ...SPACE, stage: "DELETING", desired_state: "deleted" }).delete).toBe(false);
  });

  it("embeds the app only when it can answer", () => {
    expect(appView(SPACE, false)).toEqual({ embed: true, wakes: false, note: "" });
    expect(appView({ ...SPACE, stage: "RUNNING_BUILDING" }, false).embed).toBe(true);
    expect(appView({ ...SPACE, stage: "SLEEPING" }, false)).toMatchObject({ embed: false, wakes: true, note: expect.stringMatching(/opening it wakes it/) });
    expect(appView({ ...SPACE, stage: "SLEEPING" }, true)).toMatchObject({ embed: true, wakes: false });
    expect(appView({ ...SPACE, stage: "APP_STARTING" }, true).embed).toBe(true);
    expect(appView({ ...SPACE, stage: "APP_STARTING" }, false).embed).toBe(false);
    expect(appView({ ...SPACE, stage: "BUILDING" }, false)).toMatchObject({ embed: false, note: expect.stringMatching(/appears when the build finishes/) });
    expect(appView({ ...SPACE, stage: "WAITING_FOR_HARDWARE", stage_message: "quota" }, false).note).toMatch(/quota$/);
    expect(appView({ ...SPACE, stage: "PAUSED" }, true).embed).toBe(false);
  });
});

describe("revisions", () => {
  it("joins each revision with its newest build, serving and latest", () => {
    const rows = revisionRows([revision(1), revision(3), revision(2)], [build(1, 1), build(2, 2, "failed"), build(4, 2), build(5, 3, "running")], 2, 3);
    expect(rows.map((r) => [r.revision.number, r.build?.id ?? null, r.serving, r.latest])).toEqual([
      [3, 5, false, true],
      [2, 4, true, false],
      [1, 1, false, false],
    ]);
    expect(revisionRows([revision(1)], [], null, 1)[0].build).toBeNull();
    // a revision the Space's (polled) answer does not know yet is the latest already
    expect(revisionRows([revision(1), revision(2)], [], 1, 1).map((r) => r.latest)).toEqual([true, false]);
  });

  it("writes sizes in words", () => {
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(3 * 1024 + 400)).toBe("3.4 KB");
    expect(sizeText(12 * 1024 * 1024)).toBe("12 MB");
  });
});

describe("settings", () => {
  it("offers the sleep presets and the Space's own value", () => {
    expect(sleepOptions(3600).map((o) => o.value)).toContain("-1");
    expect(sleepOptions(3600)[0].label).toBe("5 minutes");
    expect(sleepOptions(7200)[0]).toEqual({ value: "7200", label: "2 hours (current)" });
    expect(durationText(-1)).toBe("never");
    expect(durationText(90061)).toBe("1 day 1 hour");
    expect(durationText(60)).toBe("1 minute");
  });

  it("sends only what changed", () => {
    const form = formFrom(SPACE);
    expect(settingsChanges(SPACE, form)).toEqual({});
    expect(settingsChanges(SPACE, { ...form, sleepTime: "-1", visibility: "private", retentionDays: " 7 " })).toEqual({
      sleep_time: -1,
      visibility: "private",
      deep_link_retention_days: 7,
    });
    expect(settingsChanges(SPACE, { ...form, title: "", hardware: "t4-small" })).toEqual({ title: "", hardware: "t4-small" });
  });

  it("checks retention days and names", () => {
    expect(retentionProblem("30")).toBe("");
    expect(retentionProblem("365")).toBe("");
    for (const bad of ["0", "366", "1.5", "-3", "", "ten", "1e2"]) expect(retentionProblem(bad)).not.toBe("");
    expect(envNameProblem("HF_TOKEN")).toBe("");
    expect(envNameProblem("_x1")).toBe("");
    for (const bad of ["", "1ABC", "A-B", "A B", "x".repeat(129), "../etc"]) expect(envNameProblem(bad)).not.toBe("");
  });

  it("marks hardware that would go over the GPU quota", () => {
    const quota: Quota = { org: "acme", max_spaces: 10, max_gpus: 2, custom: true, spaces: 3, gpus_in_use: 2 };
    const cpu = flavor("cpu-basic", 0);
    const t4 = flavor("t4-small", 1);
    expect(quotaProblem(cpu, { quota, personal: false, heldGpus: 0 })).toBe("");
    expect(quotaProblem(t4, { quota, personal: false, heldGpus: 0 })).toMatch(/over the org's GPU quota \(2 of 2/);
    // the GPU this Space holds would be given back
    expect(quotaProblem(t4, { quota, personal: false, heldGpus: 1 })).toBe("");
    expect(quotaProblem(t4, { quota: null, personal: true, heldGpus: 0 })).toMatch(/personal/);
    expect(quotaProblem(t4, { quota: null, personal: false, heldGpus: 0 })).toBe("");
    expect(heldGpus({ ...SPACE, hardware: "t4-small" }, [cpu, t4])).toBe(1);
    expect(heldGpus({ ...SPACE, hardware: "t4-small", stage: "SLEEPING" }, [cpu, t4])).toBe(0);
    expect(flavorLabel(t4)).toBe("T4-SMALL · 2 vCPU · 16 GB · 1× T4");
  });
});

describe("links", () => {
  it("makes deep-link URLs and an escaped embed snippet", () => {
    expect(deepLinkUrl("http://demo--acme.spaces.localhost:8080", "abc_1")).toBe(
      "http://demo--acme.spaces.localhost:8080/?deep_link=abc_1",
    );
    expect(deepLinkUrl("http://x/", "a b")).toBe("http://x/?deep_link=a%20b");
    expect(embedSnippet("http://x", 'My "app" <3')).toBe(
      '<iframe src="http://x" title="My &quot;app&quot; &lt;3" width="100%" height="600" style="border:0" allow="clipboard-write"></iframe>',
    );
  });

  it("merges pages without repeating items", () => {
    const merged = mergeById([{ id: "a" }, { id: "b" }], [{ id: "b" }, { id: "c" }, { id: "c" }]);
    expect(merged.map((item) => item.id)).toEqual(["a", "b", "c"]);
    expect(labelsText(["Name", "Greeting"])).toBe("Name, Greeting");
    expect(labelsText(["a", "b", "c", "d", "e"])).toBe("a, b, c and 2 more");
  });
});
