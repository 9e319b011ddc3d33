// The WebSocket session against a scripted stub server.
import { afterEach, describe, expect, it } from "vitest";
import { createSession, type ComfySession } from "../../src/client/session.js";
import { startStub, until, type StubServer } from "./stub-server.js";

let stub: StubServer | undefined;
let session: ComfySession | undefined;
afterEach(async () => {
  await session?.close();
  await stub?.close();
  session = undefined;
  stub = undefined;
});

const openSockets = (s: StubServer) => s.sockets.filter((x) => !x.closed).length;

describe("session", () => {
  it("sends feature_flags as its first frame, extra headers and no Origin, and records the server's reply", async () => {
    stub = await startStub();
    session = createSession({ baseUrl: stub.url, clientId: "c1", headers: { authorization: "Bearer t", origin: "http://elsewhere" } });
    await session.waitOpen({ timeoutMs: 5_000 });
    await until(() => stub!.sockets[0]!.frames.length > 0);
    expect(JSON.parse(stub.sockets[0]!.frames[0]!)).toEqual({ type: "feature_flags", data: { supports_preview_metadata: true } });
    expect(stub.sockets[0]!.url).toBe("/ws?clientId=c1");
    expect(stub.sockets[0]!.headers["authorization"]).toBe("Bearer t");
    expect(stub.sockets[0]!.headers["origin"]).toBeUndefined();
    stub.sockets[0]!.socket.send(JSON.stringify({ type: "feature_flags", data: { supports_preview_metadata: true, max_upload_size: 5 } }));
    await until(() => session!.serverFeatures !== undefined);
    expect(session.serverFeatures).toEqual({ supports_preview_metadata: true, max_upload_size: 5 });
  });

  it("survives repeated drops, reconnecting with the same client id only after the old socket closed", async () => {
    stub = await startStub();
    let maxOpen = 0;
    session = createSession({ baseUrl: stub.url, clientId: "same", backoff: { initialMs: 10, maxMs: 40 } });
    for (let drop = 0; drop < 6; drop++) {
      await session.waitOpen({ timeoutMs: 5_000 });
      await until(() => stub!.sockets.length === drop + 1 && !stub!.sockets[drop]!.closed);
      maxOpen = Math.max(maxOpen, openSockets(stub));
      stub.sockets[drop]!.socket.terminate();
      await until(() => session!.state !== "open");
    }
    await session.waitOpen({ timeoutMs: 5_000 });
    expect(session.opens).toBe(7);
    expect(new Set(stub.sockets.map((s) => s.url))).toEqual(new Set(["/ws?clientId=same"]));
    expect(maxOpen).toBe(1);
  });

  it("backs off on a refused upgrade (403) instead of storming, and connects once allowed", async () => {
    stub = await startStub();
    stub.refuseUpgrades(403);
    session = createSession({ baseUrl: stub.url, clientId: "c", backoff: { initialMs: 20, maxMs: 200 } });
    const errors: Error[] = [];
    session.on("error", (e) => errors.push(e));
    await until(() => stub!.sockets.length >= 5, 10_000, "five refused attempts");
    // 20, 40, 80, 160, 200 ms (each halved at worst by jitter): a storm would make hundreds of attempts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stub.sockets.length).toBeLessThan(9);
    expect(errors[0]?.message).toContain("403");
    stub.refuseUpgrades(undefined);
    await session.waitOpen({ timeoutMs: 5_000 });
    expect(session.state).toBe("open");
  });

  it("replaces a connection that stops answering pings", async () => {
    stub = await startStub({ autoPong: false });
    session = createSession({ baseUrl: stub.url, clientId: "p", pingIntervalMs: 30, backoff: { initialMs: 10, maxMs: 20 } });
    await until(() => session!.opens >= 2, 5_000, "a reconnect after missing pongs");
    expect(stub.sockets[0]!.closed).toBe(true);
  });

  it("replaces a zombie socket that receives nothing after our own action", async () => {
    stub = await startStub();
    session = createSession({ baseUrl: stub.url, clientId: "z", backoff: { initialMs: 10, maxMs: 20 } });
    await session.waitOpen({ timeoutMs: 5_000 });
    await until(() => stub!.sockets[0]?.frames.length === 1);
    session.expectTraffic(30, Date.now());
    await until(() => session!.opens >= 2, 5_000, "a reconnect of the silent socket");
    // A socket that does receive traffic is kept.
    const since = Date.now();
    session.expectTraffic(200, since);
    stub.sockets[1]!.socket.send(JSON.stringify({ type: "status", data: { status: { exec_info: { queue_remaining: 1 } } } }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(session.opens).toBe(2);
  });

  it("delivers messages and binary frames to listeners and to an async iterator, which ends on close", async () => {
    stub = await startStub();
    session = createSession({ baseUrl: stub.url, clientId: "i" });
    const seen: string[] = [];
    session.on("message", (m) => seen.push(m.type));
    const iterator = session.events();
    await session.waitOpen({ timeoutMs: 5_000 });
    await until(() => stub!.sockets.length === 1);
    stub.sockets[0]!.socket.send(JSON.stringify({ type: "execution_start", data: { prompt_id: "p", timestamp: 1 } }));
    stub.sockets[0]!.socket.send(JSON.stringify({ type: "brand_new_event", data: 1 }));
    stub.sockets[0]!.socket.send(Buffer.from([0, 0, 0, 3, 0, 0, 0, 1, 0x37, 0x68, 0x69]));
    const kinds: string[] = [];
    for await (const event of iterator) {
      kinds.push(event.kind === "message" ? event.message.type : event.kind === "binary" ? `binary:${event.frame.kind}` : event.kind);
      if (kinds.length === 5) void session.close();
    }
    expect(kinds).toEqual(["open", "status", "execution_start", "unknown", "binary:text", "close"]);
    expect(seen).toContain("execution_start");
  });

  it("close() ends the socket and stops reconnecting", async () => {
    stub = await startStub();
    session = createSession({ baseUrl: stub.url, clientId: "c", backoff: { initialMs: 5, maxMs: 5 } });
    await session.waitOpen({ timeoutMs: 5_000 });
    await session.close();
    expect(session.state).toBe("closed");
    await until(() => stub!.sockets.every((s) => s.closed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stub.sockets).toHaveLength(1);
    await expect(session.waitOpen()).rejects.toThrow(/closed/);
  });
});
