/**
 * The state of a run, read from its ledger without writing (safe while the run goes on):
 * counts by state, filter reasons, failure causes, throughput and, for a live run, an ETA.
 */
import { join } from "node:path";
import { LEDGER_FILE, openLedgerReadOnly, type FailureCause, type LedgerCounts, type RunInfo, type SessionRow } from "./ledger.js";
import { isLive } from "./live-session.js";

/** The shape `imgdiff status --json` prints. */
export interface RunStatus extends LedgerCounts {
  /** Filtered samples by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Failed samples by cause ("<code> at node #<id> (<class>)"). */
  readonly failures: Readonly<Record<string, number>>;
  /** Samples finished per second of running time, over all sessions; null before any. */
  readonly samplesPerSecond: number | null;
  /** Seconds left for a live run at its current pace; 0 when complete; null otherwise. */
  readonly etaSeconds: number | null;
}

export interface RunStatusReport {
  readonly status: RunStatus;
  readonly info: RunInfo;
  readonly live: boolean;
  readonly complete: boolean;
  readonly failureCauses: readonly FailureCause[];
  readonly sessions: readonly SessionRow[];
}

export function readRunStatus(dir: string, now = Date.now()): RunStatusReport {
  const ledger = openLedgerReadOnly(join(dir, LEDGER_FILE));
  try {
    const info = ledger.info();
    const counts = ledger.counts();
    const sessions = ledger.sessions();
    const failureCauses = ledger.failures();
    const last = sessions.at(-1);
    const live = isLive(last);
    const complete = counts.pending === 0 && counts.running === 0 && info.finishedAt !== null;
    const duration = (s: SessionRow) => Math.max(0, (s.endedAt ?? (live && s === last ? now : s.lastEndedAt ?? s.startedAt)) - s.startedAt);
    const totalMs = sessions.reduce((a, s) => a + duration(s), 0);
    const totalFinished = sessions.reduce((a, s) => a + s.finished, 0);
    const rate = totalMs > 0 ? totalFinished / (totalMs / 1000) : null;
    // A live run's ETA follows its own pace, not that of earlier sessions.
    const liveRate = live && last && duration(last) > 0 ? last.finished / (duration(last) / 1000) : null;
    const remaining = counts.pending + counts.running;
    const etaSeconds = complete ? 0 : live && liveRate ? Math.round(remaining / liveRate) : null;
    return {
      status: {
        ...counts,
        reasons: ledger.reasons(),
        failures: Object.fromEntries(failureCauses.map((f) => [f.cause, f.count])),
        samplesPerSecond: rate === null ? null : Math.round(rate * 100) / 100,
        etaSeconds,
      },
      info,
      live,
      complete,
      failureCauses,
      sessions,
    };
  } finally {
    ledger.close();
  }
}

export function formatStatus(dir: string, r: RunStatusReport): string {
  const s = r.status;
  const state = r.complete ? "complete" : r.live ? "running" : s.running + s.pending > 0 ? "stopped (resume with the same imgdiff run command)" : "incomplete";
  const p = r.info.parameters;
  const lines = [
    `run:       ${dir}`,
    `state:     ${state}`,
    `workflow:  ${Object.keys(r.info.workflow).length} nodes, --count ${p.count} --seed ${p.seed}, imgdiff ${r.info.version}, ${r.sessions.length} session(s)`,
    `samples:   ${s.total} total: ${s.done} done, ${s.filtered} filtered, ${s.failed} failed, ${s.pending} pending, ${s.running} running`,
    ...Object.entries(s.reasons).map(([reason, n]) => `  filtered ${reason}: ${n}`),
    ...r.failureCauses.map((f) => `  failed ${f.cause}: ${f.count} (e.g. ${f.example})`),
    `speed:     ${s.samplesPerSecond === null ? "-" : `${s.samplesPerSecond} samples/s`}`,
    ...(r.live ? [`eta:       ${s.etaSeconds === null ? "-" : `${s.etaSeconds} s`}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}
