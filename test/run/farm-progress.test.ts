/**
 * Progress of a farm run: plain lines off a terminal, a redrawn bar with a line per server on
 * one, and --json-progress lines (stderr) that parse and carry every server.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgress, type ProgressSnapshot, type ServerProgress } from "../../src/cli/progress.js";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { runImgdiff, writeSmallWorkflow } from "./farm-support.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s) > 0 };
}
const servers: ServerProgress[] = [
  { url: "http://a:8188", busy: 2, done: 5, failed: 0, healthy: true },
  { url: "http://b:8188", busy: 0, done: 3, failed: 1, healthy: false },
];

describe("createProgress", () => {
  it("off a terminal: plain lines, the overall one then one per server, and always the last", () => {
    const stream = sink(false);
    const progress = createProgress(3, { stream, servers: () => servers, intervalMs: 60_000 });
    progress.update(1, { accepted: 1, filtered: 0, failed: 0 });
    progress.update(2, { accepted: 1, filtered: 1, failed: 0 }); // within the interval: not written
    progress.update(3, { accepted: 2, filtered: 1, failed: 0 });
    progress.done();
    const lines = stream.chunks.join("").split("\n").filter(Boolean);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^1\/3 samples .*accepted 1 {2}filtered 0 {2}failed 0 {2}eta \d+s$/);
    expect(lines[1]).toBe("  http://a:8188  up  busy 2  done 5  failed 0");
    expect(lines[2]).toBe("  http://b:8188  DOWN  busy 0  done 3  failed 1");
    expect(lines[3]).toMatch(/^3\/3 samples .*accepted 2 {2}filtered 1/);
    expect(stream.chunks.join("")).not.toContain("\u001b");
  });

  it("on a terminal: redraws the bar and the server lines in place", () => {
    const stream = sink(true);
    const progress = createProgress(2, { stream, servers: () => servers });
    progress.update(1, { accepted: 1, filtered: 0, failed: 0 });
    progress.update(2, { accepted: 2, filtered: 0, failed: 0 });
    progress.done();
    expect(stream.chunks[0]).toMatch(/^\r\[#{14}-{14}\] 1\/2 samples/);
    expect(stream.chunks[0]!.split("\n")).toHaveLength(3);
    // The second draw moves up over the two server lines first.
    expect(stream.chunks[1]).toMatch(/^\u001b\[2A\r\[#{28}\] 2\/2 samples/);
    expect(stream.chunks.at(-1)).toBe("\n");
  });

  it("json: one parsing object per update with the servers", () => {
    const stream = sink(false);
    const progress = createProgress(2, { stream, json: true, servers: () => servers });
    progress.update(1, { accepted: 0, filtered: 0, failed: 1 });
    progress.update(2, { accepted: 1, filtered: 0, failed: 1 });
    progress.done();
    const lines = stream.chunks.join("").trim().split("\n").map((l) => JSON.parse(l) as ProgressSnapshot);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ finished: 2, total: 2, accepted: 1, filtered: 0, failed: 1, eta: 0, servers });
    expect(lines[0]!.rate).toBeGreaterThan(0);
  });
});

describe("imgdiff run --json-progress on a farm", () => {
  let fakes: FakeComfy[] = [];
  beforeAll(async () => {
    fakes = await Promise.all([startFakeComfy({ promptMs: 5 }), startFakeComfy({ promptMs: 5 })]);
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  it("writes a JSON line per finished sample on stderr, with every server", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgdiff-farm-progress-"));
    const count = 12;
    const r = await runImgdiff(["run", writeSmallWorkflow(dir), "--count", String(count), "--out", join(dir, "out"), "--json-progress", ...fakes.flatMap((f) => ["--server", f.url])]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as ProgressSnapshot);
    const finished = lines.map((l) => l.finished);
    for (let n = 1; n <= count; n++) expect(finished).toContain(n);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ finished: count, total: count, accepted: count, filtered: 0, failed: 0, eta: 0 });
    expect(last.servers.map((s) => s.url)).toEqual(fakes.map((f) => f.url));
    for (const s of last.servers) expect(s).toMatchObject({ busy: 0, failed: 0, healthy: true });
    expect(last.servers.reduce((sum, s) => sum + s.done, 0)).toBe(count);
    // stdout keeps the human summary only.
    expect(r.stdout).toMatch(/^samples: /);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("{"))).toEqual([]);
  });
});
