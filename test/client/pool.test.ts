// ServerPool over several minimal ComfyUI imitations (test/client/mini-comfy.ts).
import { afterEach, describe, expect, it } from "vitest";
import { ServerPool } from "../../src/client/pool.js";
import { startMiniComfy, type MiniComfy } from "./mini-comfy.js";

let minis: MiniComfy[] = [];
let pool: ServerPool | undefined;
afterEach(async () => {
  await pool?.close();
  await Promise.all(minis.map((m) => m.close()));
  minis = [];
  pool = undefined;
});

const prompt = (n: number) => ({
  "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: n } },
  "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "p" } },
});

describe("ServerPool (mini servers)", () => {
  it("spreads jobs over the servers without exceeding the in-flight cap", async () => {
    minis = await Promise.all([startMiniComfy(20), startMiniComfy(20), startMiniComfy(20)]);
    pool = new ServerPool({ servers: minis.map((m) => m.url) });
    const results = await Promise.all(Array.from({ length: 18 }, (_, i) => pool!.run(prompt(i))));
    const perServer = minis.map((m) => results.filter((r) => r.server === m.url).length);
    expect(perServer.every((n) => n >= 4)).toBe(true);
    expect(Math.max(...minis.map((m) => m.maxQueued))).toBeLessThanOrEqual(2);
    for (const r of results) expect(minis.find((m) => m.url === r.server)!.executed.get(r.promptId)).toBe(1);
  });

  it("moves the jobs of a server that dies to the others, each completing exactly once", async () => {
    minis = await Promise.all([startMiniComfy(100), startMiniComfy(100), startMiniComfy(100)]);
    pool = new ServerPool({ servers: minis.map((m) => m.url), timeouts: { serverGoneMs: 300, pollIntervalMs: 50 }, healthIntervalMs: 100 });
    const dying = minis[0]!;
    const jobs = Array.from({ length: 12 }, (_, i) => pool!.run(prompt(i)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    dying.faults.muteEvents = true;
    await dying.close(); // its queued prompts are never executed
    const results = await Promise.all(jobs);
    expect(new Set(results.map((r) => r.promptId)).size).toBe(12);
    const survivors = minis.slice(1);
    for (const r of results) {
      expect(r.server).not.toBe(dying.url);
      expect(survivors.reduce((sum, m) => sum + (m.executed.get(r.promptId) ?? 0), 0)).toBe(1);
    }
    expect(results.some((r) => r.servers[0] === dying.url && r.servers.length === 2)).toBe(true);
    expect(pool.status().find((s) => s.url === dying.url)?.healthy).toBe(false);
  });

  it("builds a PromptSource for the server picked, and again for the next one when that server fails", async () => {
    minis = await Promise.all([startMiniComfy(20), startMiniComfy(20)]);
    pool = new ServerPool({ servers: minis.map((m) => m.url), maxInFlight: 1, timeouts: { serverGoneMs: 300, pollIntervalMs: 50 }, healthIntervalMs: 100 });
    const dead = minis[0]!;
    const builtFor: string[][] = [];
    const job = (i: number) => {
      builtFor[i] = [];
      return pool!.run(async (server) => {
        builtFor[i]!.push(server.baseUrl);
        // Uploading to a server that refuses connections fails this try only.
        if (server.baseUrl === dead.url) await server.uploadImage(new Uint8Array([137, 80, 78, 71]), { name: "x.png" });
        return prompt(i);
      });
    };
    await dead.close();
    const results = await Promise.all([job(0), job(1)]);
    for (const [i, r] of results.entries()) {
      expect(r.server).toBe(minis[1]!.url);
      // Built once per server tried, the dead one included when it was tried first.
      expect(builtFor[i]!.at(-1)).toBe(minis[1]!.url);
      expect(builtFor[i]!.length).toBe(r.servers.length);
    }
    expect(results.some((r) => r.servers[0] === dead.url)).toBe(true);
  });

  it("close() rejects waiting jobs and leaves no timer or socket behind", async () => {
    minis = [await startMiniComfy(5_000)];
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    pool = new ServerPool({ servers: [minis[0]!.url], maxInFlight: 1 });
    const running = pool.run(prompt(1)).catch((e: unknown) => e);
    const waiting = pool.run(prompt(2)).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.close();
    expect(await running).toMatchObject({ code: "pool_closed" });
    expect(await waiting).toMatchObject({ code: "pool_closed" });
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(after).toBeLessThanOrEqual(before);
    expect(minis[0]!.stub.sockets.every((s) => s.closed)).toBe(true);
  });
});
