/** The server as a real process, and close() leaving nothing behind in this process. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnFakeComfy } from "../support/fake-comfy/index.js";
import { BASIC_PROMPT, isDone, postPrompt, record, sourcePng, uploadImage, getJson } from "./helpers.js";

const PROJECT = join(import.meta.dirname, "../..");

describe("close() and spawnFakeComfy", () => {
  it("close() leaves no handle: a script that starts, runs, closes exits by itself", async () => {
    // Plain JS given to node -e (cwd = the project, so "ws" and the .ts index resolve via tsx).
    const script = `
      import { startFakeComfy } from "./test/support/fake-comfy/index.ts";
      import WebSocket from "ws";
      const fake = await startFakeComfy({ executionMs: 50, nodeDelayMs: 5 });
      const ws = new WebSocket(fake.url.replace("http", "ws") + "/ws?clientId=c");
      await new Promise((r) => ws.once("open", r));
      await fetch(fake.url + "/prompt", { method: "POST", body: JSON.stringify({ prompt: { "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, "2": { class_type: "PreviewImage", inputs: { images: ["1", 0] } } }, client_id: "c" }) });
      fake.faults.slowRoute("/queue", 10000);
      void fetch(fake.url + "/queue").catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      await fake.close();
      console.log("closed");
    `;
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: PROJECT, timeout: 20000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect({ code: out.code, stdout: out.stdout }).toEqual({ code: 0, stdout: "closed\n" });
  });

  it("spawnFakeComfy runs a real process: prompts, stats, faults over /__fake/, restart, kill -9", async () => {
    const fake = await spawnFakeComfy({ nodeDelayMs: 1 });
    try {
      expect(fake.pid).toBeGreaterThan(0);
      await uploadImage(fake.url, await sourcePng(), "trial-src.png");
      const rec = await record(fake.url, "proc");
      const reply = await postPrompt(fake.url, { prompt: BASIC_PROMPT, client_id: "proc" });
      await rec.waitFor(isDone(reply.body.prompt_id));
      expect(fake.stats().submitted).toBe(1);
      expect(fake.stats().executed[reply.body.prompt_id]).toBe(1);
      await fake.faults.failNextRequests("/prompt", 1, 500);
      expect((await postPrompt(fake.url, { prompt: BASIC_PROMPT })).status).toBe(500);
      const closed = new Promise<number>((resolve) => rec.ws.once("close", (code) => resolve(code)));
      await fake.faults.dropWebSockets();
      expect(await closed).toBe(1006);
      await fake.restart();
      expect(await getJson(`${fake.url}/history`)).toEqual({});
      fake.kill("SIGKILL");
      expect(await fake.exited).toBeNull();
      await expect(fetch(`${fake.url}/prompt`)).rejects.toThrow();
    } finally {
      await fake.close();
    }
  });
});
