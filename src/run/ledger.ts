/**
 * The run ledger: DIR/ledger.sqlite records the run (workflow, parameters, package version) and
 * every sample's state, so a killed run resumes with nothing lost and nothing done twice.
 *
 * Sample states: pending -> running -> done | filtered | failed. A sample is marked done only
 * after its output node has written its files (the dataset writer's record is written last and
 * fsynced), so "done" in the ledger always means the files exist; the reverse gap (files
 * written, crash before the ledger said so) leaves the sample "running", and it is redone.
 *
 * State changes are queued and written together, one transaction per turn of the event loop,
 * through prepared statements: a handful of row updates, microseconds of synchronous work.
 * WAL mode lets `imgdiff status` and the report read while a run writes.
 */
import { hostname } from "node:os";
import Database from "better-sqlite3";
import { ImgDiffError } from "../errors.js";
import type { ApiPrompt } from "../graph/api-prompt.js";
import { identityHash } from "./run-identity.js";

export const LEDGER_FILE = "ledger.sqlite";
const LEDGER_FORMAT = "imgdiff-ledger/1";
/** Rows inserted per transaction when a run is created; the event loop breathes in between. */
const INSERT_CHUNK = 5000;

export type SampleState = "pending" | "running" | "done" | "filtered" | "failed";
export const SAMPLE_STATES: readonly SampleState[] = ["pending", "running", "done", "filtered", "failed"];

export interface RunParameters {
  readonly count: number;
  readonly seed: number;
  readonly concurrency: number;
}

export interface RunInfo {
  readonly workflow: ApiPrompt;
  readonly parameters: RunParameters;
  /** Package version that created the run. */
  readonly version: string;
  readonly identityHash: string;
  readonly createdAt: number;
  /** When the run last completed (every sample done, filtered or failed, outputs finalized). */
  readonly finishedAt: number | null;
}

export interface SampleError {
  readonly code: string;
  readonly nodeId: string;
  readonly classType: string;
  readonly message: string;
}

export interface SampleRow {
  readonly index: number;
  /** Seed widget values of this sample, by "<node id>.<input>". */
  readonly seeds: Readonly<Record<string, number>>;
  readonly state: SampleState;
  /** Filter reason (filtered). */
  readonly reason: string | null;
  /** Node that filtered or failed the sample. */
  readonly nodeId: string | null;
  readonly classType: string | null;
  readonly error: SampleError | null;
  /** Filter detail (e.g. the pair filter's scores). */
  readonly detail: Readonly<Record<string, unknown>> | null;
  /** What each output node reported (its `ui`), by node id: the files it wrote. */
  readonly outputs: Readonly<Record<string, unknown>> | null;
  /** ComfyUI server that ran the sample; null for a local run. */
  readonly server: string | null;
  /** Epoch milliseconds. */
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly ms: number | null;
  /** How many times the sample was started. */
  readonly attempts: number;
}

export interface LedgerCounts {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly done: number;
  readonly filtered: number;
  readonly failed: number;
}

export interface FailureCause {
  /** "<code> at node #<id> (<class>)" */
  readonly cause: string;
  readonly count: number;
  /** The message of the latest failure with this cause. */
  readonly example: string;
}

export interface SessionRow {
  readonly id: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly pid: number;
  readonly host: string;
  readonly concurrency: number;
  /** "completed", "interrupted", "max_failures"; null while running or after a crash. */
  readonly outcome: string | null;
  /** Samples that reached done, filtered or failed during the session. */
  readonly finished: number;
  /** End of the session's last sample (epoch ms), if any. */
  readonly lastEndedAt: number | null;
}

export interface LedgerReader {
  readonly path: string;
  info(): RunInfo;
  counts(): LedgerCounts;
  /** Filtered samples by reason. */
  reasons(): Record<string, number>;
  /** Failed samples grouped by cause, most common first. */
  failures(): FailureCause[];
  sessions(): SessionRow[];
  sample(index: number): SampleRow | undefined;
  /** Every sample (or those in one state), by index. */
  samples(state?: SampleState): SampleRow[];
  close(): void;
}

