/**
 * A distributed run of a workflow with ComfyUI nodes: submitted with --server (converted and
 * validated against the server's node definitions), run by workers whose ComfyUI stages go to
 * fake ComfyUI servers, merged into the dataset a single-machine `imgdiff run --server` writes.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { writeSmallWorkflow } from "../run/farm-support.js";
import { startWorker } from "./helpers.js";

const DATASET_FILES = ["img_diff_object_replacement.json", "img_diff_object_removal.json", "llava.json", "metadata.jsonl"];

let redis: TestRedis;
let fakes: FakeComfy[];
beforeAll(async () => {
  [redis, ...fakes] = await Promise.all([startRedis(), startFakeComfy(), startFakeComfy()]);
});
afterAll(async () => {
  await Promise.all([redis.dispose(), ...fakes.map((f) => f.close())]);
});

const temp = () => mkdtempSync(join(tmpdir(), "imgdiff-dist-server-"));

describe("imgdiff worker --server", () => {
  it("two workers on two ComfyUI servers: every sample once, the same dataset as imgdiff run --server", async () => {
    const dir = temp();
    const workflow = writeSmallWorkflow(dir, 64);
    const out = join(dir, "out");
    const single = join(dir, "single");
    const args = ["--count", "8", "--seed", "3"];
    const submitted = await runCli(["queue", "submit", workflow, ...args, "--redis", redis.url, "--run", "sdxl", "--server", fakes[0]!.url]);
    expect(submitted.stderr).toBe("");
    expect(submitted.code).toBe(0);
    const before = fakes.map((f) => f.stats().submitted);
    const results = await Promise.all([
      startWorker(redis.url, "sdxl", out, "a", ["--server", fakes[0]!.url, "--concurrency", "2"]).done,
      startWorker(redis.url, "sdxl", out, "b", ["--server", fakes[1]!.url, "--concurrency", "2"]).done,
    ]);
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const accepted = results.map((r) => Number(/: (\d+) accepted/.exec(r.stdout)![1]));
    expect(accepted[0]! + accepted[1]!).toBe(8);
    // Each worker's prompts went to its own server.
    expect(fakes.map((f, i) => f.stats().submitted - before[i]!)).toEqual(accepted);

    const merged = await runCli(["merge", out]);
    expect(merged.stderr).toBe("");
    expect(merged.code).toBe(0);
    const reference = await runCli(["run", workflow, ...args, "--out", single, "--server", fakes[0]!.url, "--server", fakes[1]!.url]);
    expect(reference.code).toBe(0);
    for (const file of DATASET_FILES) expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(single, file), "utf8"));
    expect(readdirSync(join(out, "images")).sort()).toEqual(readdirSync(join(single, "images")).sort());
  }, 120_000);

  it("a workflow with ComfyUI nodes: submit and worker without --server name the node types", async () => {
    const dir = temp();
    const workflow = writeSmallWorkflow(dir, 64);
    const submit = await runCli(["queue", "submit", workflow, "--count", "2", "--redis", redis.url, "--run", "noserver"]);
    expect(submit.code).toBe(1);
    expect(submit.stderr).toMatch(/ComfyUI nodes \(.*KSampler.*\).*--server URL/);

    expect((await runCli(["queue", "submit", workflow, "--count", "2", "--redis", redis.url, "--run", "needs-server", "--server", fakes[0]!.url])).code).toBe(0);
    const worker = await startWorker(redis.url, "needs-server", join(dir, "out"), "w").done;
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/ComfyUI nodes \(.*KSampler.*\).*--server URL/);
  }, 60_000);
});
