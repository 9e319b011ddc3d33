/**
 * Progress of a batch run, always on stderr so stdout stays clean for the summary:
 *  - on a terminal, an overall bar with rate and ETA redrawn in place, and a line per server;
 *  - otherwise (logs, CI) plain lines, at most one group per interval and at least one per
 *    interval while the run is going, so a stuck farm still shows its servers;
 *  - with `json`, one JSON object per line (a ProgressSnapshot) for machines, after every
 *    finished sample and on the same interval; no other stderr line starts with "{".
 */
export interface ProgressCounts {
  readonly accepted: number;
  readonly filtered: number;
  readonly failed: number;
}

/** One ComfyUI server as the progress shows it. */
export interface ServerProgress {
  readonly url: string;
  /** Our prompts on it now (running or queued behind the running one). */
  readonly busy: number;
  /** Prompts it ran to the end. */
  readonly done: number;
  /** Prompts that did not finish there because the server failed (they moved on). */
  readonly failed: number;
  readonly healthy: boolean;
}

export interface ProgressSnapshot extends ProgressCounts {
  readonly finished: number;
  readonly total: number;
  /** Samples per second since the progress started. */
  readonly rate: number;
  /** Seconds left at that rate; null before the first sample finishes. */
  readonly eta: number | null;
  readonly servers: readonly ServerProgress[];
}

export interface Progress {
  update(finished: number, counts: ProgressCounts): void;
  done(): void;
}

export interface ProgressOptions {
  readonly stream?: Pick<NodeJS.WriteStream, "write"> & { readonly isTTY?: boolean };
  /** JSON lines instead of text. */
  readonly json?: boolean;
  /** The servers' state now (a ServerPool's), read at every draw. */
  readonly servers?: () => readonly ServerProgress[];
  /** Least and most time between two plain or JSON writes; default 2 s. */
  readonly intervalMs?: number;
}

export function createProgress(total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const mode = options.json ? "json" : stream.isTTY === true ? "tty" : "plain";
  const intervalMs = options.intervalMs ?? 2000;
  const started = performance.now();
  let finished = 0;
  let counts: ProgressCounts = { accepted: 0, filtered: 0, failed: 0 };
  let lastWrite = Number.NEGATIVE_INFINITY;
  // Lines the last terminal draw left below the cursor's line, to move back over.
  let drawnBelow = 0;

  const snapshot = (): ProgressSnapshot => {
    const seconds = (performance.now() - started) / 1000;
    const rate = finished / Math.max(seconds, 1e-3);
    return { finished, total, ...counts, rate, eta: finished > 0 ? (total - finished) / rate : null, servers: options.servers?.() ?? [] };
  };

  const draw = () => {
    lastWrite = performance.now();
    const s = snapshot();
    if (mode === "json") {
      stream.write(`${JSON.stringify({ ...s, rate: round(s.rate), eta: s.eta === null ? null : round(s.eta) })}\n`);
      return;
    }
    const lines = [overallLine(s), ...s.servers.map(serverLine)];
    if (mode === "plain") {
      stream.write(`${lines.join("\n")}\n`);
      return;
    }
    const width = 28;
    const filled = Math.round((s.finished / Math.max(s.total, 1)) * width);
    lines[0] = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${lines[0]}`;
    const up = drawnBelow > 0 ? `\u001b[${drawnBelow}A` : "";
    stream.write(`${up}\r${lines.map((l) => `${l}\u001b[K`).join("\n")}`);
    drawnBelow = lines.length - 1;
  };

  // A run whose samples take long still reports its servers now and then.
  const timer = setInterval(draw, mode === "tty" ? 1000 : intervalMs);
  timer.unref();

  return {
    update(n, c) {
      finished = n;
      counts = { accepted: c.accepted, filtered: c.filtered, failed: c.failed };
      const since = performance.now() - lastWrite;
      if (mode === "json" || n >= total || since >= (mode === "tty" ? 80 : intervalMs)) draw();
    },
    done() {
      clearInterval(timer);
      if (mode === "tty") stream.write("\n");
    },
  };
}

function overallLine(s: ProgressSnapshot): string {
  return `${s.finished}/${s.total} samples  ${s.rate.toFixed(1)}/s  accepted ${s.accepted}  filtered ${s.filtered}  failed ${s.failed}  eta ${s.eta === null ? "?" : formatSeconds(s.eta)}`;
}

function serverLine(s: ServerProgress): string {
  return `  ${s.url}  ${s.healthy ? "up" : "DOWN"}  busy ${s.busy}  done ${s.done}  failed ${s.failed}`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;
}