export interface Ledger extends LedgerReader {
  /** Indexes of the samples in a state, ascending. Flushes queued changes first. */
  indexesIn(state: SampleState): number[];
  /** Start a session (one invocation of a run); returns its id. */
  startSession(concurrency: number): number;
  endSession(outcome: string): void;
  markRunning(index: number, server?: string | null): void;
  markDone(index: number, outputs: Readonly<Record<string, unknown>>): void;
  markFiltered(index: number, filter: { reason: string; nodeId: string; classType: string; detail?: Readonly<Record<string, unknown>> | undefined }): void;
  markFailed(index: number, error: SampleError): void;
  /** Put one sample back to pending: it was started but abandoned (the run was interrupted). */
  release(index: number): void;
  /** Put samples in the given states back to pending (crash leftovers, retries); returns how many. */
  requeue(states: readonly SampleState[]): number;
  /** Record that the run completed; cleared again by requeue. */
  markFinished(): void;
  /** Write queued changes now (also done automatically once per event-loop turn). */
  flush(): void;
}

export interface LedgerInit {
  readonly workflow: ApiPrompt;
  readonly parameters: RunParameters;
  readonly version: string;
  /** Seed widget values of sample `index`, recorded in its row. */
  seedsFor(index: number): Readonly<Record<string, number>>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
  idx INTEGER PRIMARY KEY,
  seeds TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','running','done','filtered','failed')),
  reason TEXT,
  node_id TEXT,
  class_type TEXT,
  error_code TEXT,
  error_message TEXT,
  detail TEXT,
  outputs TEXT,
  server TEXT,
  started_at INTEGER,
  ended_at INTEGER,
  ms REAL,
  attempts INTEGER NOT NULL DEFAULT 0,
  session INTEGER
);
CREATE INDEX IF NOT EXISTS samples_state ON samples(state);
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  outcome TEXT
);
`;

/** Create the ledger of a new run with every sample pending. Refuses if the file exists. */
export async function createLedger(path: string, init: LedgerInit): Promise<Ledger> {
  const db = openDatabase(path, false, false);
  try {
    if (db.prepare("SELECT name FROM sqlite_master WHERE name = 'meta'").get()) {
      throw new ImgDiffError("LEDGER_EXISTS", `${path} already holds a run ledger; open it instead of creating one`);
    }
    db.exec(SCHEMA);
    const { workflow, parameters, version } = init;
    const meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    const insert = db.prepare("INSERT INTO samples (idx, seeds, state) VALUES (?, ?, 'pending')");
    const chunk = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(i, JSON.stringify(init.seedsFor(i)));
    });
    for (let from = 0; from < parameters.count; from += INSERT_CHUNK) {
      chunk(from, Math.min(parameters.count, from + INSERT_CHUNK));
      if (from + INSERT_CHUNK < parameters.count) await new Promise((r) => setImmediate(r));
    }
    // The format key goes in last: a ledger without it was never fully created.
    db.transaction(() => {
      meta.run("workflow", JSON.stringify(workflow));
      meta.run("parameters", JSON.stringify(parameters));
      meta.run("version", version);
      meta.run("identity_hash", identityHash({ workflow, count: parameters.count, seed: parameters.seed }));
      meta.run("created_at", String(Date.now()));
      meta.run("format", LEDGER_FORMAT);
    })();
    return writable(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Open an existing run's ledger for writing (resume). */
export function openLedger(path: string): Ledger {
  const db = openDatabase(path, false, true);
  try {
    checkFormat(db, path);
    return writable(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Open a ledger read-only: safe while a run writes to it. */
export function openLedgerReadOnly(path: string): LedgerReader {
  const db = openDatabase(path, true, true);
  try {
    checkFormat(db, path);
    return reader(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** True if the ledger at `path` was fully created (a crash during creation leaves it unusable). */
export function isCompleteLedger(path: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = openDatabase(path, true, true);
    return (db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as { value: string } | undefined)?.value === LEDGER_FORMAT;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/**
 * What the file at `path` is: a complete ledger, or one cut short while it was being created
 * (no format mark yet, nothing recorded). Anything else (not a database, unreadable, another
 * format) is an error, never "incomplete": a run's history is not deleted by mistake.
 */
export function ledgerState(path: string): "complete" | "incomplete" {
  const db = openDatabase(path, true, true);
  try {
    let format: string | undefined;
    try {
      format = (db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as { value: string } | undefined)?.value;
    } catch (error) {
      if (/no such table/.test((error as Error).message)) return "incomplete";
      throw new ImgDiffError("LEDGER_UNREADABLE", `cannot read the run ledger ${path}: ${(error as Error).message}; move it away to start a new run in this folder`);
    }
    if (format === undefined) return "incomplete";
    if (format === LEDGER_FORMAT) return "complete";
    throw new ImgDiffError("LEDGER_UNREADABLE", `${path} is a ledger of format ${JSON.stringify(format)}, which this imgdiff (${JSON.stringify(LEDGER_FORMAT)}) cannot resume`);
  } finally {
    db.close();
  }
}

function openDatabase(path: string, readonly: boolean, mustExist: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly, fileMustExist: mustExist, timeout: 5000 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_CANTOPEN") throw new ImgDiffError("LEDGER_NOT_FOUND", `no run ledger at ${path} (expected a folder made by imgdiff run --out)`);
    throw new ImgDiffError("LEDGER_UNREADABLE", `cannot open the run ledger ${path}: ${(error as Error).message}`);
  }
  if (!readonly) {
    db.pragma("journal_mode = WAL");
    // In WAL mode NORMAL never corrupts the database; a power cut may lose the last
    // transactions, which only means redoing a few samples.
    db.pragma("synchronous = NORMAL");
  }
  return db;
}

function checkFormat(db: Database.Database, path: string): void {
  let format: string | undefined;
  try {
    format = (db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as { value: string } | undefined)?.value;
  } catch (error) {
    throw new ImgDiffError("LEDGER_UNREADABLE", `${path} is not a run ledger: ${(error as Error).message}`);
  }
  if (format !== LEDGER_FORMAT) {
    throw new ImgDiffError("LEDGER_UNREADABLE", `${path} is not a complete run ledger (format ${JSON.stringify(format ?? null)}, expected ${JSON.stringify(LEDGER_FORMAT)})`);
  }
}

interface Row {
  idx: number;
  seeds: string;
  state: SampleState;
  reason: string | null;
  node_id: string | null;
  class_type: string | null;
  error_code: string | null;
  error_message: string | null;
  detail: string | null;
  outputs: string | null;
  server: string | null;
  started_at: number | null;
  ended_at: number | null;
  ms: number | null;
  attempts: number;
}

function toSample(row: Row): SampleRow {
  return {
    index: row.idx,
    seeds: JSON.parse(row.seeds) as Record<string, number>,
    state: row.state,
    reason: row.reason,
    nodeId: row.node_id,
    classType: row.class_type,
    error:
      row.state === "failed" && row.error_code !== null
        ? { code: row.error_code, nodeId: row.node_id ?? "?", classType: row.class_type ?? "?", message: row.error_message ?? "" }
        : null,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    outputs: row.outputs === null ? null : (JSON.parse(row.outputs) as Record<string, unknown>),
    server: row.server,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    ms: row.ms,
    attempts: row.attempts,
  };
}

function reader(db: Database.Database, path: string): LedgerReader {
  const getMeta = db.prepare("SELECT key, value FROM meta");
  const countStates = db.prepare("SELECT state, COUNT(*) AS n FROM samples GROUP BY state");
  const countReasons = db.prepare("SELECT reason, COUNT(*) AS n FROM samples WHERE state = 'filtered' GROUP BY reason ORDER BY n DESC, reason");
  const countFailures = db.prepare(
    `SELECT error_code, node_id, class_type, COUNT(*) AS n,
            (SELECT error_message FROM samples s2 WHERE s2.state = 'failed' AND s2.error_code IS s.error_code AND s2.node_id IS s.node_id
              ORDER BY ended_at DESC LIMIT 1) AS example
     FROM samples s WHERE state = 'failed' GROUP BY error_code, node_id, class_type ORDER BY n DESC, error_code`,
  );
  const getSessions = db.prepare(
    `SELECT s.*, (SELECT COUNT(*) FROM samples WHERE session = s.id AND state IN ('done','filtered','failed')) AS finished,
            (SELECT MAX(ended_at) FROM samples WHERE session = s.id) AS last_ended
     FROM sessions s ORDER BY id`,
  );
  const getSample = db.prepare("SELECT * FROM samples WHERE idx = ?");
  const allSamples = db.prepare("SELECT * FROM samples ORDER BY idx");
  const samplesIn = db.prepare("SELECT * FROM samples WHERE state = ? ORDER BY idx");

  return {
    path,
    info() {
      const meta = Object.fromEntries((getMeta.all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
      return {
        workflow: JSON.parse(meta["workflow"]!) as ApiPrompt,
        parameters: JSON.parse(meta["parameters"]!) as RunParameters,
        version: meta["version"]!,
        identityHash: meta["identity_hash"]!,
        createdAt: Number(meta["created_at"]),
        finishedAt: meta["finished_at"] ? Number(meta["finished_at"]) : null,
      };
    },
    counts() {
      const byState: Record<string, number> = {};
      for (const r of countStates.all() as { state: string; n: number }[]) byState[r.state] = r.n;
      const c = (s: SampleState) => byState[s] ?? 0;
      return { total: SAMPLE_STATES.reduce((a, s) => a + c(s), 0), pending: c("pending"), running: c("running"), done: c("done"), filtered: c("filtered"), failed: c("failed") };
    },
    reasons() {
      return Object.fromEntries((countReasons.all() as { reason: string | null; n: number }[]).map((r) => [r.reason ?? "unknown", r.n]));
    },
    failures() {
      return (countFailures.all() as { error_code: string | null; node_id: string | null; class_type: string | null; n: number; example: string | null }[]).map((r) => ({
        cause: `${r.error_code ?? "UNKNOWN"} at node #${r.node_id ?? "?"} (${r.class_type ?? "?"})`,
        count: r.n,
        example: r.example ?? "",
      }));
    },
    sessions() {
      return (getSessions.all() as { id: number; started_at: number; ended_at: number | null; pid: number; host: string; concurrency: number; outcome: string | null; finished: number; last_ended: number | null }[]).map((r) => ({
        id: r.id,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        pid: r.pid,
        host: r.host,
        concurrency: r.concurrency,
        outcome: r.outcome,
        finished: r.finished,
        lastEndedAt: r.last_ended,
      }));
    },
    sample(index) {
      const row = getSample.get(index) as Row | undefined;
      return row && toSample(row);
    },
    samples(state) {
      return ((state ? samplesIn.all(state) : allSamples.all()) as Row[]).map(toSample);
    },
    close() {
      if (db.open) db.close();
    },
  };
}

