/**
 * A batch run that survives crashes: every sample's state goes to the run folder's ledger, and
 * an invocation on a folder holding an unfinished run of the same workflow and parameters
 * resumes it. Done and filtered samples are never redone; samples caught running by a crash
 * are; failed ones only when asked (retryFailed). The dataset files are rebuilt at the end
 * from the output node's per-sample records, so they always describe every finished sample.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ImgDiffError } from "../errors.js";
import type { NodeReport } from "../nodes/define.js";
import { finalizeNodes, runBatch, type BatchSummary } from "./batch.js";
import type { SampleOutcome } from "./execute-sample.js";
import type { PreparedGraph } from "./graph.js";
import {
  createLedger,
  ledgerState,
  LEDGER_FILE,
  openLedger,
  type FailureCause,
  type Ledger,
  type LedgerCounts,
  type RunParameters,
} from "./ledger.js";
import { acquireRunLock } from "./run-lock.js";
import { packageVersion } from "./package-version.js";
import { describeIdentityDifferences, identityHash } from "./run-identity.js";
import { seedForSample } from "./seed-control.js";
import { assertRunnable, type SampleServices } from "./execute-sample.js";

export interface DurableRunOptions extends RunParameters, SampleServices {
  readonly outputDir: string;
  /** Run failed samples again. */
  readonly retryFailed?: boolean;
  /** Stop once more than this many samples failed in this invocation. */
  readonly maxFailures?: number;
  /** Recorded in a new ledger; default this package's version. */
  readonly version?: string;
  /** Called once the plan is known, before any sample runs. */
  readonly onPlan?: (plan: RunPlan) => void;
  /** Called after each sample of this invocation. */
  readonly onSample?: (outcome: SampleOutcome, finished: number) => void;
}

export interface RunPlan {
  readonly resumed: boolean;
  /** Samples to run in this invocation. */
  readonly toRun: number;
  /** Samples found running (a crash) and put back to pending. */
  readonly redone: number;
  /** Failed samples put back to pending by retryFailed. */
  readonly retried: number;
  /** Ledger counts before this invocation ran anything. */
  readonly before: LedgerCounts;
}

export type DurableRunStatus = "completed" | "already_complete" | "interrupted" | "max_failures";

export interface DurableRunResult {
  readonly status: DurableRunStatus;
  readonly plan: RunPlan;
  /** This invocation's batch; null when no sample had to run. */
  readonly batch: BatchSummary | null;
  /** Output nodes' finalize reports (dataset file counts), by node id. */
  readonly finalized: Readonly<Record<string, NodeReport>>;
  /** The whole run, after this invocation. */
  readonly counts: LedgerCounts;
  readonly reasons: Readonly<Record<string, number>>;
  readonly failures: readonly FailureCause[];
  readonly ledgerPath: string;
}

