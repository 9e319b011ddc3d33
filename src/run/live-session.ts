/**
 * Whether a ledger session is still running: not ended, and its process alive on this machine.
 * A session killed by a crash stays unended; its dead process tells it apart from a live one.
 */
import { hostname } from "node:os";
import type { SessionRow } from "./ledger.js";

export function isLive(session: SessionRow | undefined): boolean {
  return session !== undefined && session.endedAt === null && session.host === hostname() && processAlive(session.pid);
}

export function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
