// ServerPool against fake ComfyUI servers: in-process ones, and a separate process killed mid-run.
import { afterEach, describe, expect, it } from "vitest";
import { ComfyClient } from "../../src/client/client.js";
import { ServerPool, type PoolRunResult } from "../../src/client/pool.js";
import { spawnFakeComfy, startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { until } from "./stub-server.js";

let fakes: FakeComfy[] = [];
let pool: ServerPool | undefined;
afterEach(async () => {
  await pool?.close();
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
  pool = undefined;
});

const job = (n: number) => ({
  "1": { class_type: "EmptyImage", inputs: { width: 16, height: 16, batch_size: 1, color: n } },
  "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: `pool/j${n}` } },
});
const runAll = (p: ServerPool, from: number, count: number) => Promise.all(Array.from({ length: count }, (_, i) => p.run(job(from + i))));

/**
 * Each job completed exactly once: its final server ran it to the end once; every earlier try
 * (on a server that then failed, possibly the same one) started it at most once, cut off by the
 * failure; servers it never went to did not touch it.
 */
function expectExactlyOnce(results: PoolRunResult[], servers: FakeComfy[]): void {
  expect(new Set(results.map((r) => r.promptId)).size).toBe(results.length);
  for (const r of results) {
    for (const f of servers) {
      const runs = f.stats().executed[r.promptId] ?? 0;
      const final = f.url === r.server ? 1 : 0;
      const earlierTries = r.servers.filter((url) => url === f.url).length - final;
      const why = `prompt ${r.promptId} on ${f.url}: ${runs} runs, tried ${JSON.stringify(r.servers)}`;
      expect(runs, why).toBeGreaterThanOrEqual(final);
      expect(runs, why).toBeLessThanOrEqual(final + earlierTries);
    }
    expect(r.outputs["2"]!.images[0]!.bytes.byteLength).toBeGreaterThan(8);
  }
}

describe("ServerPool on fake servers", () => {
  it("spreads jobs over the servers, never more than two of ours on one", async () => {
    fakes = await Promise.all([0, 1, 2].map(() => startFakeComfy({ nodeDelayMs: 15 })));
    pool = new ServerPool({ servers: fakes.map((f) => f.url) });
    const watchers = fakes.map((f) => new ComfyClient({ baseUrl: f.url }));
    let maxQueued = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const remaining = await Promise.all(watchers.map((w) => w.queueRemaining()));
        maxQueued = Math.max(maxQueued, ...remaining);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const results = await runAll(pool, 0, 24);
    sampling = false;
    await sampler;
    await Promise.all(watchers.map((w) => w.close()));
    expectExactlyOnce(results, fakes);
    const perServer = fakes.map((f) => results.filter((r) => r.server === f.url).length);
    expect(Math.min(...perServer)).toBeGreaterThanOrEqual(5);
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(2);
  });

  it("completes the jobs of a server killed mid-run exactly once on the others", async () => {
    const doomed = await spawnFakeComfy({ nodeDelayMs: 40 });
    fakes = [doomed, ...(await Promise.all([0, 1].map(() => startFakeComfy({ nodeDelayMs: 40 }))))];
    pool = new ServerPool({ servers: fakes.map((f) => f.url), timeouts: { serverGoneMs: 800, pollIntervalMs: 100 }, healthIntervalMs: 200 });
    const pending = runAll(pool, 100, 18);
    await until(() => doomed.stats().submitted >= 2, 10_000, "the doomed server to take jobs");
    doomed.kill("SIGKILL");
    const results = await pending;
    for (const r of results) expect(r.server).not.toBe(doomed.url);
    expectExactlyOnce(results, fakes);
    expect(results.filter((r) => r.servers.length > 1 && r.servers[0] === doomed.url).length).toBeGreaterThan(0);
    expect(pool.status()[0]).toMatchObject({ healthy: false });
  });

  it("moves jobs off a server that restarts without its queue, and takes it back afterwards", async () => {
    fakes = await Promise.all([0, 1].map(() => startFakeComfy({ nodeDelayMs: 40 })));
    const [flaky, steady] = fakes as [FakeComfy, FakeComfy];
    pool = new ServerPool({ servers: fakes.map((f) => f.url), timeouts: { serverGoneMs: 2_000, pollIntervalMs: 100 }, healthIntervalMs: 100 });
    const first = runAll(pool, 200, 10);
    await until(() => flaky.stats().submitted >= 2, 10_000, "the flaky server to take jobs");
    await flaky.restart({ loseQueue: true });
    const firstResults = await first;
    expectExactlyOnce(firstResults, fakes);
    expect(firstResults.some((r) => r.servers.length > 1 && r.servers[0] === flaky.url)).toBe(true);
    await until(() => pool!.status()[0]!.healthy, 10_000, "the flaky server to rejoin");
    const second = await runAll(pool, 300, 8);
    expectExactlyOnce(second, fakes);
    expect(second.filter((r) => r.server === flaky.url).length).toBeGreaterThan(0);
    expect(second.filter((r) => r.server === steady.url).length).toBeGreaterThan(0);
  });

  it("close() leaves no timer or socket behind", async () => {
    fakes = await Promise.all([0, 1].map(() => startFakeComfy({})));
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPSocketWrap").length;
    const before = handles();
    pool = new ServerPool({ servers: fakes.map((f) => f.url), healthIntervalMs: 50 });
    await runAll(pool, 400, 6);
    await new Promise((resolve) => setTimeout(resolve, 120)); // let health checks run
    expect(handles()).toBeGreaterThan(before);
    await pool.close();
    // Idle keep-alive sockets are fetch's (undici's) to close: within its 4 s idle timeout.
    await until(() => handles() <= before, 8_000, "handles to be released");
    expect(handles()).toBeLessThanOrEqual(before);
  });
});
