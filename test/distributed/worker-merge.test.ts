/**
 * Workers (real child processes) on a real redis-server, and merge: one worker's shard merges
 * into the same dataset files a single-machine `imgdiff run` writes; two workers share a run;
 * merge of an incomplete run exits 1 naming the missing samples and writes nothing.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startWorker, waitFor, WORKFLOW } from "./helpers.js";

const DATASET_FILES = ["img_diff_object_replacement.json", "img_diff_object_removal.json", "llava.json", "metadata.jsonl"];

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.dispose();
});

const temp = () => mkdtempSync(join(tmpdir(), "imgdiff-dist-"));

/** Copies sample `index`'s record and images from the shard (a or b) that has it to the other; returns [from, to]. */
function copyRecord(dir: string, index: number): [string, string] {
  const name = `${String(index).padStart(6, "0")}.json`;
  const [from, to] = existsSync(join(dir, "shards", "a", "records", name)) ? ["a", "b"] : ["b", "a"];
  const record = JSON.parse(readFileSync(join(dir, "shards", from, "records", name), "utf8")) as { outputs: { files: string[] }[] };
  for (const file of record.outputs.flatMap((o) => o.files)) cpSync(join(dir, "shards", from, file), join(dir, "shards", to, file));
  cpSync(join(dir, "shards", from, "records", name), join(dir, "shards", to, "records", name));
  return [from, to];
}

describe("imgdiff worker and merge", () => {
  it("a worker runs a small run to the end and the merge equals a single-machine run", async () => {
    const out = temp();
    const single = temp();
    const args = ["--count", "8", "--seed", "5"];
    expect((await runCli(["queue", "submit", WORKFLOW, ...args, "--redis", redis.url, "--run", "small"])).code).toBe(0);
    const [worker, reference] = await Promise.all([
      startWorker(redis.url, "small", out, "w1", ["--concurrency", "2"]).done,
      runCli(["run", WORKFLOW, ...args, "--out", single]),
    ]);
    expect(worker.stderr).toBe("");
    expect(worker.code).toBe(0);
    expect(worker.stdout).toMatch(/worker w1: 8 accepted, 0 filtered, 0 failed tries/);
    expect(reference.code).toBe(0);

    const status = await runCli(["queue", "status", "--redis", redis.url, "--run", "small", "--json"]);
    expect(JSON.parse(status.stdout)).toEqual({ waiting: 0, active: 0, completed: 8, failed: 0, delayed: 0 });

    const merged = await runCli(["merge", out]);
    expect(merged.stderr).toBe("");
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/merged run small from 1 shards .*: 8 samples, 8 accepted, 0 filtered/);
    for (const file of DATASET_FILES) expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(single, file), "utf8"));
    expect(readdirSync(join(out, "images")).sort()).toEqual(readdirSync(join(single, "images")).sort());
    const image = readdirSync(join(single, "images"))[0]!;
    expect(readFileSync(join(out, "images", image)).equals(readFileSync(join(single, "images", image)))).toBe(true);
  });

  it("two workers share a run; merge finds every sample once; an incomplete copy exits 1 naming the missing ones", async () => {
    const out = temp();
    expect((await runCli(["queue", "submit", WORKFLOW, "--count", "16", "--redis", redis.url, "--run", "pair"])).code).toBe(0);
    const results = await Promise.all([startWorker(redis.url, "pair", out, "a").done, startWorker(redis.url, "pair", out, "b").done]);
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const perWorker = results.map((r) => Number(/: (\d+) accepted/.exec(r.stdout)![1]));
    expect(perWorker[0]! + perWorker[1]!).toBe(16);

    // A copy of the shards with two records gone: a run cut short.
    const partial = temp();
    cpSync(join(out, "shards"), join(partial, "shards"), { recursive: true });
    for (const index of [3, 11]) {
      for (const shard of ["a", "b"]) rmSync(join(partial, "shards", shard, "records", `${String(index).padStart(6, "0")}.json`), { force: true });
    }
    // ... and sample 5 in both shards with different records.
    const [has5, lacks5] = copyRecord(partial, 5);
    const conflicting = join(partial, "shards", lacks5, "records", "000005.json");
    writeFileSync(conflicting, readFileSync(conflicting, "utf8").replace('"index": 5', ' "index": 5'));
    const incomplete = await runCli(["merge", partial]);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toMatch(/2 of 16 samples missing: 3, 11\n/);
    expect(incomplete.stderr).toContain(`sample 5 differs between shards ${[has5, lacks5].sort().join(" and ")} (records/000005.json)`);
    expect(existsSync(join(partial, "metadata.jsonl"))).toBe(false);

    // The real run, with sample 7 run by both workers (same bytes) and the empty folder of a
    // worker killed as it started.
    copyRecord(out, 7);
    mkdirSync(join(out, "shards", "killed-at-start", "outcomes"), { recursive: true });
    const merged = await runCli(["merge", out, "--json"]);
    expect(merged.code).toBe(0);
    const result = JSON.parse(merged.stdout) as { complete: boolean; accepted: number; shards: string[]; missing: unknown[] };
    expect(result).toMatchObject({ complete: true, accepted: 16, duplicates: 1, shards: ["a", "b"], missing: [] });
    const lines = readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { sample_index: number });
    expect(lines.map((l) => l.sample_index)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it("a sample that keeps failing is retried, counted as failed, and named by merge", async () => {
    const out = temp();
    // A folder where sample 0's first image goes makes writing that sample fail, every time.
    mkdirSync(join(out, "shards", "w", "images", "000000_0_0.jpg"), { recursive: true });
    const submitted = await runCli(["queue", "submit", WORKFLOW, "--count", "2", "--attempts", "2", "--backoff", "10", "--redis", redis.url, "--run", "failing"]);
    expect(submitted.code).toBe(0);

    const worker = await startWorker(redis.url, "failing", out, "w").done;
    expect(worker.code).toBe(0);
    expect(worker.stdout).toMatch(/worker w: 1 accepted, 0 filtered, 2 failed tries/);
    expect(worker.stderr).toMatch(/sample 0 failed \(try 1\): node #6 \(ImgDiff.DatasetWriter\) failed: .*\nsample 0 failed \(try 2\)/);
    const status = await runCli(["queue", "status", "--redis", redis.url, "--run", "failing", "--json"]);
    expect(JSON.parse(status.stdout)).toEqual({ waiting: 0, active: 0, completed: 1, failed: 1, delayed: 0 });

    const merged = await runCli(["merge", out]);
    expect(merged.code).toBe(1);
    expect(merged.stderr).toMatch(/1 of 2 samples missing: 0 \(failed: node #6 \(ImgDiff.DatasetWriter\) failed: /);
  });

  it("a long-lived worker keeps its shard's files current when the queue runs dry and stops cleanly on SIGTERM", async () => {
    const out = temp();
    expect((await runCli(["queue", "submit", WORKFLOW, "--count", "3", "--redis", redis.url, "--run", "service"])).code).toBe(0);
    const worker = startWorker(redis.url, "service", out, "svc", [], { exitWhenIdle: false });
    const metadata = join(out, "shards", "svc", "metadata.jsonl");
    await waitFor(() => existsSync(metadata) && readFileSync(metadata, "utf8").trim().split("\n").length === 3, 60_000, "the shard's metadata.jsonl");
    worker.child.kill("SIGTERM");
    const result = await worker.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/worker svc: 3 accepted, 0 filtered, 0 failed tries/);
  });
});
