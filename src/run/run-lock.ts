/**
 * One process per run folder. The lock is a file created exclusively (O_EXCL) that names its
 * owner; a lock whose owner died on this machine (kill -9, power cut) is taken over, anything
 * else is refused with a message that says how to clear it. Checking a ledger session instead
 * leaves a window in which two processes both see "nobody" and both run every sample.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ImgDiffError } from "../errors.js";
import { processAlive } from "./live-session.js";

export const RUN_LOCK_FILE = ".imgdiff-run.lock";

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface RunLock {
  release(): void;
}

export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, RUN_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return {
        release() {
          // Only our own lock: a later process may have taken over a lock we lost.
          if (readOwner(path)?.pid === me.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(path);
    if (owner && owner.host === me.host && !processAlive(owner.pid)) {
      unlinkSync(path); // the owner died without releasing it
      continue;
    }
    if (owner === undefined) continue; // released between our two looks
    throw new ImgDiffError(
      "RUN_IN_PROGRESS",
      `${dir} is being written by another imgdiff run (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}); wait for it or stop it. If that run is gone, delete ${path}`,
    );
  }
  throw new ImgDiffError("RUN_IN_PROGRESS", `${dir}: another imgdiff run keeps taking its lock ${path}`);
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid === "number" && typeof owner.host === "string") return owner as LockOwner;
    return { pid: -1, host: "an unknown host", startedAt: "an unknown time" };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // A lock cut short while being written: its owner died before it could say who it was.
    return { pid: -1, host: hostname(), startedAt: "an unknown time" };
  }
}
