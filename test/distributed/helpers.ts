/** Starting real workers (child processes) and looking at what they wrote. */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CliResult } from "../support/cli.js";

const root = resolve(import.meta.dirname, "../..");
export const WORKFLOW = join(root, "workflows/synthetic-object-replacement.json");

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** `imgdiff worker ...` in a child process, by default with --exit-when-idle. */
export function startWorker(url: string, run: string, out: string, id: string, extra: readonly string[] = [], options: { exitWhenIdle?: boolean } = {}): WorkerProcess {
  const args = ["worker", "--redis", url, "--run", run, "--out", out, "--worker-id", id, ...(options.exitWhenIdle === false ? [] : ["--exit-when-idle"]), ...extra];
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((ok, fail) => {
    child.on("error", fail);
    child.on("close", (code, signal) => ok({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/**
 * Lock and stalled-check times short enough for a test to see a killed worker's jobs taken over
 * (BullMQ's defaults are 30 s each). Only for tests that kill workers: on a busy machine a lock
 * this short may also lapse under a live worker, which then runs that sample again.
 */
export const FAST_STALL = ["--lock-duration", "1500", "--stalled-interval", "500"] as const;

/** Sample records written in all shards of `out` so far. */
export function recordsInShards(out: string): number {
  let n = 0;
  for (const shard of safeList(join(out, "shards"))) n += safeList(join(out, "shards", shard, "records")).filter((f) => /^\d+\.json$/.test(f)).length;
  return n;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Resolves once `test` holds (checked every 25 ms), or rejects after `ms`. */
export async function waitFor(test: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
