/**
 * The fake server in a separate process (for tests that kill -9 a server). Fault hooks go over
 * the /__fake/ admin routes and return promises: await them before relying on the fault.
 * stats() is kept current from the child's stdout lines.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { FaultHooks } from "./admin.js";
import type { FakeComfy, FakeComfyOptions } from "./server.js";
import type { Stats } from "./state.js";

type AsyncHooks = { [K in keyof FaultHooks]: (...args: Parameters<FaultHooks[K]>) => Promise<void> };

export interface SpawnedFakeComfy extends FakeComfy {
  readonly pid: number;
  readonly faults: AsyncHooks;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

const PROJECT = join(import.meta.dirname, "../../..");
const MAIN = join(import.meta.dirname, "main.ts");

export async function spawnFakeComfy(options: FakeComfyOptions = {}): Promise<SpawnedFakeComfy> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "fake-comfy-proc-"));
  const args = [MAIN, "--port", String(options.port ?? 0), "--dir", dir];
  if (options.executionMs !== undefined) args.push("--execution-ms", String(options.executionMs));
  if (options.nodeDelayMs !== undefined) args.push("--node-delay-ms", String(options.nodeDelayMs));
  if (options.promptMs !== undefined) args.push("--prompt-ms", String(options.promptMs));
  if (options.checkpoints !== undefined) args.push("--checkpoints", options.checkpoints.join(","));
  if (options.previewMethod !== undefined) args.push("--preview-method", options.previewMethod);
  if (options.objectInfo !== undefined) {
    const file = join(dir, "object_info.json");
    writeFileSync(file, JSON.stringify(options.objectInfo));
    args.push("--object-info", file);
  }
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  });

  let stats: Stats = { submitted: 0, executed: {} };
  let restarted: (() => void) | undefined;
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    lines.on("line", (line) => {
      const msg = JSON.parse(line) as { url?: string; port?: number; stats?: Stats; restarted?: boolean };
      if (msg.url !== undefined && msg.port !== undefined) resolve({ url: msg.url, port: msg.port });
      if (msg.stats) stats = msg.stats;
      if (msg.restarted) restarted?.();
    });
    void exited.then((code) => reject(new Error(`fake ComfyUI process exited (${code}) before listening: ${stderr.slice(-2000)}`)));
  });

  const admin = async (name: string, body: unknown = {}) => {
    const res = await fetch(`${address.url}/__fake/${name}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    if (!res.ok) throw new Error(`admin ${name} failed: ${res.status}`);
    await res.arrayBuffer();
  };

  return {
    url: address.url,
    port: address.port,
    pid: child.pid!,
    exited,
    faults: {
      dropWebSockets: () => admin("drop-websockets"),
      failNextRequests: (route, count, status) => admin("fail-next-requests", { route, count, ...(status === undefined ? {} : { status }) }),
      slowRoute: (route, ms) => admin("slow-route", { route, ms }),
      dropAfterPost: (count) => admin("drop-after-post", { count }),
      eventsBeforeReply: (on) => admin("events-before-reply", { on }),
      foreignError: () => admin("foreign-error"),
      failNode: (classType, message) => admin("fail-node", { classType, message }),
    },
    stats: () => structuredClone(stats),
    async restart(opts = {}) {
      const done = new Promise<void>((resolve) => {
        restarted = resolve;
      });
      await admin("restart", { loseQueue: opts.loseQueue !== false });
      await done;
    },
    kill(signal = "SIGKILL") {
      child.kill(signal);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
