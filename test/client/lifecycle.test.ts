import { describe, expect, it } from "vitest";
import { createSession } from "../../src/client/session.js";
import { ServerPool } from "../../src/client/pool.js";
import { startFakeComfy } from "../support/fake-comfy/index.js";

// Nothing listens on port 9 of the loopback: connections are refused at once.
const NOBODY = "http://127.0.0.1:9";

describe("session life cycle", () => {
  it("waitOpen() without a timeout is rejected by close(), not left hanging", async () => {
    const session = createSession({ baseUrl: NOBODY, clientId: "c1", backoff: { initialMs: 50, maxMs: 100 } });
    const waiting = session.waitOpen();
    await session.close();
    await expect(waiting).rejects.toThrow(/session closed while waiting/);
  });

  it("a throwing listener is reported as an error event and the others still hear the event", async () => {
    const fake = await startFakeComfy();
    const session = createSession({ baseUrl: fake.url, clientId: "c2" });
    const errors: Error[] = [];
    let heard = 0;
    session.on("error", (e) => errors.push(e));
    session.on("open", () => {
      throw new Error("listener bug");
    });
    session.on("open", () => heard++);
    await session.waitOpen({ timeoutMs: 5_000 });
    expect(heard).toBe(1);
    expect(errors.map((e) => e.message)).toContain("listener bug");
    await session.close();
    await fake.close();
  });
});

describe("pool with every server down", () => {
  it("fails a job when its run time is up instead of waiting forever", async () => {
    const pool = new ServerPool({ servers: [NOBODY], maxMoves: 1_000, healthIntervalMs: 50, timeouts: { runMs: 400, requestMs: 100, serverGoneMs: 100, connectMs: 100 } });
    const job = pool.run({ "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } });
    await expect(job).rejects.toMatchObject({ code: "comfy_timeout" });
    await pool.close();
  }, 20_000);
});
