import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { runDurable } from "../../src/run/durable-run.js";
import { LEDGER_FILE } from "../../src/run/ledger.js";
import { RUN_LOCK_FILE } from "../../src/run/run-lock.js";
import { defaultRegistry } from "../../src/nodes/index.js";

const workflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as unknown;
const graph = () => prepareGraph(parsePrompt(workflow), defaultRegistry());
const ids = (out: string) =>
  readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { sample_index: number }).sample_index);

describe("the dataset holds exactly the samples the ledger accepts", () => {
  it("a record left behind by a sample the ledger calls failed is not published", async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-stale-"));
    const first = await runDurable(graph(), { outputDir: out, count: 4, seed: 1, concurrency: 2 });
    const done = ids(out);
    expect(done.length).toBe(first.counts.done);
    expect(done.length).toBeGreaterThanOrEqual(2);
    const stale = done[1]!;
    // As after kill -9 between a sample's record and its ledger entry, then a redo that failed.
    const db = new Database(join(out, LEDGER_FILE));
    db.prepare("UPDATE samples SET state = 'failed', error_code = 'EXCEPTION', error_message = 'redo failed' WHERE idx = ?").run(stale);
    db.prepare("DELETE FROM meta WHERE key = 'finished_at'").run();
    db.close();
    expect(existsSync(join(out, `records/${String(stale).padStart(6, "0")}.json`))).toBe(true);

    const again = await runDurable(graph(), { outputDir: out, count: 4, seed: 1, concurrency: 2 });
    expect(again.counts.failed).toBe(first.counts.failed + 1);
    expect(ids(out)).toEqual(done.filter((i) => i !== stale));
  });

  it("a second process on the same folder is refused while the first holds the run lock; a dead owner's lock is taken over", async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-lock-"));
    // A live owner: this test process's parent.
    writeFileSync(join(out, RUN_LOCK_FILE), JSON.stringify({ pid: process.ppid, host: (await import("node:os")).hostname(), startedAt: "now" }));
    await expect(runDurable(graph(), { outputDir: out, count: 1, seed: 0, concurrency: 1 })).rejects.toMatchObject({ code: "RUN_IN_PROGRESS" });
    expect(existsSync(join(out, LEDGER_FILE))).toBe(false);
    // A dead owner (no such pid): its lock is stale.
    writeFileSync(join(out, RUN_LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), startedAt: "then" }));
    const result = await runDurable(graph(), { outputDir: out, count: 1, seed: 0, concurrency: 1 });
    expect(result.counts.done + result.counts.filtered).toBe(1);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it("a ledger that is not a database is an error, never deleted", async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-corrupt-"));
    writeFileSync(join(out, LEDGER_FILE), "this is not sqlite, but somebody's run history");
    await expect(runDurable(graph(), { outputDir: out, count: 1, seed: 0, concurrency: 1 })).rejects.toMatchObject({ code: "LEDGER_UNREADABLE" });
    expect(readFileSync(join(out, LEDGER_FILE), "utf8")).toBe("this is not sqlite, but somebody's run history");
  });
});