export async function runDurable(graph: PreparedGraph, options: DurableRunOptions): Promise<DurableRunResult> {
  const { outputDir, count, seed, concurrency } = options;
  assertRunnable(graph, options.runner);
  const ledgerPath = join(outputDir, LEDGER_FILE);
  const lock = acquireRunLock(outputDir);
  let opened: { ledger: Ledger; resumed: boolean };
  try {
    opened = await openOrCreate(graph, options, ledgerPath);
  } catch (error) {
    lock.release();
    throw error;
  }
  const { ledger, resumed } = opened;
  try {
    const before = ledger.counts();
    const finished = before.pending === 0 && before.running === 0 && !(options.retryFailed && before.failed > 0);
    if (finished && ledger.info().finishedAt !== null) {
      const plan = { resumed, toRun: 0, redone: 0, retried: 0, before };
      return result("already_complete", plan, null, {}, ledger, ledgerPath);
    }
    const redone = ledger.requeue(["running"]);
    const retried = options.retryFailed ? ledger.requeue(["failed"]) : 0;
    const samples = ledger.indexesIn("pending");
    const plan: RunPlan = { resumed, toRun: samples.length, redone, retried, before };
    options.onPlan?.(plan);

    let batch: BatchSummary | null = null;
    if (samples.length > 0) {
      ledger.startSession(concurrency);
      const inFlight = new Set<number>();
      try {
        batch = await runBatch(graph, {
          count,
          samples,
          concurrency,
          runSeed: seed,
          outputDir,
          finalize: false,
          signal: options.signal,
          runner: options.runner,
          localPool: options.localPool,
          ...(options.maxFailures !== undefined ? { maxFailures: options.maxFailures } : {}),
          onStart: (index) => {
            inFlight.add(index);
            ledger.markRunning(index);
          },
          onSample: (outcome, n) => {
            inFlight.delete(outcome.index);
            record(ledger, outcome);
            options.onSample?.(outcome, n);
          },
        });
      } finally {
        // Samples abandoned by an interrupt go back to pending, not to "running" forever.
        for (const index of inFlight) ledger.release(index);
        ledger.endSession(batch?.stopped === "aborted" ? "interrupted" : batch?.stopped ?? (batch ? "completed" : "error"));
      }
    }
    // The dataset files hold exactly the samples the ledger calls done: a record left by a crash
    // before a redo that was filtered or failed is stale. A resumed run with nothing left to run
    // still assembles them.
    ledger.flush();
    const finalized = await finalizeNodes(graph, outputDir, new Map(), new Set(ledger.indexesIn("done")));
    const after = ledger.counts();
    if (after.pending === 0 && after.running === 0) ledger.markFinished();
    const status: DurableRunStatus = batch?.stopped === "aborted" ? "interrupted" : batch?.stopped === "max_failures" ? "max_failures" : "completed";
    return result(status, plan, batch, finalized, ledger, ledgerPath);
  } finally {
    ledger.close();
    lock.release();
  }
}

function result(status: DurableRunStatus, plan: RunPlan, batch: BatchSummary | null, finalized: Record<string, NodeReport>, ledger: Ledger, ledgerPath: string): DurableRunResult {
  return { status, plan, batch, finalized, counts: ledger.counts(), reasons: ledger.reasons(), failures: ledger.failures(), ledgerPath };
}

function record(ledger: Ledger, outcome: SampleOutcome): void {
  if (outcome.status === "done") ledger.markDone(outcome.index, outcome.reports);
  else if (outcome.status === "filtered") ledger.markFiltered(outcome.index, outcome);
  else {
    const e = outcome.error;
    ledger.markFailed(outcome.index, { code: e.causeCode, nodeId: e.nodeId, classType: e.classType, message: e.message });
  }
}

async function openOrCreate(graph: PreparedGraph, options: DurableRunOptions, path: string): Promise<{ ledger: Ledger; resumed: boolean }> {
  const { count, seed, concurrency } = options;
  if (existsSync(path) && ledgerState(path) === "complete") {
    const ledger = openLedger(path);
    try {
      checkSameRun(ledger, graph, options);
    } catch (error) {
      ledger.close();
      throw error;
    }
    return { ledger, resumed: true };
  }
  // A ledger cut short while being created recorded no sample (and the run lock says nobody is
  // creating it now): start it over.
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  const ledger = await createLedger(path, {
    workflow: graph.prompt,
    parameters: { count, seed, concurrency },
    version: options.version ?? packageVersion(),
    seedsFor: (index) => Object.fromEntries(graph.seedWidgets.map((w) => [`${w.nodeId}.${w.input}`, seedForSample(w, index, seed)])),
  });
  return { ledger, resumed: false };
}

function checkSameRun(ledger: Ledger, graph: PreparedGraph, options: DurableRunOptions): void {
  const info = ledger.info();
  const current = { workflow: graph.prompt, count: options.count, seed: options.seed };
  if (info.identityHash === identityHash(current)) return;
  const stored = { workflow: info.workflow, count: info.parameters.count, seed: info.parameters.seed };
  const differences = describeIdentityDifferences(stored, current);
  throw new ImgDiffError(
    "RUN_MISMATCH",
    `${options.outputDir} holds another run (its ledger ${LEDGER_FILE} records a different workflow or parameters), so it cannot be resumed with these:\n  - ${
      (differences.length ? differences : ["the workflow differs"]).join("\n  - ")
    }\nRerun with the run's own workflow and parameters to resume it, or choose a new --out folder for a new run.`,
  );
}

