// The transport and route layer against a scripted stub server.
import nodeFetch from "node-fetch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentName } from "../../src/client/content-name.js";
import { ComfyAbortError, ComfyConnectionError, ComfyHttpError, ComfyProtocolError, ComfyTimeoutError, ComfyValidationError } from "../../src/client/errors.js";
import { getHistory, getSystemStats, postPrompt, uploadImage, view } from "../../src/client/routes.js";
import { createTransport } from "../../src/client/transport.js";
import { startStub, type StubServer } from "./stub-server.js";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStub();
});
afterEach(async () => {
  await stub.close();
});

const json = (status: number, body: unknown) => (_req: unknown, res: import("node:http").ServerResponse) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};
const stats = { system: { os: "posix" }, devices: [] };

describe("transport", () => {
  it("uses the /api prefix when the server has it, probing once", async () => {
    stub.handle(json(200, stats));
    const transport = createTransport({ baseUrl: `${stub.url}/` });
    await getSystemStats(transport);
    await getSystemStats(transport);
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/system_stats", "/api/system_stats", "/api/system_stats"]);
  });

  it("falls back to bare paths when /api does not exist", async () => {
    stub.handle((req, res) => (req.url.startsWith("/api/") ? res.writeHead(404).end("404: Not Found") : json(200, stats)(req, res)));
    const transport = createTransport({ baseUrl: stub.url });
    expect((await getSystemStats(transport)).system.os).toBe("posix");
    expect(stub.requests.map((r) => r.url)).toEqual(["/api/system_stats", "/system_stats"]);
  });

  it("reports a 500 with a text body as an HTTP error carrying the text, not as a JSON parse error", async () => {
    stub.handle((req, res) => {
      if (req.url.endsWith("/system_stats")) return json(200, stats)(req, res);
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("500 Internal Server Error\n\nServer got itself in trouble");
    });
    const transport = createTransport({ baseUrl: stub.url });
    const error = await postPrompt(transport, { prompt: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect(error).toMatchObject({ code: "comfy_http_status", status: 500, body: "500 Internal Server Error\n\nServer got itself in trouble" });
    const history = await getHistory(transport, "p").catch((e: unknown) => e);
    expect(history).toBeInstanceOf(ComfyHttpError);
  });

  it("reports a 2xx body that is not JSON as a protocol error naming the route", async () => {
    stub.handle((req, res) => (req.url.endsWith("/system_stats") ? json(200, stats)(req, res) : res.writeHead(200).end("<html>")));
    const error = await getHistory(createTransport({ baseUrl: stub.url }), "p").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyProtocolError);
    expect((error as Error).message).toContain("GET /history/p");
  });

  it("turns a 400 with node_errors into a ComfyValidationError", async () => {
    const body = { error: { type: "prompt_outputs_failed_validation", message: "Prompt outputs failed validation", details: "", extra_info: {} }, node_errors: { "3": { errors: [{ type: "value_smaller_than_min", message: "Value 0 smaller than min of 1", details: "width", extra_info: {} }], dependent_outputs: ["9"], class_type: "EmptyImage" } } };
    stub.handle((req, res) => (req.url.endsWith("/system_stats") ? json(200, stats)(req, res) : json(400, body)(req, res)));
    const error = await postPrompt(createTransport({ baseUrl: stub.url }), { prompt: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyValidationError);
    expect((error as ComfyValidationError).nodeErrors["3"]?.class_type).toBe("EmptyImage");
  });

  it("times out a request that never answers, and aborts on the caller's signal", async () => {
    stub.handle((req, res) => {
      if (req.url.endsWith("/system_stats")) json(200, stats)(req, res);
      // otherwise never answer
    });
    const transport = createTransport({ baseUrl: stub.url });
    await expect(getHistory(transport, "p", { timeoutMs: 50 })).rejects.toBeInstanceOf(ComfyTimeoutError);
    const controller = new AbortController();
    const pending = getHistory(transport, "p", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(ComfyAbortError);
  });

  it("reports a refused connection as a connection error", async () => {
    const url = stub.url;
    await stub.close();
    stub = await startStub();
    const error = await getSystemStats(createTransport({ baseUrl: url })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyConnectionError);
    expect((error as ComfyConnectionError).code).toBe("comfy_connection_lost");
  });

  it("sends extra headers and never an Origin header", async () => {
    stub.handle(json(200, stats));
    await getSystemStats(createTransport({ baseUrl: stub.url, headers: { authorization: "Bearer t", Origin: "http://evil" } }));
    expect(stub.requests[0]?.headers["authorization"]).toBe("Bearer t");
    expect(stub.requests[0]?.headers["origin"]).toBeUndefined();
  });
});

describe("uploads and downloads", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9]);

  it("uploads multipart with a content-hash name and overwrite, through node-fetch too", async () => {
    stub.handle((req, res) => {
      if (req.url.endsWith("/system_stats")) return json(200, stats)(req, res);
      const name = /filename="([^"]+)"/.exec(req.body)?.[1];
      json(200, { name, subfolder: "imgdiff", type: "input" })(req, res);
    });
    for (const fetch of [undefined, nodeFetch]) {
      const transport = createTransport({ baseUrl: stub.url, ...(fetch ? { fetch } : {}) });
      const first = await uploadImage(transport, png, { name: "pair a.png", subfolder: "imgdiff" });
      const again = await uploadImage(transport, png.slice().buffer, { name: "pair a.png", subfolder: "imgdiff" });
      expect(first.name).toBe(contentName(png, "pair a.png"));
      expect(first.name).toMatch(/^pair_a-[0-9a-f]{16}\.png$/);
      expect(again.name).toBe(first.name);
    }
    const body = stub.requests.at(-1)!.body;
    expect(stub.requests.at(-1)!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(body).toContain('name="overwrite"\r\n\r\ntrue');
    expect(body).toContain('name="subfolder"\r\n\r\nimgdiff');
    expect(contentName(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1]))).not.toBe(contentName(png));
  });

  it("builds /view queries with URLSearchParams and returns the bytes", async () => {
    stub.handle((req, res) => (req.url.endsWith("/system_stats") ? json(200, stats)(req, res) : res.writeHead(200, { "content-type": "image/png" }).end(Buffer.from(png))));
    const bytes = await view(createTransport({ baseUrl: stub.url }), { filename: "a b&c.png", subfolder: "x/y", type: "temp" });
    expect(bytes).toEqual(png);
    expect(stub.requests.at(-1)!.url).toBe("/api/view?filename=a+b%26c.png&subfolder=x%2Fy&type=temp");
  });
});
