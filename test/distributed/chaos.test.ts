/**
 * Proven by breaking things: during a distributed run one worker is killed with SIGKILL (its
 * jobs must be taken over through BullMQ's stalled-job check) and Redis itself is killed and
 * restarted from its append-only file (the workers must reconnect and finish). Afterwards the
 * queue holds every job as completed and merge finds every sample exactly once.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { FAST_STALL, recordsInShards, startWorker, waitFor, WORKFLOW } from "./helpers.js";
import { connectRedis } from "../../src/distributed/redis-connection.js";
import { runQueue } from "../../src/distributed/queue.js";

const COUNT = 36;

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.dispose();
});

describe("distributed run under failures", () => {
  it("survives a killed worker and a Redis restart: every sample merged exactly once", { timeout: 90_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-chaos-"));
    expect((await runCli(["queue", "submit", WORKFLOW, "--count", String(COUNT), "--redis", redis.url, "--run", "chaos"])).code).toBe(0);
    const victim = startWorker(redis.url, "chaos", out, "victim", [...FAST_STALL, "--concurrency", "2"]);
    const survivor = startWorker(redis.url, "chaos", out, "survivor", FAST_STALL);

    // Kill the victim in the middle of its work, with jobs in flight.
    await waitFor(() => recordsInShards(out) >= 6, 60_000, "6 samples");
    victim.child.kill("SIGKILL");
    const killed = await victim.done;
    expect(killed.signal).toBe("SIGKILL");

    // Then crash Redis and bring it back on the same port from its append-only file.
    await waitFor(() => recordsInShards(out) >= 14, 60_000, "14 samples");
    await redis.stop({ crash: true });
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();

    const finished = await survivor.done;
    expect(finished.code).toBe(0);
    expect(finished.stderr).toMatch(/connection to Redis at redis:\/\/127\.0\.0\.1:\d+ lost; reconnecting/);

    const status = await runCli(["queue", "status", "--redis", redis.url, "--run", "chaos", "--json"]);
    expect(JSON.parse(status.stdout)).toEqual({ waiting: 0, active: 0, completed: COUNT, failed: 0, delayed: 0 });

    // The victim's jobs in flight were found stalled and run again by the survivor.
    const client = await connectRedis(redis.url);
    const queue = runQueue(client, "chaos");
    const jobs = await queue.getJobs(["completed"]);
    await queue.close();
    client.disconnect();
    expect(jobs).toHaveLength(COUNT);
    expect(jobs.filter((j) => j.stalledCounter > 0).length).toBeGreaterThan(0);

    const merged = await runCli(["merge", out, "--json"]);
    expect(merged.stderr).toBe("");
    expect(merged.code).toBe(0);
    const result = JSON.parse(merged.stdout) as { complete: boolean; accepted: number; filtered: number; duplicates: number };
    expect(result.complete).toBe(true);
    expect(result.accepted + result.filtered).toBe(COUNT);

    // Every accepted sample once, in index order, in the merged files, which parse; the
    // filtered ones are those the shards recorded as filtered.
    const lines = readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { sample_index: number; id: string });
    const indices = [...new Set(lines.map((l) => l.sample_index))];
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(indices).toHaveLength(result.accepted);
    const filtered = new Set(["victim", "survivor"].flatMap((w) => readdirSync(join(out, "shards", w, "outcomes")).map((f) => Number.parseInt(f, 10))));
    expect([...indices, ...filtered].sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    const release = JSON.parse(readFileSync(join(out, "img_diff_object_replacement.json"), "utf8")) as unknown[];
    const llava = JSON.parse(readFileSync(join(out, "llava.json"), "utf8")) as unknown[];
    expect(release.length + (JSON.parse(readFileSync(join(out, "img_diff_object_removal.json"), "utf8")) as unknown[]).length).toBe(lines.length);
    expect(llava.length).toBe(lines.length);
    expect(readdirSync(join(out, "records")).filter((f) => f.endsWith(".json"))).toHaveLength(result.accepted);
    // The victim did part of the run before it died, the survivor the rest.
    expect(readdirSync(join(out, "shards", "victim", "records")).length).toBeGreaterThan(0);
  });
});