function writable(db: Database.Database, path: string): Ledger {
  const base = reader(db, path);
  const setMeta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  const clearFinished = db.prepare("DELETE FROM meta WHERE key = 'finished_at'");
  const indexesIn = db.prepare("SELECT idx FROM samples WHERE state = ? ORDER BY idx").pluck();
  const insertSession = db.prepare("INSERT INTO sessions (started_at, pid, host, concurrency) VALUES (?, ?, ?, ?)");
  const finishSession = db.prepare("UPDATE sessions SET ended_at = ?, outcome = ? WHERE id = ?");
  const running = db.prepare(
    `UPDATE samples SET state = 'running', server = ?, started_at = ?, ended_at = NULL, ms = NULL, attempts = attempts + 1, session = ?,
       reason = NULL, node_id = NULL, class_type = NULL, error_code = NULL, error_message = NULL, detail = NULL, outputs = NULL
     WHERE idx = ?`,
  );
  const done = db.prepare("UPDATE samples SET state = 'done', outputs = ?, ended_at = ?, ms = ?, session = ? WHERE idx = ?");
  const filtered = db.prepare("UPDATE samples SET state = 'filtered', reason = ?, node_id = ?, class_type = ?, detail = ?, ended_at = ?, ms = ?, session = ? WHERE idx = ?");
  const failed = db.prepare(
    "UPDATE samples SET state = 'failed', error_code = ?, node_id = ?, class_type = ?, error_message = ?, ended_at = ?, ms = ?, session = ? WHERE idx = ?",
  );
  const requeueState = db.prepare("UPDATE samples SET state = 'pending' WHERE state = ?");
  const releaseOne = db.prepare("UPDATE samples SET state = 'pending' WHERE idx = ? AND state = 'running'");

  let queue: (() => void)[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  let session: number | null = null;
  const startedAt = new Map<number, number>();
  const writeQueue = db.transaction((ops: (() => void)[]) => {
    for (const op of ops) op();
  });
  // A write that fails in the background (disk full, I/O error) must not become an uncaught
  // exception, nor be forgotten: it is kept and thrown by the next call into the ledger.
  let failure: ImgDiffError | undefined;
  const throwIfFailed = () => {
    if (failure) throw failure;
  };
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    throwIfFailed();
    if (queue.length === 0) return;
    if (!db.open) throw new ImgDiffError("LEDGER_CLOSED", `${path}: ${queue.length} state change(s) arrived after the ledger was closed`);
    const ops = queue;
    queue = [];
    try {
      writeQueue(ops);
    } catch (error) {
      failure = new ImgDiffError("LEDGER_WRITE_FAILED", `cannot write the run ledger ${path}: ${(error as Error).message}`, { cause: error });
      throw failure;
    }
  };
  const enqueue = (op: () => void) => {
    throwIfFailed();
    queue.push(op);
    scheduled ??= setImmediate(() => {
      try {
        flush();
      } catch {
        // kept in `failure`; the next ledger call throws it
      }
    });
  };
  const timing = (index: number) => {
    const start = startedAt.get(index);
    startedAt.delete(index);
    const now = Date.now();
    return { end: now, ms: start === undefined ? null : Math.round((performance.now() - start) * 10) / 10 };
  };

  return {
    ...base,
    indexesIn(state) {
      flush();
      return indexesIn.all(state) as number[];
    },
    startSession(concurrency) {
      flush();
      session = Number(insertSession.run(Date.now(), process.pid, hostname(), concurrency).lastInsertRowid);
      return session;
    },
    endSession(outcome) {
      flush();
      if (session !== null) finishSession.run(Date.now(), outcome, session);
      session = null;
    },
    markRunning(index, server = null) {
      const wall = Date.now();
      startedAt.set(index, performance.now());
      const s = session;
      enqueue(() => running.run(server, wall, s, index));
    },
    markDone(index, outputs) {
      const t = timing(index);
      const s = session;
      enqueue(() => done.run(JSON.stringify(outputs), t.end, t.ms, s, index));
    },
    markFiltered(index, f) {
      const t = timing(index);
      const s = session;
      enqueue(() => filtered.run(f.reason, f.nodeId, f.classType, f.detail === undefined ? null : JSON.stringify(f.detail), t.end, t.ms, s, index));
    },
    markFailed(index, e) {
      const t = timing(index);
      const s = session;
      enqueue(() => failed.run(e.code, e.nodeId, e.classType, e.message, t.end, t.ms, s, index));
    },
    release(index) {
      startedAt.delete(index);
      enqueue(() => releaseOne.run(index));
    },
    requeue(states) {
      flush();
      return db.transaction(() => {
        let n = 0;
        for (const state of states) n += requeueState.run(state).changes;
        if (n > 0) clearFinished.run();
        return n;
      })();
    },
    markFinished() {
      flush();
      setMeta.run("finished_at", String(Date.now()));
    },
    flush,
    close() {
      flush();
      base.close();
    },
  };
}
