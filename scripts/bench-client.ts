/**
 * Client and pool figures against the fake ComfyUI server (test/support/fake-comfy):
 *   1. prompts/s through one server with zero execution time, and the client's CPU ms per job
 *      (the server runs in its own process, so process.cpuUsage() is the client's alone);
 *   2. 400 jobs of 200 ms over 8 servers through ServerPool: wall time / ideal (ideal =
 *      400 * 0.2 / 8 s), then the same while servers die and come back, checking every job
 *      completed exactly once.
 * Run: npx tsx scripts/bench-client.ts
 */
import { pathToFileURL } from "node:url";
import { ComfyClient } from "../src/client/client.js";
import { ServerPool, type PoolRunResult } from "../src/client/pool.js";
import { spawnFakeComfy, type FakeComfy } from "../test/support/fake-comfy/index.js";

export interface ClientBench {
  throughput: { prompts: number; seconds: number; promptsPerSecond: number; cpuMsPerJob: number };
  pool: PoolBench;
  poolWithFailures: PoolBench & { restarts: number; moved: number };
}

export interface PoolBench {
  jobs: number;
  servers: number;
  jobMs: number;
  seconds: number;
  idealSeconds: number;
  ratio: number;
  /**
   * Wall time / (sum of the jobs' server-side execution times / servers): how much of the time
   * the servers were not executing our jobs. The fake's jobs take a few ms more than the nominal
   * 200 ms (PNG writing, timers on a loaded machine), which `ratio` counts against the pool.
   */
  ratioToServerBusy: number;
  /** Jobs whose final server ran them more than once, or another server ran them to the end. */
  duplicates: number;
}

/** EmptyImage (same on every job: cached after the first) → SaveImage with a unique prefix: one node runs per job. */
const oneNodeJob = (n: number) => ({
  "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
  "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: `bench/j${n}` } },
});

async function throughput(prompts: number, concurrency: number): Promise<ClientBench["throughput"]> {
  const fake = await spawnFakeComfy({});
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    await client.run(oneNodeJob(-1)); // connect and warm up
    const cpu = process.cpuUsage();
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < prompts) await client.run(oneNodeJob(next++));
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      prompts,
      seconds: round(seconds),
      promptsPerSecond: round(prompts / seconds),
      cpuMsPerJob: round((used.user + used.system) / 1000 / prompts),
    };
  } finally {
    await client.close();
    await fake.close();
  }
}

interface Fleet {
  urls: string[];
  /** Every instance that ever served a URL (a restarted one keeps its stats; a replaced one does not). */
  instances: Map<string, FakeComfy[]>;
}

/**
 * One process per server, as in production (one ComfyUI per GPU); in-process servers would share
 * this process's event loop with the client and stretch every simulated job's timers.
 */
async function startFleet(count: number, jobMs: number): Promise<Fleet> {
  const fakes = await Promise.all(Array.from({ length: count }, () => spawnFakeComfy({ promptMs: jobMs })));
  return { urls: fakes.map((f) => f.url), instances: new Map(fakes.map((f) => [f.url, [f]])) };
}

function countDuplicates(results: PoolRunResult[], fleet: Fleet): number {
  let duplicates = 0;
  for (const r of results) {
    for (const url of fleet.urls) {
      const runs = (fleet.instances.get(url) ?? []).reduce((sum, f) => sum + (f.stats().executed[r.promptId] ?? 0), 0);
      const final = url === r.server ? 1 : 0;
      const earlierTries = r.servers.filter((u) => u === url).length - final;
      if (runs < final || runs > final + earlierTries) duplicates++;
    }
  }
  return duplicates;
}

async function poolRun(
  jobs: number,
  servers: number,
  jobMs: number,
  chaos?: (fleet: Fleet, elapsed: () => number) => Promise<number>,
): Promise<PoolBench & { restarts: number; moved: number }> {
  const fleet = await startFleet(servers, jobMs);
  const pool = new ServerPool({ servers: fleet.urls, timeouts: { serverGoneMs: 3_000, pollIntervalMs: 500 }, healthIntervalMs: 250 });
  try {
    // Warm up: connect every server's socket and fill its cache with the EmptyImage node.
    await Promise.all(fleet.urls.map((_, i) => pool.run(oneNodeJob(-1 - i))));
    const start = performance.now();
    const elapsed = () => performance.now() - start;
    const all = Promise.all(Array.from({ length: jobs }, (_, i) => pool.run(oneNodeJob(i))));
    const restarts = chaos ? await chaos(fleet, elapsed) : 0;
    const results = await all;
    const seconds = elapsed() / 1000;
    const idealSeconds = (jobs * jobMs) / 1000 / servers;
    const busySeconds = results.reduce((sum, r) => sum + (r.timings.executionMs ?? jobMs), 0) / 1000 / servers;
    return {
      jobs,
      servers,
      jobMs,
      seconds: round(seconds),
      idealSeconds,
      ratio: round(seconds / idealSeconds, 3),
      ratioToServerBusy: round(seconds / busySeconds, 3),
      duplicates: countDuplicates(results, fleet),
      restarts,
      moved: results.filter((r) => r.servers.length > 1).length,
    };
  } finally {
    await pool.close();
    await Promise.all([...fleet.instances.values()].flat().map((f) => f.close()));
  }
}

/** Server 0 restarts losing its queue at 20 %; server 1 is down for 1 s from 40 %; server 2 restarts at 60 %. */
async function dieAndReturn(fleet: Fleet, elapsed: () => number): Promise<number> {
  const at = async (ms: number) => {
    while (elapsed() < ms) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const [first, second, third] = fleet.urls.map((url) => fleet.instances.get(url)![0]!);
  await at(2_000);
  await first!.restart({ loseQueue: true });
  await at(4_000);
  const port = second!.port;
  await second!.close(); // SIGTERM: the process exits, its queue and history with it
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const replacement = await spawnFakeComfy({ port, promptMs: 200 });
  fleet.instances.get(second!.url)!.push(replacement);
  await at(6_000);
  await third!.restart({ loseQueue: true });
  return 3;
}

export async function benchClient(): Promise<ClientBench> {
  const tp = await throughput(300, 8);
  const { restarts: _r, moved: _m, ...pool } = await poolRun(400, 8, 200);
  const poolWithFailures = await poolRun(400, 8, 200, dieAndReturn);
  return { throughput: tp, pool, poolWithFailures };
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await benchClient();
  console.log(JSON.stringify(result, null, 2));
}
