/**
 * `imgdiff queue submit` and `imgdiff queue status` against a real redis-server: a repeated
 * submission adds nothing, another workflow or count under the same run name is refused, and
 * status --json has exactly the documented keys.
 */
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { WORKFLOW } from "./helpers.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.dispose();
});

const submit = (run: string, ...extra: string[]) => runCli(["queue", "submit", WORKFLOW, "--count", "7", "--redis", redis.url, "--run", run, ...extra]);
const status = (run: string) => runCli(["queue", "status", "--redis", redis.url, "--run", run, "--json"]);

describe("imgdiff queue", () => {
  it("submits a run once: a second identical submit adds no job", async () => {
    const first = await submit("once");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/run once submitted: 7 samples, seed 0; 7 jobs added/);

    const again = await submit("once");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/run once already submitted: 7 samples, seed 0; 0 jobs added/);

    const s = await status("once");
    expect(s.code).toBe(0);
    const counts = JSON.parse(s.stdout) as Record<string, number>;
    expect(Object.keys(counts).sort()).toEqual(["active", "completed", "delayed", "failed", "waiting"]);
    expect(counts).toEqual({ waiting: 7, active: 0, completed: 0, failed: 0, delayed: 0 });
  });

  it("refuses the same run name with another count, seed or workflow, naming the difference", async () => {
    expect((await submit("taken")).code).toBe(0);
    const count = await runCli(["queue", "submit", WORKFLOW, "--count", "8", "--redis", redis.url, "--run", "taken"]);
    expect(count.code).toBe(1);
    expect(count.stderr).toMatch(/run taken was submitted before .*\n.*--count: the run has 7, this invocation 8/);

    const changed = JSON.parse(readFileSync(WORKFLOW, "utf8")) as Record<string, { inputs: Record<string, unknown> }>;
    changed["3"]!.inputs["max_boxes"] = 4;
    const file = join(mkdtempSync(join(tmpdir(), "imgdiff-queue-")), "changed.json");
    writeFileSync(file, JSON.stringify(changed));
    const workflow = await runCli(["queue", "submit", file, "--count", "7", "--redis", redis.url, "--run", "taken"]);
    expect(workflow.code).toBe(1);
    expect(workflow.stderr).toMatch(/workflow node #3 \(ImgDiff.DifferenceArea\) input max_boxes: 5 became 4/);
    // Nothing of the refused submissions reached the queue.
    expect(JSON.parse((await status("taken")).stdout)).toMatchObject({ waiting: 7 });
  });

  it("explains an unknown run, a bad run name and an unreachable server", async () => {
    const unknown = await status("nobody");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no run named nobody in Redis at redis:\/\/127\.0\.0\.1:\d+; submit it first/);

    const badName = await submit("a:b");
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/run name "a:b" is not allowed/);

    const unreachable = await runCli(["queue", "status", "--redis", "redis://127.0.0.1:1", "--run", "x"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
