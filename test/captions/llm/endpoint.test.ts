import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkEndpoint, allowedOrigins } from "../../../src/captions/llm/allow-list.js";
import { backoffDelay, createEndpoint, type EndpointOptions } from "../../../src/captions/llm/endpoint.js";
import { createLimiter } from "../../../src/captions/llm/limiter.js";
import { ImgDiffError } from "../../../src/errors.js";
import { createRng } from "../../../src/util/rng.js";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());

const fast = { baseMs: 1, maxMs: 4 };
const endpoint = (extra: Partial<EndpointOptions> = {}) =>
  createEndpoint({ url: fake.url, model: "m", api: "openai", env: {}, backoff: fast, timeoutMs: 5_000, ...extra });
const body = { model: "m", messages: [{ role: "user", content: "hi" }] };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImgDiffError);
    return (error as ImgDiffError).code;
  }
  throw new Error("expected a rejection");
}

describe("endpoint allow-list", () => {
  it("allows the loopback hosts without any setting", () => {
    for (const url of ["http://127.0.0.1:11434", "http://localhost:1234/v1", "http://[::1]:8000"]) {
      expect(checkEndpoint(url, "endpoint", {}).href).toMatch(/^http:\/\//);
    }
  });

  it("refuses another origin and says how to allow it", () => {
    let error: unknown;
    try {
      checkEndpoint("https://api.example.com/v1", "node 4 (ImgDiff.VLMDifferenceCaption) endpoint", {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImgDiffError);
    expect((error as ImgDiffError).code).toBe("ENDPOINT_NOT_ALLOWED");
    expect((error as Error).message).toContain("node 4 (ImgDiff.VLMDifferenceCaption) endpoint: https://api.example.com is not an allowed");
    expect((error as Error).message).toContain("IMGDIFF_ALLOW_ENDPOINTS=https://api.example.com");
    expect((error as Error).message).toContain("--allow-endpoint https://api.example.com");
  });

  it("allows exactly the origins named in IMGDIFF_ALLOW_ENDPOINTS", () => {
    const env = { IMGDIFF_ALLOW_ENDPOINTS: " https://api.example.com/ , http://10.0.0.5:8000" };
    expect(allowedOrigins(env)).toEqual(new Set(["https://api.example.com", "http://10.0.0.5:8000"]));
    expect(checkEndpoint("https://api.example.com/v1", "e", env).origin).toBe("https://api.example.com");
    expect(checkEndpoint("http://10.0.0.5:8000", "e", env).origin).toBe("http://10.0.0.5:8000");
    expect(() => checkEndpoint("http://10.0.0.5:8001", "e", env)).toThrow(/not an allowed model endpoint/);
    expect(() => checkEndpoint("http://api.example.com", "e", env)).toThrow(/not an allowed/);
  });

  it("refuses other schemes, credentials in the URL and a malformed allow-list", () => {
    expect(() => checkEndpoint("file:///etc/passwd", "e", {})).toThrow(/http: or https:/);
    expect(() => checkEndpoint("http://user:secret@127.0.0.1:1", "e", {})).toThrow(/must not carry a user name or password/);
    expect(() => checkEndpoint("not a url", "e", {})).toThrow(/expected an http\(s\) URL/);
    expect(() => allowedOrigins({ IMGDIFF_ALLOW_ENDPOINTS: "::bad" })).toThrow(/IMGDIFF_ALLOW_ENDPOINTS/);
  });

  it("does not create an endpoint for a disallowed URL, so nothing is sent", () => {
    expect(() => createEndpoint({ url: "http://192.0.2.1:11434", model: "m", api: "ollama", env: {} })).toThrow(/not an allowed/);
  });
});

describe("API key", () => {
  it("sends the key from the named variable as a bearer token, and none when unset", async () => {
    const before = fake.requests.length;
    await endpoint({ apiKeyEnv: "MY_KEY", env: { MY_KEY: "sk-test-123" } }).post("v1/chat/completions", body);
    await endpoint({ apiKeyEnv: "MY_KEY", env: {} }).post("v1/chat/completions", body);
    const [withKey, without] = fake.requests.slice(before);
    expect(withKey!.headers.authorization).toBe("Bearer sk-test-123");
    expect(without!.headers.authorization).toBeUndefined();
  });

  it("refuses a key pasted into api_key_env without echoing it", () => {
    const pasted = "sk-live-abcdef0123456789";
    let message = "";
    try {
      endpoint({ apiKeyEnv: pasted });
    } catch (e) {
      message = (e as Error).message;
      expect((e as ImgDiffError).code).toBe("API_KEY_ENV_INVALID");
    }
    expect(message).toMatch(/NAME of an environment variable/);
    expect(message).not.toContain(pasted);
  });
});

describe("retries, backoff and timeouts", () => {
  it("retries 500 and 429 and then succeeds", async () => {
    const before = fake.requests.length;
    fake.failNext(1, 500);
    fake.failNext(1, 429, 0);
    const answer = await endpoint({ maxRetries: 3 }).post("v1/chat/completions", body);
    expect(answer).toMatchObject({ choices: [{ message: { content: "A scripted answer." } }] });
    expect(fake.requests.length - before).toBe(3);
  });

  it("honours Retry-After on 429 but never waits longer than maxMs", async () => {
    const before = fake.requests.length;
    fake.failNext(1, 429, 3600);
    // An uncapped wait of an hour would time this test out.
    await endpoint({ maxRetries: 1 }).post("v1/chat/completions", body);
    expect(fake.requests.length - before).toBe(2);
  });

  it("gives up after maxRetries with the last status", async () => {
    const before = fake.requests.length;
    fake.failNext(3, 503);
    await expect(endpoint({ maxRetries: 2 }).post("v1/chat/completions", body)).rejects.toThrow(/HTTP 503.*gave up after 3 attempts/);
    expect(fake.requests.length - before).toBe(3);
  });

  it("does not retry a client error (404) and hints at the model and URL", async () => {
    const before = fake.requests.length;
    const error = endpoint({ maxRetries: 3 }).post("v1/nowhere", body);
    await expect(error).rejects.toThrow(/HTTP 404.*model "m"/);
    expect(fake.requests.length - before).toBe(1);
  });

  it("times out a request that never answers, and retries it", async () => {
    const before = fake.requests.length;
    fake.hangNext(2);
    expect(await codeOf(endpoint({ timeoutMs: 150, maxRetries: 1 }).post("v1/chat/completions", body))).toBe("MODEL_TIMEOUT");
    expect(fake.requests.length - before).toBe(2);
    fake.hangNext(1);
    const ok = await endpoint({ timeoutMs: 150, maxRetries: 1 }).post("v1/chat/completions", body);
    expect(ok).toMatchObject({ object: "chat.completion" });
  });

  it("reports a refused connection as MODEL_UNREACHABLE after its retries", async () => {
    const closed = await startFakeLlm();
    const url = closed.url;
    await closed.close();
    const code = await codeOf(createEndpoint({ url, model: "m", api: "ollama", env: {}, backoff: fast, maxRetries: 1 }).post("api/chat", body));
    expect(code).toBe("MODEL_UNREACHABLE");
  });

  it("stops waiting when the caller aborts", async () => {
    fake.hangNext(1);
    const controller = new AbortController();
    const pending = endpoint({ timeoutMs: 10_000 }).post("v1/chat/completions", body, controller.signal);
    controller.abort(new Error("user stop"));
    await expect(pending).rejects.toThrow("user stop");
  });

  it("backs off with capped, jittered, seeded delays", () => {
    const schedule = { baseMs: 100, maxMs: 1_000 };
    const delays = (seed: string) => [0, 1, 2, 3, 4, 5].map((r) => backoffDelay(r, schedule, createRng(seed, r)));
    const a = delays("x");
    expect(delays("x")).toEqual(a);
    a.forEach((d, r) => {
      const ceiling = Math.min(1_000, 100 * 2 ** r);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
    expect(a[5]).toBeLessThanOrEqual(1_000);
  });
});

describe("concurrency limit", () => {
  it("never has more than the limit in flight at the server", async () => {
    const slow = await startFakeLlm({ delayMs: 30 });
    try {
      const e = createEndpoint({ url: slow.url, model: "m", api: "openai", env: {}, concurrency: 2 });
      await Promise.all(Array.from({ length: 7 }, () => e.post("v1/chat/completions", body)));
      expect(slow.requests).toHaveLength(7);
      expect(slow.maxInFlight).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it("shares the limit between endpoints to the same server", async () => {
    const slow = await startFakeLlm({ delayMs: 30 });
    try {
      const one = createEndpoint({ url: slow.url, model: "a", api: "ollama", env: {}, concurrency: 1 });
      const two = createEndpoint({ url: slow.url, model: "b", api: "ollama", env: {}, concurrency: 1 });
      await Promise.all([0, 1, 2].flatMap(() => [one.post("api/chat", body), two.post("api/chat", body)]));
      expect(slow.maxInFlight).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it("a queued task leaves the queue when its signal aborts", async () => {
    const limiter = createLimiter();
    let release!: () => void;
    const first = limiter.run(1, () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const queued = limiter.run(1, async () => "ran", controller.signal);
    controller.abort(new Error("gone"));
    await expect(queued).rejects.toThrow("gone");
    release();
    await first;
    expect(limiter.active).toBe(0);
    expect(await limiter.run(1, async () => "next")).toBe("next");
  });
});

describe("abort during backoff", () => {
  it("rejects with the caller's reason while waiting to retry", async () => {
    fake.failNext(1, 500);
    const controller = new AbortController();
    const e = endpoint({ backoff: { baseMs: 60_000, maxMs: 60_000 }, maxRetries: 2 });
    const before = fake.requests.length;
    const pending = e.post("v1/chat/completions", body, controller.signal);
    while (fake.requests.length === before) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error("stopped while backing off"));
    await expect(pending).rejects.toThrow("stopped while backing off");
    expect(fake.requests.length - before).toBe(1);
  });
});
