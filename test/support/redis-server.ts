/**
 * A real redis-server for tests: on 127.0.0.1 and a free port, in a temp folder, with the
 * append-only file on (and RDB snapshots off) like the production settings, so a stop and a
 * start on the same port and folder is a Redis restart that keeps every job.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGKILL when `crash`, else a clean shutdown) and waits for it to exit. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port from its append-only file. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  dispose(): Promise<void>;
}

export const REDIS_SERVER = "/usr/bin/redis-server";

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "imgdiff-redis-"));
  let child: ChildProcess | null = null;

  const start = () =>
    new Promise<void>((done, fail) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"];
      const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      let log = "";
      const onData = (data: Buffer) => {
        log += data.toString();
        if (/Ready to accept connections/.test(log)) {
          proc.stdout.off("data", onData);
          proc.stdout.resume();
          done();
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", (data: Buffer) => (log += data.toString()));
      proc.on("error", fail);
      proc.on("exit", (code) => {
        if (!/Ready to accept connections/.test(log)) fail(new Error(`redis-server exited with ${code} before it was ready:\n${log}`));
      });
    });

  const stop = (options: { crash?: boolean } = {}) =>
    new Promise<void>((done) => {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once("exit", () => done());
      proc.kill(options.crash ? "SIGKILL" : "SIGTERM");
    });

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
