/**
 * Progress of a batch run: a redrawn bar on a terminal, plain periodic lines otherwise (logs,
 * CI), always on stderr so stdout stays clean for the summary.
 */
export interface Progress {
  update(finished: number, counts: { accepted: number; filtered: number; failed: number }): void;
  done(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let lastDraw = 0;
  const line = (finished: number, c: { accepted: number; filtered: number; failed: number }) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = finished / Math.max(seconds, 1e-3);
    const eta = rate > 0 ? (total - finished) / rate : 0;
    return `${finished}/${total} samples  ${rate.toFixed(1)}/s  accepted ${c.accepted}  filtered ${c.filtered}  failed ${c.failed}  eta ${formatSeconds(eta)}`;
  };
  return {
    update(finished, counts) {
      const now = performance.now();
      if (tty) {
        if (now - lastDraw < 80 && finished < total) return;
        lastDraw = now;
        const width = 28;
        const filled = Math.round((finished / Math.max(total, 1)) * width);
        stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${line(finished, counts)}\u001b[K`);
      } else if (now - lastPlain >= 2000 || finished === total) {
        lastPlain = now;
        stream.write(`${line(finished, counts)}\n`);
      }
    },
    done() {
      if (tty) stream.write("\n");
    },
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;
}
