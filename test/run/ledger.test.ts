import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createLedger, isCompleteLedger, openLedger, openLedgerReadOnly, type LedgerInit } from "../../src/run/ledger.js";
import { canonicalJson, describeIdentityDifferences, identityHash } from "../../src/run/run-identity.js";

const dir = mkdtempSync(join(tmpdir(), "imgdiff-ledger-"));
let n = 0;
const path = () => join(dir, `ledger-${n++}.sqlite`);
const workflow = { "1": { class_type: "Test.Source", inputs: { seed: 10 } }, "2": { class_type: "Test.Sink", inputs: { value: ["1", 0] } } };
const init = (count = 5): LedgerInit => ({ workflow, parameters: { count, seed: 3, concurrency: 2 }, version: "9.9.9", seedsFor: (i) => ({ "1.seed": 10 + i }) });
const tick = () => new Promise((r) => setImmediate(r));

describe("ledger", () => {
  it("creates one pending row per sample with its seeds, and records the run", async () => {
    const p = path();
    const ledger = await createLedger(p, init(12_000)); // more than one insert chunk
    expect(ledger.counts()).toEqual({ total: 12_000, pending: 12_000, running: 0, done: 0, filtered: 0, failed: 0 });
    expect(ledger.sample(11_999)).toMatchObject({ index: 11_999, seeds: { "1.seed": 12_009 }, state: "pending", attempts: 0, server: null });
    expect(ledger.info()).toMatchObject({ workflow, parameters: { count: 12_000, seed: 3, concurrency: 2 }, version: "9.9.9", finishedAt: null });
    expect(ledger.info().identityHash).toBe(identityHash({ workflow, count: 12_000, seed: 3 }));
    expect(new Database(p, { readonly: true }).pragma("journal_mode", { simple: true })).toBe("wal");
    ledger.close();
    expect(isCompleteLedger(p)).toBe(true);
    await expect(createLedger(p, init())).rejects.toThrow(/already holds a run ledger/);
  });

  it("records every state with reason, error, outputs and timings", async () => {
    const ledger = await createLedger(path(), init());
    ledger.startSession(2);
    for (const i of [0, 1, 2, 3]) ledger.markRunning(i);
    ledger.markDone(0, { "2": { outputs: ["000000_0"], record: "records/000000.json" } });
    ledger.markFiltered(1, { reason: "odd", nodeId: "2", classType: "Test.Gate", detail: { scores: { similarity: 0.99 } } });
    ledger.markFailed(2, { code: "EXCEPTION", nodeId: "2", classType: "Test.Gate", message: "node #2 (Test.Gate) failed: unlucky" });
    ledger.flush();
    expect(ledger.counts()).toMatchObject({ pending: 1, running: 1, done: 1, filtered: 1, failed: 1 });
    const done = ledger.sample(0)!;
    expect(done).toMatchObject({ state: "done", outputs: { "2": { outputs: ["000000_0"] } }, attempts: 1, error: null });
    expect(done.endedAt! >= done.startedAt!).toBe(true);
    expect(done.ms).toBeGreaterThanOrEqual(0);
    expect(ledger.sample(1)).toMatchObject({ state: "filtered", reason: "odd", nodeId: "2", classType: "Test.Gate", detail: { scores: { similarity: 0.99 } } });
    expect(ledger.sample(2)!.error).toEqual({ code: "EXCEPTION", nodeId: "2", classType: "Test.Gate", message: "node #2 (Test.Gate) failed: unlucky" });
    expect(ledger.reasons()).toEqual({ odd: 1 });
    expect(ledger.failures()).toEqual([{ cause: "EXCEPTION at node #2 (Test.Gate)", count: 1, example: "node #2 (Test.Gate) failed: unlucky" }]);
    ledger.endSession("completed");
    expect(ledger.sessions()).toMatchObject([{ concurrency: 2, outcome: "completed", finished: 3, pid: process.pid }]);
    ledger.close();
  });

  it("queues changes and writes them in one transaction per event-loop turn", async () => {
    const p = path();
    const ledger = await createLedger(p, init());
    const reader = openLedgerReadOnly(p);
    ledger.markRunning(0);
    ledger.markRunning(1);
    expect(reader.counts().running).toBe(0); // not yet written
    await tick();
    expect(reader.counts().running).toBe(2); // written without an explicit flush, visible to a reader
    ledger.markDone(0, {});
    ledger.close(); // close flushes
    expect(reader.counts().done).toBe(1);
    reader.close();
  });

  it("requeues crash leftovers and failures, release puts one abandoned sample back", async () => {
    const ledger = await createLedger(path(), init());
    for (const i of [0, 1, 2]) ledger.markRunning(i);
    ledger.markFailed(0, { code: "X", nodeId: "1", classType: "T", message: "m" });
    ledger.release(2);
    ledger.markFinished();
    expect(ledger.indexesIn("running")).toEqual([1]);
    expect(ledger.indexesIn("pending")).toEqual([2, 3, 4]);
    expect(ledger.info().finishedAt).not.toBeNull();
    expect(ledger.requeue(["running", "failed"])).toBe(2);
    expect(ledger.indexesIn("pending")).toEqual([0, 1, 2, 3, 4]);
    expect(ledger.info().finishedAt).toBeNull();
    ledger.close();
  });

  it("a reader sees a writer's committed changes while the writer stays open", async () => {
    const p = path();
    const ledger = await createLedger(p, init());
    ledger.markRunning(4);
    ledger.markDone(4, {});
    ledger.flush();
    const reader = openLedgerReadOnly(p);
    expect(reader.sample(4)!.state).toBe("done");
    expect((reader as unknown as { markDone?: unknown }).markDone).toBeUndefined();
    reader.close();
    ledger.close();
    const again = openLedger(p);
    expect(again.sample(4)!.state).toBe("done");
    again.close();
  });

  it("missing and half-created ledgers are reported by path", () => {
    const missing = join(dir, "nope.sqlite");
    expect(() => openLedgerReadOnly(missing)).toThrow(/no run ledger at .*nope\.sqlite/);
    expect(existsSync(missing)).toBe(false);
    const half = path();
    new Database(half).exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    expect(isCompleteLedger(half)).toBe(false);
    expect(() => openLedger(half)).toThrow(/not a complete run ledger/);
  });
});

describe("run identity", () => {
  it("canonical JSON ignores key order; the hash covers workflow, count and seed but not concurrency", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    const reordered = { "2": workflow["2"], "1": { inputs: { seed: 10 }, class_type: "Test.Source" } };
    expect(identityHash({ workflow: reordered, count: 5, seed: 3 })).toBe(identityHash({ workflow, count: 5, seed: 3 }));
    expect(identityHash({ workflow, count: 6, seed: 3 })).not.toBe(identityHash({ workflow, count: 5, seed: 3 }));
  });

  it("names what differs", () => {
    const changed = { "1": { class_type: "Test.Source", inputs: { seed: 11 } }, "3": { class_type: "Test.Sink", inputs: {} } };
    expect(describeIdentityDifferences({ workflow, count: 5, seed: 3 }, { workflow: changed, count: 6, seed: 3 })).toEqual([
      "--count: the run has 5, this invocation 6",
      "workflow node #1 (Test.Source) input seed: 10 became 11",
      "workflow node #2 (Test.Sink) was removed",
      "workflow node #3 (Test.Sink) is new",
    ]);
  });
});
